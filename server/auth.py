"""Who is calling: passwords, login sessions, invite links, and the one resolver of the caller.

`resolve()` turns the credentials of an HTTP request or a Socket.IO connection into a
`Principal`; what that principal may do is server/policy.py's to say.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from typing import cast

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from server import live_first
from server.db.models import (
    AuthSession,
    Invite,
    LoginAttempt,
    Meeting,
    MeetingParticipant,
    Person,
)
from server.domain.errors import RateLimited, Unauthorized
from server.passwords import hash_now, hash_password_async, needs_rehash, verify_password

INVITE_SALT = "hsl-invite"
SESSION_COOKIE = "hsl_session"
# At most this many logins per worker are past the gate at once, the others wait before
# touching the database: a few more than the password processes check at a time
# (server/passwords.py), so the next check is always queued when one ends.
LOGINS_AT_ONCE = 4
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def hash_password(password: str) -> str:
    """Hash on the calling thread: for the command line and the demo; a server awaits
    `hash_password_async` instead."""
    return hash_now(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in person, a guest holding an invite to one meeting, or a
    public observer holding one meeting's watch link (no account, no roster entry)."""

    person: Person | None = None
    guest_participant_id: int | None = None
    guest_meeting_id: int | None = None
    guest_name: str | None = None
    csrf: str | None = None
    watch_meeting_id: int | None = None

    @property
    def is_guest_link(self) -> bool:
        """Acting through an invite link (even a guest who also has an account)."""
        return self.guest_participant_id is not None

    @property
    def name(self) -> str:
        return self.person.name if self.person else (self.guest_name or "")


@dataclass(frozen=True)
class LoginResult:
    token: str
    csrf: str
    person: Person


# A login's statements, built once: a login is the request a storm repeats by the hundred,
# and building them anew each time is event-loop time a live command may wait behind.
_FAILURES = (
    select(LoginAttempt.key, func.count())
    .where(
        LoginAttempt.key.in_(bindparam("keys", expanding=True)),
        LoginAttempt.at >= bindparam("since"),
    )
    .group_by(LoginAttempt.key)
)
# The account with its role grants in one statement (the grants are needed for the reply).
_ACCOUNT = (
    select(Person)
    .where(Person.username == bindparam("username"))
    .options(joinedload(Person.grants))
)
# A plain INSERT, not an object: the session's unit of work would cost more than the row.
_NEW_SESSION = cast(Table, AuthSession.__table__).insert()


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
    await live_first.turn()
    now = utcnow()
    # One address may serve a whole office behind NAT, so it gets a wider allowance.
    limits = {f"user:{username.lower()}": limit, f"addr:{client}": limit * 5}
    keys = list(limits)
    since = now - timedelta(minutes=1)
    # Both counts in one query: each round trip to the database is another turn of the
    # event loop that a live meeting's command may have to wait behind.
    failures = dict(
        (await session.execute(_FAILURES, {"keys": keys, "since": since})).tuples().all()
    )
    if any(failures.get(key, 0) >= allowed for key, allowed in limits.items()):
        await session.commit()
        raise RateLimited("登录尝试过于频繁，请一分钟后再试")
    person = (await session.execute(_ACCOUNT, {"username": username})).unique().scalar_one_or_none()
    stored = person.password_hash if person is not None and person.active else None
    # No transaction stays open during the check (on SQLite it would hold back every
    # writer). A burst can pass the count above before its failures are written, but only
    # as many as the gate lets in at once.
    await session.commit()
    # Every refusal costs one password check, so how long it takes tells nothing about
    # whether the username exists or is active (no stored hash never matches).
    matched = await verify_password(stored, password)
    await live_first.turn()
    if person is None or not matched:
        await session.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
        session.add_all(LoginAttempt(key=key, at=now) for key in keys)
        await session.commit()
        raise Unauthorized("用户名或密码错误")
    if person.password_hash is not None and needs_rehash(person.password_hash):
        # Made with older parameters: the password is known right now, so store it anew.
        person.password_hash = await hash_password_async(password)
        await live_first.turn()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    await session.execute(
        _NEW_SESSION,
        {
            "token_hash": _digest(token),
            "csrf": csrf,
            "person_id": person.id,
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl_s),
        },
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


async def principal_from_watch(session: AsyncSession, token: str) -> Principal:
    """The public observer a meeting's watch link admits; refuses a link that is off."""
    meeting_id = None
    if token and len(token) <= 64:
        meeting_id = await session.scalar(select(Meeting.id).where(Meeting.watch_token == token))
    if meeting_id is None:
        raise Unauthorized("旁听链接无效或已关闭，请向会议工作人员索取新的链接")
    return Principal(watch_meeting_id=meeting_id)


@dataclass(frozen=True)
class Credentials:
    """What a caller presented: a login token (bearer or Socket.IO auth), an invite, a
    watch link's token, the session cookie. The first one present is the one that counts,
    in that order."""

    token: str | None = None
    invite: str | None = None
    cookie: str | None = None
    watch: str | None = None


async def resolve(
    session: AsyncSession, signing_key: str, credentials: Credentials
) -> tuple[Principal | None, bool]:
    """The caller, or None when nothing was presented; and whether the cookie was used.

    A token or an invite that does not hold is refused (Unauthorized) rather than taken as
    nobody, so the caller is told to sign in again; a stale cookie counts as nobody, so a
    public page still works for a browser that kept one.
    """
    if credentials.token:
        principal = await principal_from_token(session, credentials.token)
        if principal is None:
            raise Unauthorized("登录已失效，请重新登录")
        return principal, False
    if credentials.invite:
        return await principal_from_invite(session, signing_key, credentials.invite), False
    if credentials.watch:
        return await principal_from_watch(session, credentials.watch), False
    if credentials.cookie:
        return await principal_from_token(session, credentials.cookie), True
    return None, False


def cookie_from_header(raw: str | None) -> str | None:
    """The session cookie's value in a raw Cookie header, if any (a malformed one: none)."""
    if not raw:
        return None
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None
