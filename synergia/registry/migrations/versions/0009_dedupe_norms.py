"""dedupe_norms: each application's stored matching view (incremental dedupe nights)

Revision ID: 0009
Revises: 0008

One row per application: the normalised record the matcher builds from its
data (``NormRecord`` fields as a JSON list), the normaliser's scheme
fingerprint and a digest of the data it was built from. Rows go with their
application (``ON DELETE CASCADE``). A new table, filled by the next dedupe
run; downgrade drops it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedupe_norms",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("data_digest", sa.String(length=32), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_dedupe_norms_application_id_applications"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_dedupe_norms")),
    )


def downgrade() -> None:
    op.drop_table("dedupe_norms")
