"""row identity: applications and quarantine entries keyed by what the row is, not its row number

Revision ID: 0006
Revises: 0005

Adds ``row_key`` / ``fingerprint`` / ``fallback_keys`` to ``applications`` and
``quarantine`` and replaces the unique (source, spreadsheet, worksheet,
row_number) with a unique (project, source_id, row_key).

Data: every application gets the key the nightly run computes for its row
(``synergia.sheets.identity.identity_from_data``: form timestamp + e-mail, or
event + name + e-mail for lists), numbered ``#2``… in row order where keys are
equal. Where the key needs the raw row (a form without a timestamp, a list whose
event comes from a column) and for every quarantine entry the key is
``legacy:<id>``. ``fingerprint`` stays NULL: the first night after the upgrade
matches such records by key and, for those left, by their last known place,
exactly as before the upgrade (ids, persons and certificates do not change),
then stores tonight's key and fingerprint.

Downgrade restores the old unique index; records that share a place (a row
gone and another one there now) keep it for the most recently seen one and
get ``row_number = -id`` otherwise (they can never match a row again).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("applications", "quarantine")


def _numbered(base: str, n: int) -> str:
    return base if n == 1 else f"{base}#{n}"


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("row_key", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("fallback_keys", sa.JSON(), nullable=True))

    # the key rule as of this revision; importing it keeps one home for the rule
    from synergia.sheets.identity import identity_from_data

    conn = op.get_bind()
    apps = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("project", sa.String),
        sa.column("source_id", sa.String),
        sa.column("spreadsheet", sa.String),
        sa.column("worksheet", sa.String),
        sa.column("row_number", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("row_key", sa.String),
        sa.column("fallback_keys", sa.JSON),
    )
    rows = conn.execute(
        sa.select(apps.c.id, apps.c.project, apps.c.source_id, apps.c.kind, apps.c.data).order_by(
            apps.c.project, apps.c.source_id, apps.c.spreadsheet, apps.c.worksheet, apps.c.row_number, apps.c.id
        )
    ).all()
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    for app_id, project, source_id, kind, data in rows:
        ident = identity_from_data(kind, data or {})
        if ident is None:
            key, fallbacks = f"legacy:{app_id}", []
        else:
            seen[(project, source_id, ident.key)] += 1
            key, fallbacks = _numbered(ident.key, seen[(project, source_id, ident.key)]), list(ident.fallbacks)
        conn.execute(apps.update().where(apps.c.id == app_id).values(row_key=key, fallback_keys=fallbacks))
    quarantine = sa.table("quarantine", sa.column("id", sa.Integer), sa.column("row_key", sa.String), sa.column("fallback_keys", sa.JSON))
    for (q_id,) in conn.execute(sa.select(quarantine.c.id)).all():
        conn.execute(quarantine.update().where(quarantine.c.id == q_id).values(row_key=f"legacy:{q_id}", fallback_keys=[]))

    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("row_key", existing_type=sa.String(length=200), nullable=False)
            batch_op.alter_column("fallback_keys", existing_type=sa.JSON(), nullable=False)
            batch_op.drop_constraint(f"uq_{table}_source_row", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_row_key", ["project", "source_id", "row_key"])


def downgrade() -> None:
    conn = op.get_bind()
    for table in _TABLES:
        t = sa.table(
            table,
            sa.column("id", sa.Integer),
            sa.column("project", sa.String),
            sa.column("source_id", sa.String),
            sa.column("spreadsheet", sa.String),
            sa.column("worksheet", sa.String),
            sa.column("row_number", sa.Integer),
            sa.column("last_seen_at", sa.DateTime),
        )
        rows = conn.execute(
            sa.select(t.c.id, t.c.project, t.c.source_id, t.c.spreadsheet, t.c.worksheet, t.c.row_number).order_by(
                t.c.last_seen_at.desc(), t.c.id.desc()
            )
        ).all()
        places: set[tuple] = set()
        for row_id, *place in rows:
            if tuple(place) in places:
                conn.execute(t.update().where(t.c.id == row_id).values(row_number=-row_id))
            places.add(tuple(place))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_row_key", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_source_row", ["project", "source_id", "spreadsheet", "worksheet", "row_number"])
            batch_op.drop_column("fallback_keys")
            batch_op.drop_column("fingerprint")
            batch_op.drop_column("row_key")
