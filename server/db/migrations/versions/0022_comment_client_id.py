"""a public comment's client key, so a retried send is stored once

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("public_comments") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_public_comments_topic_id"), ["topic_id", "client_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("public_comments") as batch:
        batch.drop_constraint(op.f("uq_public_comments_topic_id"), type_="unique")
        batch.drop_column("client_id")
