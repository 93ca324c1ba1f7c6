"""outcomes and their items and records; the assessment's stored rules and awards

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:33:40.156260
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MOMENT = sa.DateTime(timezone=True)

# 第二十二条: township rooms hold at least two activities a year; village rooms as decided
# locally (none required until the office sets a number).
REQUIREMENTS = [{"level": "township", "required": 2}, {"level": "village", "required": 0}]
# Starting points of the duty record; the CPPCC office edits them.
DUTY_RULES = [
    {"kind": "invited", "points": 0.0, "cap": None},
    {"kind": "attended", "points": 2.0, "cap": None},
    {"kind": "spoke", "points": 2.0, "cap": None},
    {"kind": "speech_minutes", "points": 0.2, "cap": 10.0},
    {"kind": "voted", "points": 0.5, "cap": 5.0},
    {"kind": "suggestion", "points": 1.0, "cap": 10.0},
    {"kind": "training", "points": 2.0, "cap": None},
]


def upgrade() -> None:
    requirements = op.create_table(
        "activity_requirements",
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", name=op.f("pk_activity_requirements")),
    )
    rules = op.create_table(
        "duty_rules",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("cap", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_duty_rules")),
    )
    op.bulk_insert(requirements, REQUIREMENTS)
    op.bulk_insert(rules, DUTY_RULES)
    op.create_table(
        "room_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["people.id"], name=op.f("fk_room_awards_by_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_room_awards_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_awards")),
        sa.UniqueConstraint("room_id", "year", name=op.f("uq_room_awards_room_id")),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", MOMENT, nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_by_name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_outcomes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_outcomes_room_id_rooms")),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["people.id"],
            name=op.f("fk_outcomes_submitted_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_outcomes_meeting_id")),
        sa.UniqueConstraint("room_id", "year", "serial", name=op.f("uq_outcomes_room_id")),
    )
    op.create_index(op.f("ix_outcomes_room_id"), "outcomes", ["room_id"])
    op.create_table(
        "outcome_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("escalated_to", sa.String(length=8), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_outcome_items_outcome_id_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_outcome_items_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_items")),
        sa.UniqueConstraint("outcome_id", "position", name=op.f("uq_outcome_items_outcome_id")),
    )
    op.create_index("ix_outcome_items_unit_id", "outcome_items", ["unit_id"])
    op.create_table(
        "outcome_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["people.id"],
            name=op.f("fk_outcome_records_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["outcome_items.id"],
            name=op.f("fk_outcome_records_item_id_outcome_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_records")),
    )
    op.create_index("ix_outcome_records_item_id", "outcome_records", ["item_id"])
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_training_sessions_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    op.create_index(
        op.f("ix_training_sessions_org_unit_id"), "training_sessions", ["org_unit_id"]
    )
    op.create_table(
        "training_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendance_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_training_attendance_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendance")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_training_attendance_session_id")
        ),
    )
    op.create_index(
        op.f("ix_training_attendance_person_id"), "training_attendance", ["person_id"]
    )
    op.create_table(
        "publicity_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_publicity_items_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_publicity_items_outcome_id_outcomes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_items")),
    )
    op.create_index(op.f("ix_publicity_items_room_id"), "publicity_items", ["room_id"])
    # The yearly count of a room's activities reads meetings by room and start.
    op.create_index("ix_meetings_room_id_starts_at", "meetings", ["room_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_meetings_room_id_starts_at", table_name="meetings")
    op.drop_index(op.f("ix_publicity_items_room_id"), table_name="publicity_items")
    op.drop_table("publicity_items")
    op.drop_index(op.f("ix_training_attendance_person_id"), table_name="training_attendance")
    op.drop_table("training_attendance")
    op.drop_index(op.f("ix_training_sessions_org_unit_id"), table_name="training_sessions")
    op.drop_table("training_sessions")
    op.drop_index("ix_outcome_records_item_id", table_name="outcome_records")
    op.drop_table("outcome_records")
    op.drop_index("ix_outcome_items_unit_id", table_name="outcome_items")
    op.drop_table("outcome_items")
    op.drop_index(op.f("ix_outcomes_room_id"), table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_table("room_awards")
    op.drop_table("duty_rules")
    op.drop_table("activity_requirements")
