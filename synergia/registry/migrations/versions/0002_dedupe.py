"""dedupe register: merges, assignment history, staff decisions, review pairs

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedupe_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("survivor_person_id", sa.Integer(), nullable=False),
        sa.Column("merged_person_id", sa.Integer(), nullable=False),
        sa.Column("application_a", sa.Integer(), nullable=True),
        sa.Column("application_b", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["survivor_person_id"], ["persons.id"], name=op.f("fk_dedupe_merges_survivor_person_id_persons")),
        sa.ForeignKeyConstraint(["merged_person_id"], ["persons.id"], name=op.f("fk_dedupe_merges_merged_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedupe_merges")),
    )
    with op.batch_alter_table("dedupe_merges") as b:
        b.create_index(b.f("ix_dedupe_merges_project"), ["project"], unique=False)
        b.create_index(b.f("ix_dedupe_merges_survivor_person_id"), ["survivor_person_id"], unique=False)
        b.create_index(b.f("ix_dedupe_merges_merged_person_id"), ["merged_person_id"], unique=False)

    op.create_table(
        "dedupe_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("old_person_id", sa.Integer(), nullable=True),
        sa.Column("new_person_id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_dedupe_assignments_application_id_applications")),
        sa.ForeignKeyConstraint(["merge_id"], ["dedupe_merges.id"], name=op.f("fk_dedupe_assignments_merge_id_dedupe_merges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedupe_assignments")),
    )
    with op.batch_alter_table("dedupe_assignments") as b:
        b.create_index(b.f("ix_dedupe_assignments_project"), ["project"], unique=False)
        b.create_index(b.f("ix_dedupe_assignments_application_id"), ["application_id"], unique=False)

    op.create_table(
        "dedupe_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("application_a", sa.Integer(), nullable=False),
        sa.Column("application_b", sa.Integer(), nullable=False),
        sa.Column("same", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedupe_decisions")),
        sa.UniqueConstraint("project", "application_a", "application_b", name="uq_dedupe_decisions_pair"),
    )
    with op.batch_alter_table("dedupe_decisions") as b:
        b.create_index(b.f("ix_dedupe_decisions_project"), ["project"], unique=False)

    op.create_table(
        "dedupe_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("application_a", sa.Integer(), nullable=False),
        sa.Column("application_b", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dedupe_reviews")),
        sa.UniqueConstraint("project", "application_a", "application_b", name="uq_dedupe_reviews_pair"),
    )
    with op.batch_alter_table("dedupe_reviews") as b:
        b.create_index(b.f("ix_dedupe_reviews_project"), ["project"], unique=False)

    op.create_table(
        "dedupe_seen",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], name=op.f("fk_dedupe_seen_application_id_applications")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_dedupe_seen")),
    )


def downgrade() -> None:
    for table in ("dedupe_seen", "dedupe_reviews", "dedupe_decisions", "dedupe_assignments", "dedupe_merges"):
        op.drop_table(table)
