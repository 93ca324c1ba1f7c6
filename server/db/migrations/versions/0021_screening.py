"""screening by questionnaire and by hearing, public comments on a noticed topic

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-06 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("topic_calls") as batch:
        batch.add_column(sa.Column("questions", JSON, nullable=False, server_default="[]"))
        batch.add_column(_when("recorded_at", nullable=True))
    op.create_table(
        "questionnaire_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=80), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        _when("at"),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["topic_calls.id"],
            name=op.f("fk_questionnaire_answers_call_id_topic_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_answers")),
        sa.UniqueConstraint("call_id", "voter", name=op.f("uq_questionnaire_answers_call_id")),
    )
    op.create_table(
        "topic_hearings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _when("held_on"),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("participants", JSON, nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("conclusions", JSON, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_topic_hearings_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_topic_hearings_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_hearings")),
    )
    op.create_index(op.f("ix_topic_hearings_room_id"), "topic_hearings", ["room_id"])
    with op.batch_alter_table("topic_attachments") as batch:
        batch.add_column(sa.Column("hearing_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_topic_attachments_hearing_id_topic_hearings"),
            "topic_hearings",
            ["hearing_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "public_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("moderation", sa.String(length=16), nullable=False),
        sa.Column("held_reason", sa.String(length=200), nullable=False, server_default=""),
        _when("at"),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_public_comments_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_comments")),
    )
    op.create_index(op.f("ix_public_comments_topic_id"), "public_comments", ["topic_id"])
    op.create_index(op.f("ix_public_comments_moderation"), "public_comments", ["moderation"])


def downgrade() -> None:
    op.drop_index(op.f("ix_public_comments_moderation"), table_name="public_comments")
    op.drop_index(op.f("ix_public_comments_topic_id"), table_name="public_comments")
    op.drop_table("public_comments")
    with op.batch_alter_table("topic_attachments") as batch:
        batch.drop_constraint(
            op.f("fk_topic_attachments_hearing_id_topic_hearings"), type_="foreignkey"
        )
        batch.drop_column("hearing_id")
    op.drop_index(op.f("ix_topic_hearings_room_id"), table_name="topic_hearings")
    op.drop_table("topic_hearings")
    op.drop_table("questionnaire_answers")
    with op.batch_alter_table("topic_calls") as batch:
        batch.drop_column("recorded_at")
        batch.drop_column("questions")
