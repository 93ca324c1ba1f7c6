"""Password reset links: staff make a one-time, expiring link for a person in their reach,
and the person sets their own password with it; no staff member ever types a password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal, utcnow
from server.db.models import AuthSession, PasswordReset, Person
from server.domain.errors import Invalid, NotFound
from server.passwords import hash_password_async

MIN_PASSWORD = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ResetLink:
    token: str
    person: Person
    expires_at: datetime


async def create_link(
    session: AsyncSession, principal: Principal | None, person_id: int, *, ttl_s: int
) -> ResetLink:
    """A new link for the person; links made before it for them stop working."""
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    who = await policy.check_account_change(session, principal, person, "person.reset")
    now = utcnow()
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.person_id == person.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_s)
    session.add(
        PasswordReset(
            person_id=person.id,
            token_hash=_digest(token),
            created_by=who.person.id if who.person else None,
            created_at=now,
            expires_at=expires,
        )
    )
    await session.commit()
    return ResetLink(token, person, expires)


async def _usable(session: AsyncSession, token: str) -> tuple[PasswordReset, Person]:
    row = None
    if token and len(token) <= 200:
        row = await session.scalar(
            select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
        )
    if row is None:
        raise Invalid("重置链接无效，请核对链接或联系工作人员重新生成")
    if row.used_at is not None:
        raise Invalid("该重置链接已经使用过或已被新的链接取代，请联系工作人员重新生成")
    if row.expires_at <= utcnow():
        raise Invalid("重置链接已过期，请联系工作人员重新生成")
    person = await session.get(Person, row.person_id)
    if person is None or not person.active:
        raise Invalid("该账号已停用，请联系工作人员")
    return row, person


async def read_link(session: AsyncSession, token: str) -> tuple[Person, datetime]:
    """Whose password the link sets and until when it works; refused if it no longer does."""
    row, person = await _usable(session, token)
    return person, row.expires_at


async def use_link(session: AsyncSession, token: str, password: str) -> Person:
    """Set the password, spend the link, and end every session of the person."""
    row, person = await _usable(session, token)
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password：密码至少 {MIN_PASSWORD} 个字符")
    if password.strip() == "" or password == person.username:
        raise Invalid("password：密码不能与用户名相同，也不能全是空格")
    # Hashed before the row is claimed, so no write lock is held while argon2 runs.
    new_hash = await hash_password_async(password)
    # Spend it first, guarded by used_at, so two tabs racing with one link set it once.
    spent = await session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(spent, "rowcount", 1) != 1:
        await session.rollback()
        raise Invalid("该重置链接已经使用过或已被新的链接取代，请联系工作人员重新生成")
    person.password_hash = new_hash
    await session.execute(delete(AuthSession).where(AuthSession.person_id == person.id))
    await session.commit()
    return person
