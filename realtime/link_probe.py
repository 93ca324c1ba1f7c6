"""How well each participant's /live connection answers, for people without media.

Someone on a poor phone line who has not joined the meeting's media has no statistics
from the media worker, so the console could only say 未连接音视频. Every `PROBE_EVERY_S`
each server process asks the participants connected to it (the sockets in a meeting's
room that are on the roster; never watchers) for a `probe` acknowledgement and times the
answer itself, on its own clock: nothing the browser says is trusted, only how long it
took to answer. An answer that does not come within `PROBE_TIMEOUT_S` counts as none; a
socket that keeps not answering is asked only now and then (`MISSES_BEFORE_BACKOFF`).

Only meetings somebody looks at are probed: a meeting with a moderator or staff console
connected (its editors' room) on this process, or on another (each process marks its own
in Redis, `hsl:link-watched:{meeting}`, for `WATCHED_S`). A meeting nobody runs a console
for, or a benchmark's crowd, costs nothing.

At most `MAX_PROBES` sockets are asked per round (the rest wait for the next rounds, in
turn), so the rate is bounded by the clock and that cap, never by how many join. The
results are kept per meeting and participant, in this process and (with Redis) in a hash
`hsl:link:{meeting}` that lapses after `FRESH_S`, so the process serving the moderator
sees every process's answers (`QualityFeed.table`). Grading is
`realtime.media.quality.participant_quality`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import redis.asyncio as aioredis
import socketio

from realtime.broadcast import NAMESPACE, editors_room

log = logging.getLogger("hsl.live")

PROBE_EVERY_S = 5.0
PROBE_TIMEOUT_S = 3.0
MAX_PROBES = 500
# A socket that has not answered this many probes in a row (a client without the handler,
# most likely) is asked only every BACKOFF_ROUNDS-th round, and counted as unanswered
# meanwhile: each unanswered call holds its callback until the socket goes.
MISSES_BEFORE_BACKOFF = 3
BACKOFF_ROUNDS = 12
FRESH_S = 20.0
EVENT = "probe"
PREFIX = "hsl:link:"
WATCHED = "hsl:link-watched:"
WATCHED_S = 15

# What a participant's probe found: round trip in ms, or None when it went unanswered.
Probe = float | None


def _meeting_of(room: Any) -> int | None:
    """The meeting id of a meeting's room (`meeting:{id}`), else None."""
    if not isinstance(room, str) or not room.startswith("meeting:"):
        return None
    middle = room.removeprefix("meeting:")
    return int(middle) if middle.isdigit() else None


