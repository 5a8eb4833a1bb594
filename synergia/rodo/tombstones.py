"""Erasure tombstones: an erased person's rows are quarantined (``erased``), never imported again.

A tombstone is the salted hash of one normalised identifier (PESEL, e-mail,
phone, name + birth date, the e-mail hash inside row keys, the row key of an
erased row). ``screen_outcomes`` runs on a night's validated rows before they
reach the registry: a row matching a tombstone becomes a ``Rejected`` with
reason ``erased`` and a salted identity (so even its key holds no unsalted
hash); with ``pesel: discard`` accepted rows lose their PESEL (it was checked
and its birth date / gender taken in validation): a valid one is kept only as
``pesel_key``, its keyed hash under the salt (outside the database), which
dedupe compares like a PESEL — equal = match, different = veto.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.dedupe.normalize import PESEL_KEY, pesel_facts
from synergia.registry.tables_rodo import ErasureTombstone
from synergia.rodo.identifiers import identifiers, key_parts, norm_pesel
from synergia.rodo.salt import digest
from synergia.sheets.identity import RowIdentity
from synergia.validation.row import Accepted, Outcome, Rejected

if TYPE_CHECKING:
    from config.project import ProjectConfig

REASON = "erased"
MESSAGE = "osoba usunięta na żądanie (RODO art. 17) — usuń ten wiersz z arkusza (person erased on request; delete this row)"


def add(session: Session, project: str, salt: bytes, items: Iterable[tuple[str, str]]) -> int:
    """Store tombstones for (kind, normalised value) pairs; returns how many were new."""
    existing = set(session.scalars(select(ErasureTombstone.digest).where(ErasureTombstone.project == project)))
    n = 0
    for kind, value in items:
        d = digest(salt, kind, value)
        if d in existing:
            continue
        session.add(ErasureTombstone(project=project, kind=kind[:16], digest=d))
        existing.add(d)
        n += 1
    session.flush()
    return n


def row_key_item(source_id: str, row_key: str) -> tuple[str, str]:
    return ("row_key", f"{source_id}|{row_key}")


def _digests(session: Session, project: str) -> set[str]:
    return set(session.scalars(select(ErasureTombstone.digest).where(ErasureTombstone.project == project)))


def _candidates(outcome: Outcome) -> list[tuple[str, str]]:
    ident = outcome.ref.identity
    items: list[tuple[str, str]] = []
    if ident is not None:
        items.append(row_key_item(outcome.ref.source_id, ident.key))
        items += [("email_key", part) for part in key_parts([ident.key, *ident.fallbacks])]
    if isinstance(outcome, Accepted):
        items += identifiers(outcome.data)
    return items


def _erased(outcome: Outcome, salt: bytes) -> Rejected:
    ref, ident = outcome.ref, outcome.ref.identity
    salted = None
    if ident is not None:
        salted = RowIdentity(
            key="x:" + digest(salt, "key", f"{ref.source_id}|{ident.key}")[:48],
            fingerprint=digest(salt, "fp", ident.fingerprint or ""),
            fallbacks=(),
        )
    return Rejected(
        replace(ref, identity=salted),
        digest(salt, "content", outcome.content_hash),
        (REASON,),
        f"Źródło '{ref.source_id}', arkusz '{ref.worksheet}', wiersz {ref.row_number}: {MESSAGE}.",
    )


def pesel_key(salt: bytes, pesel: str) -> str:
    """What ``pesel: discard`` stores instead of a (checked) PESEL: its keyed hash under the salt, which
    lives outside the database — equal PESELs give equal keys, the number cannot be recovered from it."""
    return "k:" + digest(salt, "pesel_key", pesel)


def discard_pesel(data: dict, salt: bytes) -> dict:
    """The row's data without its PESEL; a valid one is replaced by ``pesel_key`` for dedupe."""
    out = {k: v for k, v in data.items() if k != "pesel"}
    number = norm_pesel(data.get("pesel"))
    if number and pesel_facts(number)[0]:  # checked in validation; an invalid one is just dropped
        out[PESEL_KEY] = pesel_key(salt, number)
    return out


def screen_outcomes(session: Session, project: ProjectConfig, outcomes: list[Outcome], salt: bytes | None = None) -> list[Outcome]:
    """Tonight's outcomes with erased persons' rows rejected (``erased``) and, with ``pesel: discard``,
    accepted rows without their PESEL. Cheap when the project has no tombstones."""
    discard = getattr(project, "pesel", "store") == "discard"
    digests = _digests(session, project.slug)
    if not digests and not discard:
        return outcomes
    if (digests or discard) and salt is None:
        from synergia.rodo.salt import salt_from_settings

        salt = salt_from_settings()
    out: list[Outcome] = []
    for outcome in outcomes:
        if discard and isinstance(outcome, Accepted) and "pesel" in outcome.data:  # first: its key is screened too
            outcome = replace(outcome, data=discard_pesel(outcome.data, salt))  # type: ignore[arg-type]
        if (
            digests
            and isinstance(outcome, (Accepted, Rejected))
            and outcome.ref.identity is not None
            and any(digest(salt, k, v) in digests for k, v in _candidates(outcome))
        ):  # type: ignore[arg-type]
            out.append(_erased(outcome, salt))  # type: ignore[arg-type]
            continue
        out.append(outcome)
    return out
