"""watch: a meeting's public watch link (旁听链接)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("watch_token", sa.String(length=64), nullable=True))
        batch.create_index("ix_meetings_watch_token", ["watch_token"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_index("ix_meetings_watch_token")
        batch.drop_column("watch_token")
