"""live polls: polls, named votes, secret voters and ballots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _of_poll(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id", "poll_id"],
        ["polls.meeting_id", "polls.poll_id"],
        name=op.f(f"fk_{table}_meeting_id_polls"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("result", _json(), nullable=True),
        sa.Column("opened_at", sa.Double(), nullable=False),
        sa.Column("closed_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_polls_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "poll_id", name=op.f("pk_polls")),
    )
    op.create_table(
        "poll_named_votes",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("choice", _json(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cast_by", sa.String(length=64), nullable=True),
        _of_poll("poll_named_votes"),
        sa.PrimaryKeyConstraint(
            "meeting_id", "poll_id", "participant_id", name=op.f("pk_poll_named_votes")
        ),
    )
    # Secret ballots: who voted and what was chosen live apart. Neither table has a time,
    # a sequence or (on SQLite) a rowid, so nothing orders one against the other.
    op.create_table(
        "poll_voters",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        _of_poll("poll_voters"),
        sa.PrimaryKeyConstraint(
            "meeting_id", "poll_id", "participant_id", name=op.f("pk_poll_voters")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "poll_ballots",
        sa.Column("ballot_id", sa.String(length=36), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("choice", _json(), nullable=False),
        _of_poll("poll_ballots"),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_poll_ballots")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_poll_ballots_poll", "poll_ballots", ["meeting_id", "poll_id"])


def downgrade() -> None:
    op.drop_index("ix_poll_ballots_poll", table_name="poll_ballots")
    op.drop_table("poll_ballots")
    op.drop_table("poll_voters")
    op.drop_table("poll_named_votes")
    op.drop_table("polls")
