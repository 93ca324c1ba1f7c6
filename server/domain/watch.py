"""Public observers (旁听): a meeting's watch link, which its moderator turns on and off.

Whoever holds the link follows the meeting read-only on /live; nobody is listed or told.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting
from server.domain.errors import NotFound
from server.domain.meetings import get_meeting
from server.policy import Target


async def watch_link(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> Meeting:
    """The meeting, for someone who may turn its watch link on and off."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "watch.manage", Target(meeting=meeting))
    return meeting


async def set_watch_link(
    session: AsyncSession, principal: Principal | None, meeting_id: int, *, enabled: bool
) -> tuple[Meeting, bool]:
    """Turn the link on (a new token, unless it is on already) or off (the token stops
    working at once); returns the meeting and whether a link that was on went off."""
    meeting = await watch_link(session, principal, meeting_id)
    closed = meeting.watch_token is not None and not enabled
    if enabled and meeting.watch_token is None:
        meeting.watch_token = secrets.token_urlsafe(24)
    elif not enabled:
        meeting.watch_token = None
    await session.commit()
    return meeting, closed


async def watched_meeting(session: AsyncSession, token: str) -> Meeting:
    """The meeting a watch link shows, for anyone holding the link."""
    meeting = None
    if 1 <= len(token) <= 64:
        meeting = await session.scalar(select(Meeting).where(Meeting.watch_token == token))
    if meeting is None:
        raise NotFound("旁听链接无效或已关闭，请向会议工作人员索取新的链接")
    return meeting
