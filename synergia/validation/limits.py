"""Every limit a value must respect before any rule looks at it, in one place.

A longer value is not a name, an address or an answer: the row is quarantined
with ``too_long:<field>`` (the field, never the value), so no later step ever
sees a 100,000-character cell. Limits are in characters, counted on the cell
as read; they are generous for real answers.
"""

from __future__ import annotations

from functools import lru_cache

FIELD_MAX_LENGTH: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,  # RFC 5321 path limit
    "phone": 40,
    "pesel": 40,
    "postal_code": 20,
    "gender": 60,
    "birth_date": 40,
    "submitted_at": 60,
    "date": 40,
    "street": 200,
    "city": 100,
    "gmina": 100,
    "organisation": 300,
    "organisation_type": 200,
    "category": 200,
    "session": 20,
    "hours": 20,
    "event": 300,
    "notes": 2_000,
    "consent": 2_000,  # a form's consent option text can be a whole clause
}
DEFAULT_MAX_LENGTH = 500

# After validation: how old and how young a participant can plausibly be.
EARLIEST_BIRTH_YEAR = 1900
MIN_AGE_YEARS = 10


@lru_cache(maxsize=1024)
def max_length(field: str) -> int:
    if field.startswith("consent."):
        field = "consent"
    return FIELD_MAX_LENGTH.get(field, DEFAULT_MAX_LENGTH)
