"""mail delivery register

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recoveries", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sending_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_deliveries")),
        sa.UniqueConstraint("project", "kind", "key", name="uq_mail_deliveries_key"),
        sa.UniqueConstraint("message_id", name="uq_mail_deliveries_message_id"),
    )
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_mail_deliveries_queue", ["project", "status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_deliveries_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "mail_delivery_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["mail_deliveries.id"], name=op.f("fk_mail_delivery_parts_delivery_id_mail_deliveries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_delivery_parts")),
    )
    with op.batch_alter_table("mail_delivery_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_delivery_parts_delivery_id"), ["delivery_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_delivery_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_delivery_parts_delivery_id"))
    op.drop_table("mail_delivery_parts")
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_deliveries_sent_at"))
        batch_op.drop_index("ix_mail_deliveries_queue")
    op.drop_table("mail_deliveries")
