"""The JSON API of public observers: the moderator's watch link, and what the link shows.

How many are watching comes from the live layer through the app's `watchers` hook, and
turning the link off closes the watchers' live view through its `unwatch` hook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.db.models import Meeting
from server.domain import watch
from server.http import schemas_watch as w
from server.http.framework import Context, Endpoint

MEETING = "/api/meetings/{meeting_id:int}"
Hook = Callable[[int], Awaitable[int | None]]


async def _hook(ctx: Context, name: str, meeting_id: int) -> int | None:
    hook: Hook | None = getattr(ctx.request.app.state, name, None)
    return None if hook is None else await hook(meeting_id)


async def _out(ctx: Context, meeting: Meeting) -> w.WatchOut:
    base = ctx.settings.public_url.rstrip("/") or str(ctx.request.base_url).rstrip("/")
    token = meeting.watch_token
    return w.WatchOut(
        enabled=token is not None,
        token=token,
        url=None if token is None else f"{base}/watch/{token}",
        watchers=await _hook(ctx, "watchers", meeting.id) or 0,
    )


async def read_watch(ctx: Context) -> w.WatchOut:
    meeting = await watch.watch_link(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    return await _out(ctx, meeting)


async def set_watch(ctx: Context) -> w.WatchOut:
    body: w.WatchIn = ctx.body
    meeting, closed = await watch.set_watch_link(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), enabled=body.enabled
    )
    if closed:
        await _hook(ctx, "unwatch", meeting.id)
    return await _out(ctx, meeting)


async def watched(ctx: Context) -> w.WatchedMeeting:
    meeting = await watch.watched_meeting(ctx.session, ctx.request.path_params["token"])
    return w.WatchedMeeting(
        meeting_id=meeting.id, title=meeting.title, starts_at=meeting.starts_at, place=meeting.place
    )


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        f"{MEETING}/watch",
        read_watch,
        "查看旁听链接",
        None,
        w.WatchOut,
        permission="watch.manage",
    ),
    Endpoint(
        "PUT",
        f"{MEETING}/watch",
        set_watch,
        "开启或关闭旁听链接",
        w.WatchIn,
        w.WatchOut,
        permission="watch.manage",
    ),
    Endpoint(
        "GET",
        "/api/watch/{token}",
        watched,
        "旁听链接对应的会议",
        None,
        w.WatchedMeeting,
        permission="watch.read",
    ),
]
