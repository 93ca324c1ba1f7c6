"""topics: proposals, their timeline, public calls, research, notices, moderation, votes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _person(name: str, table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:  # type: ignore[type-arg]
    return (
        sa.Column(name, sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            [name], ["people.id"], name=op.f(f"fk_{table}_{name}_people"), ondelete="SET NULL"
        ),
    )


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(
            sa.Column("notice_days", sa.Integer(), nullable=False, server_default="7")
        )
        batch.add_column(
            sa.Column("premoderate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "topic_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic_ids", JSON, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _when("deadline"),
        *_person("created_by", "topic_calls"),
        _when("created_at"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_topic_calls_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_calls")),
    )
    op.create_index(op.f("ix_topic_calls_room_id"), "topic_calls", ["room_id"])
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_person("proposer_id", "topics"),
        sa.Column("proposer_name", sa.String(length=64), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("moderation", sa.String(length=16), nullable=False),
        _when("created_at"),
        sa.Column("exclusion", sa.String(length=32), nullable=True),
        *_person("approved_by", "topics"),
        _when("approved_at", True),
        _when("filed_at", True),
        _when("noticed_at", True),
        _when("meeting_at", True),
        sa.Column("meeting_place", sa.String(length=200), nullable=False),
        sa.Column("meeting_form", sa.String(length=16), nullable=False),
        sa.Column("how_to_join", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_topics_room_id_rooms")),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["topic_calls.id"],
            name=op.f("fk_topics_call_id_topic_calls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("receipt", name=op.f("uq_topics_receipt")),
    )
    op.create_index(op.f("ix_topics_room_id"), "topics", ["room_id"])
    op.create_table(
        "topic_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        _when("at"),
        *_person("by_id", "topic_steps"),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_steps_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_steps")),
    )
    op.create_index(op.f("ix_topic_steps_topic_id"), "topic_steps", ["topic_id"])
    op.create_table(
        "topic_research",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        _when("done_on"),
        sa.Column("findings", sa.Text(), nullable=False),
        *_person("created_by", "topic_research"),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_research_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_research")),
    )
    op.create_index(op.f("ix_topic_research_topic_id"), "topic_research", ["topic_id"])
    op.create_table(
        "topic_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("research_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        *_person("uploaded_by", "topic_attachments"),
        _when("uploaded_at"),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_attachments_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["research_id"],
            ["topic_research.id"],
            name=op.f("fk_topic_attachments_research_id_topic_research"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_topic_attachments_stored_name")),
    )
    op.create_index(op.f("ix_topic_attachments_topic_id"), "topic_attachments", ["topic_id"])
    op.create_table(
        "public_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        _when("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_submissions")),
    )
    op.create_index("ix_public_submissions_key_at", "public_submissions", ["key", "at"])
    op.create_table(
        "sensitive_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=40), nullable=False),
        *_person("created_by", "sensitive_words"),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_words")),
        sa.UniqueConstraint("word", name=op.f("uq_sensitive_words_word")),
    )
    op.create_table(
        "screening_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=80), nullable=False),
        _when("at"),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["topic_calls.id"],
            name=op.f("fk_screening_votes_call_id_topic_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_screening_votes_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_votes")),
        sa.UniqueConstraint("call_id", "voter", name=op.f("uq_screening_votes_call_id")),
    )
    op.create_index(op.f("ix_screening_votes_topic_id"), "screening_votes", ["topic_id"])
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("topic_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_meetings_topic_id_topics"), "topics", ["topic_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint(op.f("fk_meetings_topic_id_topics"), type_="foreignkey")
        batch.drop_column("topic_id")
    for table in (
        "screening_votes",
        "sensitive_words",
        "public_submissions",
        "topic_attachments",
        "topic_research",
        "topic_steps",
        "topics",
        "topic_calls",
    ):
        op.drop_table(table)
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("premoderate")
        batch.drop_column("notice_days")