class LinkProbe:
    """Times the participants' answers to `probe` and keeps the newest per participant."""

    def __init__(self, sio: socketio.AsyncServer, redis: aioredis.Redis | None = None):
        self.sio = sio
        self.redis = redis
        # meeting id -> participant id -> (round trip or None, when found)
        self._found: dict[int, dict[str, tuple[Probe, float]]] = {}
        self._turn = 0
        self._round = 0
        self._misses: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(PROBE_EVERY_S)
            try:
                await self.round()
            except Exception:
                log.exception("connection probe failed")

    async def _participants(self) -> list[tuple[str, int, str]]:
        """(sid, meeting id, participant id) of the roster's sockets on this process."""
        rooms = self.sio.manager.rooms.get(NAMESPACE, {})
        out = []
        for room, members in list(rooms.items()):
            meeting_id = _meeting_of(room)
            if meeting_id is None:
                continue
            for sid in list(members):
                try:
                    session = await self.sio.get_session(sid, namespace=NAMESPACE)
                except KeyError:
                    continue
                participant_id = session.get("participant_id")
                if participant_id is not None and session.get("meeting_id") == meeting_id:
                    out.append((sid, meeting_id, str(participant_id)))
        return out

    async def _watched(self, meetings: set[int]) -> set[int]:
        """Those of `meetings` with an editor's console on this process or another."""
        rooms = self.sio.manager.rooms.get(NAMESPACE, {})
        local = {m for m in meetings if rooms.get(editors_room(m))}
        if self.redis is None:
            return local
        async with self.redis.pipeline(transaction=False) as pipe:
            for meeting_id in local:
                pipe.set(f"{WATCHED}{meeting_id}", 1, ex=WATCHED_S)
            await pipe.execute()
        rest = sorted(meetings - local)
        if not rest:
            return local
        flags = await self.redis.mget([f"{WATCHED}{m}" for m in rest])
        return local | {m for m, flag in zip(rest, flags, strict=True) if flag}

    async def round(self) -> None:
        """Ask up to MAX_PROBES participants at once, in turn, and record the answers."""
        self._round += 1
        present = await self._participants()
        watched = await self._watched({meeting_id for _, meeting_id, _ in present})
        present = [p for p in present if p[1] in watched]
        here = {sid for sid, _, _ in present}
        self._misses = {sid: n for sid, n in self._misses.items() if sid in here}
        silent = [p for p in present if not self._due(p[0])]
        everyone = [p for p in present if self._due(p[0])]
        if len(everyone) > MAX_PROBES:
            start = self._turn % len(everyone)
            everyone = (everyone + everyone)[start : start + MAX_PROBES]
            self._turn = start + MAX_PROBES
        answers = await asyncio.gather(*(self._ask(sid) for sid, _, _ in everyone))
        for (sid, _, _), rtt in zip(everyone, answers, strict=True):
            if rtt is None:
                self._misses[sid] = self._misses.get(sid, 0) + 1
            else:
                self._misses.pop(sid, None)
        found: list[Probe] = [*answers, *(None for _ in silent)]
        everyone = [*everyone, *silent]
        now = time.time()
        by_meeting: dict[int, dict[str, tuple[Probe, float]]] = {}
        for (_, meeting_id, participant_id), rtt in zip(everyone, found, strict=True):
            mine = by_meeting.setdefault(meeting_id, {})
            known = mine.get(participant_id)
            # One person on two devices: the better answer is theirs.
            if known is None or _better(rtt, known[0]):
                mine[participant_id] = (rtt, now)
        for meeting_id, rows in by_meeting.items():
            self._found.setdefault(meeting_id, {}).update(rows)
            if self.redis is not None:
                key = f"{PREFIX}{meeting_id}"
                fields: dict[Any, Any] = {
                    pid: "" if rtt is None else f"{rtt:.0f}" for pid, (rtt, _) in rows.items()
                }
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.hset(key, mapping=fields)
                    pipe.expire(key, int(FRESH_S))
                    await pipe.execute()
        for meeting_id in list(self._found):
            fresh = {p: f for p, f in self._found[meeting_id].items() if now - f[1] <= FRESH_S}
            if fresh:
                self._found[meeting_id] = fresh
            else:
                del self._found[meeting_id]

    def _due(self, sid: str) -> bool:
        """Whether to ask this socket in this round (see MISSES_BEFORE_BACKOFF)."""
        quiet = self._misses.get(sid, 0) >= MISSES_BEFORE_BACKOFF
        return not quiet or self._round % BACKOFF_ROUNDS == 0

    async def _ask(self, sid: str) -> Probe:
        started = time.monotonic()
        try:
            await self.sio.call(EVENT, {}, to=sid, namespace=NAMESPACE, timeout=PROBE_TIMEOUT_S)
        except Exception:  # no answer in time, or the socket went meanwhile
            return None
        return (time.monotonic() - started) * 1000

    async def of(self, meeting_id: int) -> dict[str, Probe]:
        """The newest answers of a meeting's participants: round trip in ms, or None."""
        if self.redis is not None:
            raw = await self.redis.hgetall(f"{PREFIX}{meeting_id}")
            return {
                (k.decode() if isinstance(k, bytes) else str(k)): _parsed(v) for k, v in raw.items()
            }
        now = time.time()
        return {
            pid: rtt
            for pid, (rtt, at) in self._found.get(meeting_id, {}).items()
            if now - at <= FRESH_S
        }


def _better(rtt: Probe, known: Probe) -> bool:
    return rtt is not None and (known is None or rtt < known)


def _parsed(value: Any) -> Probe:
    text = value.decode() if isinstance(value, bytes) else str(value)
    return float(text) if text else None
