"""suggestions: written suggestions, their themes, the per-meeting board row, vocabulary words

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vocabulary_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["people.id"],
            name=op.f("fk_vocabulary_words_added_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vocabulary_words")),
        sa.UniqueConstraint("word", name=op.f("uq_vocabulary_words_word")),
    )
    op.create_table(
        "suggestion_boards",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("layout_revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_suggestion_boards_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_suggestion_boards")),
    )
    op.create_table(
        "suggestion_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("keywords", _json(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_suggestion_themes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_themes")),
        sa.UniqueConstraint("meeting_id", "key", name=op.f("uq_suggestion_themes_meeting_id")),
    )
    with op.batch_alter_table("suggestion_themes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suggestion_themes_meeting_id"), ["meeting_id"], unique=False
        )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("author_key", sa.String(length=40), nullable=False),
        sa.Column("author_name", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_suggestions_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["meeting_participants.id"],
            name=op.f("fk_suggestions_participant_id_meeting_participants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_suggestions_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["suggestion_themes.id"],
            name=op.f("fk_suggestions_theme_id_suggestion_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
        sa.UniqueConstraint(
            "meeting_id", "author_key", "client_id", name=op.f("uq_suggestions_meeting_id")
        ),
    )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_suggestions_theme_id"), ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestions_theme_id"))
        batch_op.drop_index(batch_op.f("ix_suggestions_meeting_id"))
    op.drop_table("suggestions")
    with op.batch_alter_table("suggestion_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_themes_meeting_id"))
    op.drop_table("suggestion_themes")
    op.drop_table("suggestion_boards")
    op.drop_table("vocabulary_words")
