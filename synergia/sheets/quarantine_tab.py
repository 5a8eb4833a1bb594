"""The quarantine tab (``Odrzucone`` by default): rejected rows shown back to staff, with their reasons.

A row names where the rejected row is (source, tab, row number) and why (reason codes and a
message); never its content, so the tab holds no personal data. Staff do not answer here: a row
leaves the tab when staff fix it in the source and the next run accepts it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.registry.tables import Quarantine

HEADER = ["Źródło", "Arkusz", "Wiersz", "Kody przyczyn", "Opis", "Pierwszy raz", "Ostatnio"]


def quarantine_rows(session: Session, project: str) -> list[list[str]]:
    """Header + open quarantine entries, ordered as staff will look for them (source, sheet, row)."""
    entries = session.execute(  # the shown columns only (no ORM objects: 5k rows took 0.7 s)
        select(
            Quarantine.source_id,
            Quarantine.worksheet,
            Quarantine.row_number,
            Quarantine.reason_codes,
            Quarantine.message,
            Quarantine.first_seen_at,
            Quarantine.last_seen_at,
        )
        .where(Quarantine.project == project, Quarantine.resolved_at.is_(None))
        .order_by(Quarantine.source_id, Quarantine.worksheet, Quarantine.row_number)
    )
    rows = [list(HEADER)]
    for source_id, worksheet, row_number, codes, message, first_seen, last_seen in entries:
        rows.append(
            [
                source_id,
                worksheet,
                str(row_number),
                ", ".join(codes),
                message,
                first_seen.strftime("%Y-%m-%d %H:%M"),
                last_seen.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return rows
