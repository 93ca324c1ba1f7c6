"""attachments of progress entries on outcome items (第十八条)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_name", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outcome_items.id"],
            name=op.f("fk_outcome_attachments_item_id_outcome_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["outcome_records.id"],
            name=op.f("fk_outcome_attachments_record_id_outcome_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["people.id"],
            name=op.f("fk_outcome_attachments_uploaded_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_outcome_attachments_stored_name")),
    )
    op.create_index("ix_outcome_attachments_item_id", "outcome_attachments", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_outcome_attachments_item_id", table_name="outcome_attachments")
    op.drop_table("outcome_attachments")
