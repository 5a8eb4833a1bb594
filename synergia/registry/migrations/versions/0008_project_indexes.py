"""project-leading indexes: per-project queries on a registry shared by many projects

Revision ID: 0008
Revises: 0007

Every per-project query filters by ``project`` first; the indexes it uses now
lead with it:

* ``attendance``: ``(project, event_id)`` replaces ``event_id`` alone (event
  ids are per project: two projects may both have ``akademia-1``) and
  ``project`` alone (a prefix of the new one);
* ``applications``: ``(project, person_id)`` for a person's applications (the
  FK index on ``person_id`` stays for joins by id);
* ``mail_deliveries``: ``(project, status, sent_at)`` (today's cap, purging
  old mail) replaces ``sent_at`` alone.

No data changes. Downgrade restores the previous indexes.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index("ix_attendance_project_event", ["project", "event_id"], unique=False)
        batch_op.drop_index("ix_attendance_event_id")
        batch_op.drop_index("ix_attendance_project")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_project_person", ["project", "person_id"], unique=False)
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_mail_deliveries_sent", ["project", "status", "sent_at"], unique=False)
        batch_op.drop_index("ix_mail_deliveries_sent_at")


def downgrade() -> None:
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_mail_deliveries_sent_at", ["sent_at"], unique=False)
        batch_op.drop_index("ix_mail_deliveries_sent")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_project_person")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index("ix_attendance_project", ["project"], unique=False)
        batch_op.create_index("ix_attendance_event_id", ["event_id"], unique=False)
        batch_op.drop_index("ix_attendance_project_event")
