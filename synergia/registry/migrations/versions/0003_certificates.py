"""certificate register

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_counters",
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project", "year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_certificates_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("project", "number", name="uq_certificates_number"),
        sa.UniqueConstraint("project", "year", "seq", name="uq_certificates_year_seq"),
        sa.UniqueConstraint("project", "person_id", "cycle", name="uq_certificates_person_cycle"),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_project"), ["project"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_person_id"), ["person_id"], unique=False)
    op.create_table(
        "certificate_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("verification_code", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("storage_uri", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"], name=op.f("fk_certificate_revisions_certificate_id_certificates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_revisions")),
        sa.UniqueConstraint("certificate_id", "revision", name="uq_certificate_revisions_cert_rev"),
        sa.UniqueConstraint("verification_code", name=op.f("uq_certificate_revisions_verification_code")),
    )
    with op.batch_alter_table("certificate_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_revisions_certificate_id"), ["certificate_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_revisions_certificate_id"))
    op.drop_table("certificate_revisions")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_person_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_project"))
    op.drop_table("certificates")
    op.drop_table("certificate_counters")
