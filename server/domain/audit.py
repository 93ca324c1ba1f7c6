"""The audit log of privileged decisions: `record()` beside each decision, `entries()` for admins.

An entry is added in the decision's own transaction, so it commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Person
from server.db.models_audit import AuditEntry

# What an entry may never hold, at any depth: passwords, tokens and a ballot's choice.
FORBIDDEN_DETAILS = frozenset({"password", "password_hash", "token", "csrf", "choice", "ballot"})
MAX_ENTRIES = 500
SYSTEM_NAME = "系统"


def _check_details(details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        if key in FORBIDDEN_DETAILS:
            raise ValueError(f"the audit log never holds {key!r}")
        if isinstance(value, Mapping):
            _check_details(value)


async def record(
    session: AsyncSession,
    actor: Principal | Person | None,
    action: str,
    target_type: str,
    target_id: int | None,
    **details: Any,
) -> None:
    """Add one entry to the session; the caller's commit writes it with the decision."""
    _check_details(details)
    person = actor.person if isinstance(actor, Principal) else actor
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            actor_id=person.id if person is not None else None,
            actor_name=(person.name if person is not None else SYSTEM_NAME)[:64],
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
    )


async def role_granted(
    session: AsyncSession,
    principal: Principal | None,
    person_id: int,
    role: str,
    org_unit_id: int | None,
    room_id: int | None,
) -> None:
    await record(
        session,
        principal,
        "role.grant",
        "person",
        person_id,
        role=role,
        org_unit_id=org_unit_id,
        room_id=room_id,
    )


async def person_updated(
    session: AsyncSession, principal: Principal | None, person: Person, *, password_reset: bool
) -> None:
    """The privileged parts of a change to an account: a new password, (de)activation."""
    if password_reset:
        await record(session, principal, "password.reset", "person", person.id)
    active = inspect(person).attrs.active.history
    if active.has_changes():
        action = "person.reactivate" if person.active else "person.deactivate"
        await record(session, principal, action, "person", person.id)


async def entries(
    session: AsyncSession,
    principal: Principal | None,
    *,
    person_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries first (at most MAX_ENTRIES), for admins only; `person_id` picks
    the entries that person made or that were about them."""
    await policy.authorize(session, principal, "audit.read")
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if person_id is not None:
        query = query.where(
            or_(
                AuditEntry.actor_id == person_id,
                (AuditEntry.target_type == "person") & (AuditEntry.target_id == person_id),
            )
        )
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at <= until)
    return list(await session.scalars(query.limit(MAX_ENTRIES)))
