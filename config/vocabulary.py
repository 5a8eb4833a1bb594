"""The words a project file may use: field names, event and organisation types, id shapes.

Shared by the project file (``config.project``) and its parts (indicators,
certificates), which import this module and never each other's models.
"""

from __future__ import annotations

#: Canonical participant fields a form column can map to.
CANONICAL_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "pesel",
    "birth_date",
    "gender",
    "street",
    "postal_code",
    "city",
    "gmina",
    "organisation",
    "organisation_type",
    "category",
    "submitted_at",
    # attendance / advisory lists
    "session",
    "hours",
    "date",
    "event",
    # kept for the row but not validated
    "notes",
)
#: A column mapped to ``consent.<key>`` holds the answer to consent ``key``.
CONSENT_PREFIX = "consent."
EVENT_TYPES = ("szkolenie", "warsztat", "warsztat_world_cafe", "konferencja", "doradztwo", "seminarium", "spotkanie", "inne")
ORGANISATION_TYPES = ("NGO", "JST", "rada", "grupa nieformalna", "inna")
#: Where a date or a target comes from: the grant agreement, the project's description, or a working value.
FIGURE_SOURCES = ("umowa", "opis", "roboczy")
#: Ids of sources, events, cycles and indicators (the project slug takes no '_').
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
