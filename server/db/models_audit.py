"""The typed model of the audit log: one row per privileged decision, never changed.

Rows are only ever added (server.domain.audit); nothing in the application updates them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, JsonDict, UtcDateTime


class AuditEntry(Base):
    """Who decided what, when, about which object; `details` hold no secret and no ballot.

    The actor and the target are plain numbers, not foreign keys, so that an entry reads the
    same for ever, whatever later happens to the rows it names.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_id_at", "actor_id", "at"),
        Index("ix_audit_log_target", "target_type", "target_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)
