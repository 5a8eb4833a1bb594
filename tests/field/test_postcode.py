"""A postcode Sheets stored as a number lost its leading zero: NNNN -> 0N-NNN, and nothing else is guessed."""

from __future__ import annotations

import pytest

from synergia.validation.contact import clean_postal_code
from synergia.validation.errors import Invalid
from synergia.validation.row import Accepted, validate_row
from tests.field._build import good_values, project, raw


@pytest.mark.parametrize(
    "raw_value,expected",
    [("2100", "02-100"), ("5077", "05-077"), ("2100.0", "02-100"), (" 9410 ", "09-410"), ("01-234", "01-234"), ("01234", "01-234")],
)
def test_four_digits_get_their_leading_zero_back(raw_value: str, expected: str) -> None:
    assert clean_postal_code(raw_value) == expected


@pytest.mark.parametrize("bad", ["210", "2-100", "210000", "2100a", "21.00", "43 10", "-2100", "٢١٠٠"])
def test_other_shapes_are_not_guessed(bad: str) -> None:
    with pytest.raises(Invalid):
        clean_postal_code(bad)


def test_row_with_a_number_postcode_is_accepted_with_the_zero() -> None:
    proj = project()
    result = validate_row(raw(good_values(**{"Kod pocztowy": "5800"})), proj.sources[0], proj)
    assert isinstance(result, Accepted) and result.data["postal_code"] == "05-800"
