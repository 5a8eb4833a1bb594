"""What the registry knows about the people of a cycle: name, gender and e-mail for the certificate,
and their attendance (personal data: never log it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from synergia.certificates.eligibility import AttendanceFact
from synergia.dedupe.names import canonical_first_name
from synergia.dedupe.normalize import fold
from synergia.registry.tables import Application, Attendance
from synergia.validation.errors import Invalid
from synergia.validation.identity import clean_name


def _name_part(value: object) -> str:
    """A first or last name written as validation writes it (``JAN`` / ``jan`` → ``Jan``, mixed case kept);
    a value without a single letter counts as missing."""
    try:
        return clean_name(str(value or ""))
    except Invalid:
        return ""


def _formal(values: list[str]) -> str:
    """The newest spelling, upgraded to the formal form the same person typed elsewhere:
    diacritics restored (``Krol`` → ``Król``) and a diminutive replaced by the full name
    (``Kasia`` → ``Katarzyna``). A certificate carries the name as in an ID card."""
    values = [v for v in values if v]
    if not values:
        return ""
    chosen = values[0]
    want = canonical_first_name(fold(chosen))
    for candidate in values[1:]:
        folded = fold(candidate)
        if folded == fold(chosen) and sum(map(str.isascii, candidate)) < sum(map(str.isascii, chosen)):
            chosen = candidate  # same letters, more Polish diacritics
        elif folded != fold(chosen) and folded == want:
            chosen = candidate  # the full name behind a diminutive
    return chosen


def best_name(datas: list[dict]) -> str:
    """Full name from a person's applications, newest first."""
    first = _formal([_name_part(d.get("first_name")) for d in datas])
    last = _formal([_name_part(d.get("last_name")) for d in datas])
    return " ".join(p for p in (first, last) if p)


def _newest_first(app: Application) -> tuple:
    return (app.kind == "recruitment", app.submitted_at or datetime.min, app.updated_at or datetime.min, app.id)


def person_details(session: Session, project: str, person_ids: Iterable[int]) -> dict[int, dict]:
    """name / gender / email per person: newest recruitment application wins, attendance rows are the fallback;
    the name in its formal spelling (see ``_formal``).

    Fields are taken one by one, so a recruitment form without a gender
    still gets it from an attendance row.
    """
    ids = sorted(set(person_ids))
    apps: dict[int, list[Application]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for app in session.scalars(
            select(Application).where(Application.project == project, Application.person_id.in_(chunk), Application.active.is_(True))
        ):
            apps.setdefault(app.person_id, []).append(app)
    out = {}
    for pid in ids:
        ranked = sorted(apps.get(pid, []), key=_newest_first, reverse=True)
        name = best_name([a.data or {} for a in ranked])
        gender = next((a.data.get("gender") for a in ranked if (a.data or {}).get("gender") in ("K", "M")), None)
        email = next((str(a.data["email"]).strip() for a in ranked if (a.data or {}).get("email")), None)
        out[pid] = {"name": name, "gender": gender, "email": email}
    return out


def _attended(project: str, event_ids: Iterable[str], extra: ColumnElement) -> Select:
    """(person, event, session, ``extra``) of each attendance of an active application that has a person."""
    return (
        select(Application.person_id, Attendance.event_id, Attendance.session_no, extra)
        .join(Application, Application.id == Attendance.application_id)
        .where(
            Attendance.project == project,
            Attendance.event_id.in_(list(event_ids)),
            Application.active.is_(True),
            Application.person_id.is_not(None),
        )
    )


def attendance_facts(session: Session, project: str, event_ids: Sequence[str]) -> list[AttendanceFact]:
    rows = session.execute(_attended(project, event_ids, Attendance.hours))
    return [AttendanceFact(pid, ev, sess, hours) for pid, ev, sess, hours in rows]


def last_session_days(session: Session, project: str, events: Sequence) -> dict[int, date]:
    """person -> day of their last attended session among ``events`` (the list's date, else the YAML's)."""
    dates = {e.id: sorted(e.dates) for e in events}
    rows = session.execute(_attended(project, dates, Attendance.attended_on))
    out: dict[int, date] = {}
    for pid, ev, sess, on in rows:
        ds = dates[ev]
        day = on or (ds[sess - 1] if sess and 1 <= sess <= len(ds) else ds[0])
        out[pid] = max(day, out.get(pid, day))
    return out
