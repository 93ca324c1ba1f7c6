"""The /live Socket.IO namespace: who is connecting, and (later) join and command.

A connection needs a login token, the session cookie, or a guest invite; the rest are refused.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any

import socketio

from server.auth import Principal, principal_from_invite, principal_from_token
from server.db.engine import Database
from server.domain.errors import DomainError
from server.settings import Settings

log = logging.getLogger("hsl.live")
NAMESPACE = "/live"
SESSION_COOKIE = "hsl_session"


def _cookie_token(environ: dict[str, Any]) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:  # a malformed Cookie header counts as no cookie
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


class LiveNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Authenticates every connection and remembers who it is in the Socket.IO session."""

    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__(NAMESPACE)
        self.settings = settings
        self.db = db

    async def authenticate(self, environ: dict[str, Any], auth: Any) -> Principal:
        auth = auth if isinstance(auth, dict) else {}
        async with self.db.session() as session:
            token = auth.get("token")
            if isinstance(token, str) and token:
                principal = await principal_from_token(session, token)
                if principal is None:
                    raise _refused("登录已失效，请重新登录")
                return principal
            invite = auth.get("invite")
            if isinstance(invite, str) and invite:
                try:
                    return await principal_from_invite(session, self.settings.signing_key(), invite)
                except DomainError as exc:
                    raise _refused(exc.message) from None
            cookie = _cookie_token(environ)
            if cookie:
                principal = await principal_from_token(session, cookie)
                if principal is not None:
                    return principal
        raise _refused("请先登录或使用邀请链接")

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal = await self.authenticate(environ, auth)
        await self.save_session(
            sid,
            {
                "person_id": principal.person.id if principal.person else None,
                "guest_participant_id": principal.guest_participant_id,
                "guest_meeting_id": principal.guest_meeting_id,
                "name": principal.name,
            },
        )

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        return None


def _refused(message: str) -> Exception:
    # The client sees {"message": ..., "data": {"code": "unauthorized"}} in connect_error.
    error: Exception = socketio.exceptions.ConnectionRefusedError(message, {"code": "unauthorized"})
    return error
