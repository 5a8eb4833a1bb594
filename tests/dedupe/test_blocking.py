"""Blocking keys: which pairs become candidates (compare() decides the rest)."""

from __future__ import annotations

from synergia.dedupe.blocking import blocking_keys, candidate_pairs
from synergia.dedupe.normalize import normalize_record


def rec(idx: int, **fields):
    return normalize_record(fields, idx, idx)


def test_the_street_with_its_number_and_the_town_bring_a_surname_typo_without_a_postcode_together() -> None:
    """A typo in the surname's first letters and no postcode on the second form: no name,
    postcode or date key is shared, only the home (street, house number, town)."""
    a = rec(0, first_name="Anna", last_name="Kowalska", street="ul. Polna 16", postal_code="44-100", city="Gliwice")
    b = rec(1, first_name="Anna", last_name="Owalska", street="Polna 16", city="Gliwice")
    shared = set(blocking_keys(a)) & set(blocking_keys(b))
    assert {k[0] for k in shared} == {"s"}  # no other key joins them
    assert candidate_pairs([a, b]) == [(0, 1)]


def test_another_house_number_or_another_town_is_not_the_same_home() -> None:
    a = rec(0, first_name="Anna", last_name="Kowalska", street="ul. Polna 16", city="Gliwice")
    other_number = rec(1, first_name="Anna", last_name="Owalska", street="Polna 18", city="Gliwice")
    other_town = rec(2, first_name="Anna", last_name="Owalska", street="Polna 16", city="Zabrze")
    assert candidate_pairs([a, other_number, other_town]) == []
