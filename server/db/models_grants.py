"""Role grants: who holds which account role over which org unit or room, or everywhere.

Read and written only through server/policy.py (an import contract holds it).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.models import Base, Person


class RoleGrant(Base):
    """A role held over an org unit (and everything beneath it), a room, or everywhere."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "org_unit_id", "room_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))

    person: Mapped[Person] = relationship(back_populates="grants")
