"""planner: a guest on a meeting's roster may have a phone number (to send them their link)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_participants") as batch:
        batch.add_column(sa.Column("guest_phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_participants") as batch:
        batch.drop_column("guest_phone")
