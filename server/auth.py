"""Passwords, login sessions, invite links and role checks, shared by HTTP and Socket.IO.

`require()` is the one place that decides whether a principal holds a role over a room,
an org unit or everywhere; `meeting_role()` says what someone is in one meeting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    AuthSession,
    Invite,
    LoginAttempt,
    Meeting,
    MeetingParticipant,
    OrgUnit,
    Person,
    Room,
)
from server.domain.errors import Forbidden, RateLimited, Unauthorized

_hasher = PasswordHasher()
INVITE_SALT = "hsl-invite"
T = TypeVar("T")


# A password check costs about as much CPU as a hundred API requests, and argon2 runs it on
# four threads of its own. It runs off the event loop so that live meetings keep moving
# during a login: on a small pool of its own (a burst of logins cannot take the threads
# that other blocking work needs), whose threads run at a low CPU priority (the threads
# argon2 starts inherit it), so the event loop gets a core whenever it has work.
PASSWORD_THREADS = 2
PASSWORD_NICE = 19
_pool: ThreadPoolExecutor | None = None
LOGINS_AT_ONCE = 2 * PASSWORD_THREADS
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
# The hash of a random password nobody knows, with the hasher's parameters: a login for an
# unknown or inactive username is checked against it, so it takes as long as any other.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$vArNmrd+cpEG600YaoVZ+g$"
    "tZj1Bo5iDV96nXjimI+3Ejr2z7JmxK/d2aNuqlJGU04"
)


def _lower_priority() -> None:
    # Linux sets the priority per thread; elsewhere the pool runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_NICE)


async def _in_password_thread(work: Callable[..., T], *args: Any) -> T:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            PASSWORD_THREADS, thread_name_prefix="hsl-password", initializer=_lower_priority
        )
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)


def hash_password(password: str) -> str:
    """Hash on the calling thread: for the command line and the demo; a server awaits
    `hash_password_async` instead."""
    return _hasher.hash(password)


async def hash_password_async(password: str) -> str:
    """Hash a new password in a worker thread."""
    return await _in_password_thread(_hasher.hash, password)


def _verify_now(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in a worker thread; no hash is checked against DUMMY_HASH and fails."""
    matched = await _in_password_thread(_verify_now, password_hash or DUMMY_HASH, password)
    return matched and bool(password_hash)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in person, or a guest holding an invite to one meeting."""

    person: Person | None = None
    guest_participant_id: int | None = None
    guest_meeting_id: int | None = None
    guest_name: str | None = None
    csrf: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.person is None

    @property
    def name(self) -> str:
        return self.person.name if self.person else (self.guest_name or "")


@dataclass(frozen=True)
class LoginResult:
    token: str
    csrf: str
    person: Person


def _login_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(LOGINS_AT_ONCE)
    return gate


async def login(
    session: AsyncSession, username: str, password: str, *, client: str, ttl_s: int, limit: int
) -> LoginResult:
    """Check a password, refusing after `limit` failures a minute per username or address."""
    # Logins are as fast as the password pool allows; letting more of them at the database
    # at once would only make live commands queue behind them for connections and locks.
    async with _login_gate():
        return await _login(session, username, password, client=client, ttl_s=ttl_s, limit=limit)


async def _login(
    session: AsyncSession, username: str, password: str, *, client: str, ttl_s: int, limit: int
) -> LoginResult:
    now = utcnow()
    # One address may serve a whole office behind NAT, so it gets a wider allowance.
    limits = {f"user:{username.lower()}": limit, f"addr:{client}": limit * 5}
    keys = list(limits)
    since = now - timedelta(minutes=1)
    for key, allowed in limits.items():
        failures = await session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.at >= since)
        )
        if (failures or 0) >= allowed:
            await session.commit()
            raise RateLimited("登录尝试过于频繁，请一分钟后再试")
    person = await session.scalar(select(Person).where(Person.username == username))
    stored = person.password_hash if person is not None and person.active else None
    # No transaction stays open during the check (on SQLite it would hold back every
    # writer). A burst can pass the count above before its failures are written, but only
    # as many as the gate lets in at once.
    await session.commit()
    # Every refusal costs one password check, so how long it takes tells nothing about
    # whether the username exists or is active (no stored hash never matches).
    matched = await verify_password(stored, password)
    if person is None or not matched:
        await session.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
        session.add_all(LoginAttempt(key=key, at=now) for key in keys)
        await session.commit()
        raise Unauthorized("用户名或密码错误")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(
        AuthSession(
            token_hash=_digest(token),
            csrf=csrf,
            person_id=person.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    await session.commit()
    return LoginResult(token=token, csrf=csrf, person=person)


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.token_hash == _digest(token)))
    await session.commit()


async def principal_from_token(session: AsyncSession, token: str) -> Principal | None:
    """The person behind a login token, or None when it is unknown or expired."""
    if not token or len(token) > 200:
        return None
    row = await session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    person = await session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    return Principal(person=person, csrf=row.csrf)


def invite_serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=INVITE_SALT)


async def create_invite(
    session: AsyncSession,
    key: str,
    participant: MeetingParticipant,
    *,
    created_by: int | None,
    ttl_s: int,
) -> tuple[str, Invite]:
    """A signed invite for one meeting participant; the token expires after `ttl_s`."""
    invite = Invite(
        meeting_id=participant.meeting_id,
        participant_id=participant.id,
        nonce=secrets.token_hex(16),
        created_by=created_by,
        expires_at=utcnow() + timedelta(seconds=ttl_s),
    )
    session.add(invite)
    await session.flush()
    token = invite_serializer(key).dumps({"n": invite.nonce, "t": ttl_s})
    return token, invite


async def principal_from_invite(session: AsyncSession, key: str, token: str) -> Principal:
    """The guest an invite token names; refuses forged, expired or revoked invites."""
    if not token or len(token) > 500:
        raise Unauthorized("邀请链接无效")
    serializer = invite_serializer(key)
    try:
        _, payload = serializer.loads_unsafe(token)
        max_age = int(payload["t"]) if isinstance(payload, dict) else 0
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthorized("邀请链接已过期，请向会议工作人员索取新的链接") from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Unauthorized("邀请链接无效") from None
    invite = await session.scalar(select(Invite).where(Invite.nonce == data.get("n")))
    if invite is None or invite.revoked:
        raise Unauthorized("邀请链接无效或已被撤销")
    if invite.expires_at <= utcnow():
        raise Unauthorized("邀请链接已过期，请向会议工作人员索取新的链接")
    participant = invite.participant
    return Principal(
        person=participant.person,
        guest_participant_id=participant.id,
        guest_meeting_id=invite.meeting_id,
        guest_name=participant.display_name,
    )


async def _org_chain(session: AsyncSession, org_unit_id: int | None) -> set[int]:
    """The org unit and all its ancestors."""
    chain: set[int] = set()
    current = org_unit_id
    while current is not None and current not in chain:
        chain.add(current)
        current = await session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == current))
    return chain


async def has_role(
    session: AsyncSession,
    principal: Principal,
    roles: Iterable[str],
    *,
    room_id: int | None = None,
    org_unit_id: int | None = None,
) -> bool:
    """Whether the principal holds one of `roles` everywhere, over the room, or above it.

    A grant on an org unit covers everything beneath it; `admin` covers every role.
    """
    person = principal.person
    if person is None or principal.guest_participant_id is not None:
        return False
    wanted = set(roles) | {"admin"}
    grants = [g for g in person.grants if g.role in wanted]
    if not grants:
        return False
    if any(g.org_unit_id is None and g.room_id is None for g in grants):
        return True
    if room_id is not None:
        if any(g.room_id == room_id for g in grants):
            return True
        room = await session.get(Room, room_id)
        org_unit_id = room.org_unit_id if room else None
    if org_unit_id is None:
        return False
    chain = await _org_chain(session, org_unit_id)
    return any(g.org_unit_id in chain for g in grants)


async def require(
    session: AsyncSession,
    principal: Principal | None,
    roles: Iterable[str],
    *,
    room_id: int | None = None,
    org_unit_id: int | None = None,
) -> Principal:
    """Refuse unless the principal holds one of `roles` over the target (see has_role)."""
    if principal is None:
        raise Unauthorized("请先登录")
    if not await has_role(session, principal, roles, room_id=room_id, org_unit_id=org_unit_id):
        raise Forbidden("您没有执行此操作的权限")
    return principal


def require_person(principal: Principal | None) -> Principal:
    """Refuse anyone who is not signed in with an account."""
    if principal is None or principal.person is None or principal.guest_participant_id:
        raise Unauthorized("请先登录")
    return principal


async def meeting_participant(
    session: AsyncSession, principal: Principal, meeting: Meeting
) -> MeetingParticipant | None:
    """The principal's participant row in this meeting, if any."""
    if principal.guest_participant_id is not None:
        if principal.guest_meeting_id != meeting.id:
            return None
        return await session.get(MeetingParticipant, principal.guest_participant_id)
    if principal.person is None:
        return None
    return await session.scalar(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting.id,
            MeetingParticipant.person_id == principal.person.id,
        )
    )


async def meeting_role(session: AsyncSession, principal: Principal, meeting: Meeting) -> str | None:
    """What the principal is in this meeting: moderator, staff, participant, or nothing.

    The roster decides first; a moderator or staff grant over the room makes someone
    not on the roster that role too, so the room's team can always run its meetings.
    """
    participant = await meeting_participant(session, principal, meeting)
    if participant is not None and participant.role in ("moderator", "staff"):
        return participant.role
    if await has_role(session, principal, ["moderator"], room_id=meeting.room_id):
        return "moderator"
    if await has_role(session, principal, ["staff", "cppcc_staff"], room_id=meeting.room_id):
        return "staff"
    return "participant" if participant is not None else None
