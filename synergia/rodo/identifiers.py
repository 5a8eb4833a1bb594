"""Normalised identifiers of a person (what a tombstone remembers, salted) and the row-key hashes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from synergia.dedupe.normalize import fold
from synergia.sheets.identity import _h, norm_email, norm_name
from synergia.validation.contact import clean_phone
from synergia.validation.errors import Invalid

#: Application fields anonymisation keeps: what indicators count (gender, category, organisation and its
#: type, gmina) and the dates / attendance facts. Everything else (names, contacts, PESEL, address,
#: birth date, notes) goes.
KEEP_FIELDS = (
    "gender",
    "category",
    "organisation",
    "organisation_type",
    "gmina",
    "submitted_at",
    "event",
    "sessions",
    "hours",
    "date",
    "consents",
    "no_pesel",
)
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone", "pesel", "birth_date", "street", "postal_code", "city", "notes")


def norm_pesel(value: object) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    return digits if len(digits) == 11 else ""


def norm_phone(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return clean_phone(text)
    except Invalid:
        return re.sub(r"\D", "", text)


def identifiers(data: Mapping) -> list[tuple[str, str]]:
    """(kind, normalised value) of one application's data; empty values left out."""
    out: list[tuple[str, str]] = []
    if p := norm_pesel(data.get("pesel")):
        out.append(("pesel", p))
    if k := data.get("pesel_key"):  # pesel: discard — the PESEL's keyed hash (synergia.rodo.tombstones)
        out.append(("pesel_key", str(k)))
    if e := norm_email(str(data.get("email") or "")):
        out.append(("email", e))
        out.append(("email_key", _h(e)))  # the hash row keys carry (synergia.sheets.identity)
    if ph := norm_phone(data.get("phone")):
        out.append(("phone", ph))
    first, last = fold(str(data.get("first_name") or "")), fold(str(data.get("last_name") or ""))
    birth = str(data.get("birth_date") or "")
    if (first or last) and birth:
        out.append(("name_birth", f"{first}|{last}|{birth}"))
    return out


def key_hashes(data: Mapping) -> set[str]:
    """The 20-hex hashes of e-mail and name the row keys of this person's rows contain."""
    out = set()
    if e := norm_email(str(data.get("email") or "")):
        out.add(_h(e))
    if fold(str(data.get("first_name") or "")) or fold(str(data.get("last_name") or "")):
        out.add(_h(norm_name(str(data.get("first_name") or ""), str(data.get("last_name") or ""))))
    return out


def key_parts(keys: Iterable[str]) -> set[str]:
    """Hash components of row keys ("f:<time>:<mail hash>", "l:<event>:<name hash>:<mail hash>", ...)."""
    parts: set[str] = set()
    for key in keys:
        for part in str(key or "").split("#")[0].split(":"):
            if re.fullmatch(r"[0-9a-f]{20}", part):
                parts.add(part)
    return parts
