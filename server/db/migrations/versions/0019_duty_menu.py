"""members' yearly duty menus (履职菜单, 第二十三条)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_menus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("by_name", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_duty_menus_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_menus")),
        sa.UniqueConstraint("person_id", "year", name=op.f("uq_duty_menus_person_id")),
    )
    op.create_table(
        "duty_menu_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("menu_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(200), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["menu_id"],
            ["duty_menus.id"],
            name=op.f("fk_duty_menu_lines_menu_id_duty_menus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_duty_menu_lines_room_id_rooms"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_menu_lines")),
        sa.UniqueConstraint("menu_id", "position", name=op.f("uq_duty_menu_lines_menu_id")),
    )


def downgrade() -> None:
    op.drop_table("duty_menu_lines")
    op.drop_table("duty_menus")
