"""Connection counts per meeting participant, shared by every worker, and their healing.

Only the first connection and the last disconnection of a participant change the meeting,
so a person with a phone and a laptop, or a probe with a thousand tabs, is one presence; and
those changes are gathered for `PRESENCE_INTERVAL_S` and sent as one `presence.update`, so a
thousand people arriving at once are a handful of events for everyone, not a thousand
(each of which every connection would have to receive: O(n²) messages).

Theory of operation (with Redis): each worker counts its own connections in the meeting's
hash `hsl:presence:{meeting}`, one field `{worker}:{participant}` per worker, and keeps a
heartbeat key `hsl:presence:worker:{worker}` alive (refreshed every `heartbeat_s`, lapsing
after `ttl_s`). A participant's count is the sum of their fields, read in the same Lua step
that changes one, so exactly one connection sees it go 0 → 1 and exactly one 1 → 0. Every
worker sweeps now and then: a field whose worker's heartbeat has lapsed is removed (one
sweeper wins each field), and when that leaves the participant at 0 the winner says so to
the meeting (`presence.update`). In one process without Redis the counts die with the
process, so a (re)start sends `presence.reset` to each meeting that may still show someone
connected; with Redis, the first worker to start when no other is alive does the same and
clears every count left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import Counter
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import func, select

from realtime.engine import LiveEngine
from realtime.machine.commands import PRESENCE_BATCH
from realtime.meeting import SYSTEM, Command
from server.db.engine import Database
from server.db.models import MeetingEvent

log = logging.getLogger("hsl.live")
STALE_AFTER_S = 12 * 3600
# A meeting's presence changes reach everyone at most this often (per worker).
PRESENCE_INTERVAL_S = 0.5
PREFIX = "hsl:presence:"
# Public observers are counted as one pseudo-participant of the meeting (healed like the
# rest when a worker dies) and never told to anyone: counted, never listed.
WATCHERS = "~watchers"
INDEX = PREFIX + "meetings"

# Sum of one participant's fields in a meeting's hash (ARGV[1] is ":{participant}").
_SUM = """
local function total(key, suffix)
  local fields = redis.call('HGETALL', key)
  local sum = 0
  for i = 1, #fields, 2 do
    if string.sub(fields[i], -#suffix) == suffix then sum = sum + tonumber(fields[i + 1]) end
  end
  return sum
end
"""
# KEYS: meeting hash, index; ARGV: ":{participant}", field, delta, expiry, meeting id.
_CHANGE = (
    _SUM
    + """
local mine = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
if mine <= 0 then redis.call('HDEL', KEYS[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
return total(KEYS[1], ARGV[1])
"""
)
# KEYS: meeting hash; ARGV: ":{participant}".
_TOTAL = _SUM + "return total(KEYS[1], ARGV[1])"
# KEYS: meeting hash; ARGV: ":{participant}", field. -1 when another sweeper took it first.
_CLAIM = (
    _SUM
    + """
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return -1 end
return total(KEYS[1], ARGV[1])
"""
)
# KEYS: meeting hash, index; ARGV: meeting id. Forgets a meeting whose hash has emptied.
_FORGET = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
"""


class PresenceCounter:
    """Counts connections per (meeting, participant): in memory, or in Redis across workers."""

    def __init__(
        self,
        redis: aioredis.Redis | None = None,
        *,
        heartbeat_s: float = 10.0,
        ttl_s: float = 30.0,
        worker_id: str | None = None,
    ) -> None:
        self.redis = redis
        self.heartbeat_s = heartbeat_s
        self.ttl_s = ttl_s
        self.worker_id = worker_id or uuid.uuid4().hex[:16]
        self._local: Counter[tuple[int, str]] = Counter()

    @staticmethod
    def _key(meeting_id: int) -> str:
        return f"{PREFIX}{meeting_id}"

    @staticmethod
    def _alive_key(worker_id: str) -> str:
        return f"{PREFIX}worker:{worker_id}"

    async def _change(self, meeting_id: int, participant_id: str, delta: int) -> int:
        assert self.redis is not None
        total = await self.redis.eval(
            _CHANGE,
            2,
            self._key(meeting_id),
            INDEX,
            f":{participant_id}",
            f"{self.worker_id}:{participant_id}",
            delta,
            STALE_AFTER_S,
            meeting_id,
        )
        return max(int(total), 0)

    async def connect(self, meeting_id: int, participant_id: str) -> int:
        """Count one more connection; returns the participant's count across workers."""
        self._local[(meeting_id, participant_id)] += 1
        if self.redis is None:
            return self._local[(meeting_id, participant_id)]
        return await self._change(meeting_id, participant_id, 1)

    async def disconnect(self, meeting_id: int, participant_id: str) -> int:
        """Count one connection fewer; returns what is left across workers (never below 0)."""
        local_key = (meeting_id, participant_id)
        if self._local[local_key] <= 0:
            return 0
        self._local[local_key] -= 1
        if self._local[local_key] == 0:
            del self._local[local_key]
        if self.redis is None:
            return self._local.get(local_key, 0)
        return await self._change(meeting_id, participant_id, -1)

    async def count(self, meeting_id: int, participant_id: str) -> int:
        """The participant's connections now, across workers."""
        if self.redis is None:
            return self._local.get((meeting_id, participant_id), 0)
        total = await self.redis.eval(_TOTAL, 1, self._key(meeting_id), f":{participant_id}")
        return max(int(total), 0)

    async def release_all(self) -> None:
        """Take back this worker's connections, e.g. when it shuts down."""
        for (meeting_id, participant_id), count in list(self._local.items()):
            for _ in range(count):
                await self.disconnect(meeting_id, participant_id)
        if self.redis is not None:
            await self.redis.delete(self._alive_key(self.worker_id))

    # --- healing (Redis) -------------------------------------------------------------------

    async def beat(self) -> None:
        """Say this worker is alive for another `ttl_s`."""
        if self.redis is not None:
            await self.redis.set(self._alive_key(self.worker_id), 1, px=int(self.ttl_s * 1000))

    async def others_alive(self) -> bool:
        """Whether any other worker's heartbeat is still there."""
        assert self.redis is not None
        async for key in self.redis.scan_iter(match=self._alive_key("*"), count=100):
            name = key.decode() if isinstance(key, bytes) else str(key)
            if name != self._alive_key(self.worker_id):
                return True
        return False

    async def forget_everything(self) -> None:
        """Drop every count in Redis: only when no worker is alive to hold any."""
        assert self.redis is not None
        meetings = await self.redis.smembers(INDEX)
        keys = [self._key(int(m)) for m in meetings]
        await self.redis.delete(INDEX, *keys)

    async def sweep(self) -> list[tuple[int, str]]:
        """Remove the counts of workers whose heartbeat lapsed; returns the participants
        whose last connection went with them (this sweeper's to announce)."""
        if self.redis is None:
            return []
        gone: list[tuple[int, str]] = []
        alive: dict[str, bool] = {self.worker_id: True}
        for raw in await self.redis.smembers(INDEX):
            meeting_id = int(raw)
            key = self._key(meeting_id)
            for raw_field in await self.redis.hkeys(key):
                field = raw_field.decode() if isinstance(raw_field, bytes) else str(raw_field)
                worker, _, participant_id = field.partition(":")
                if worker not in alive:
                    alive[worker] = bool(await self.redis.exists(self._alive_key(worker)))
                if alive[worker]:
                    continue
                left = await self.redis.eval(_CLAIM, 1, key, f":{participant_id}", field)
                if int(left) == 0 and participant_id != WATCHERS:
                    gone.append((meeting_id, participant_id))
            await self.redis.eval(_FORGET, 2, key, INDEX, meeting_id)
        return gone


# Events that may have shown someone connected (presence.connected: as stored before).
_ARRIVALS = ("presence.changed", "presence.connected")


async def meetings_showing_presence(db: Database) -> list[int]:
    """Meetings whose stored events may still show someone connected: a connection came
    after their last reset."""
    async with db.session() as session:
        last = (
            select(
                MeetingEvent.meeting_id,
                func.max(MeetingEvent.seq).filter(MeetingEvent.type.in_(_ARRIVALS)),
                func.max(MeetingEvent.seq).filter(MeetingEvent.type == "presence.reset"),
            )
            .where(MeetingEvent.type.in_((*_ARRIVALS, "presence.reset")))
            .group_by(MeetingEvent.meeting_id)
        )
        rows = (await session.execute(last)).all()
    return [meeting_id for meeting_id, connected, reset in rows if (connected or 0) > (reset or 0)]


class PresenceKeeper:
    """Keeps the live meetings' presence true to the connections that really exist.

    Arrivals and departures are noted as they happen and told to each meeting together,
    at most once every `interval_s`; what is told is each noted participant's count at
    that moment, read across workers, so an arrival overtaken by its own departure (or by
    another worker's) is never told wrong.
    """

    def __init__(
        self,
        presence: PresenceCounter,
        engine: LiveEngine,
        db: Database,
        *,
        interval_s: float = PRESENCE_INTERVAL_S,
    ) -> None:
        self.presence = presence
        self.engine = engine
        self.db = db
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self._noted: dict[int, set[str]] = {}
        self._flushing: dict[int, asyncio.Task[None]] = {}
        self._last_flush: dict[int, float] = {}

    async def _system(self, meeting_id: int, type_: str, data: dict[str, Any]) -> None:
        outcome = await self.engine.run(
            meeting_id, Command(type_, data), SYSTEM, sender="system", command_id=None
        )
        if not outcome.ack.get("ok"):
            # Already shown that way (a refusal changes nothing): nothing to correct.
            log.debug("presence %s for meeting %s: %s", type_, meeting_id, outcome.ack)

    # --- arrivals and departures, told together ---------------------------------------------

    async def arrive(self, meeting_id: int, participant_id: str) -> None:
        """Count a connection; the participant's first one is told at the next update."""
        if await self.presence.connect(meeting_id, participant_id) == 1:
            self._note(meeting_id, participant_id)

    async def depart(self, meeting_id: int, participant_id: str) -> None:
        """Count a connection fewer; the participant's last one is told at the next update."""
        if await self.presence.disconnect(meeting_id, participant_id) == 0:
            self._note(meeting_id, participant_id)

    async def watch(self, meeting_id: int) -> None:
        """Count a public observer's connection; nobody is told."""
        await self.presence.connect(meeting_id, WATCHERS)

    async def unwatch(self, meeting_id: int) -> None:
        await self.presence.disconnect(meeting_id, WATCHERS)

    async def watchers(self, meeting_id: int) -> int:
        """How many connections follow the meeting through its watch link, across workers."""
        return await self.presence.count(meeting_id, WATCHERS)

    def _note(self, meeting_id: int, participant_id: str) -> None:
        self._noted.setdefault(meeting_id, set()).add(participant_id)
        if meeting_id not in self._flushing:
            self._flushing[meeting_id] = asyncio.create_task(
                self._flush_soon(meeting_id), name=f"hsl-presence-{meeting_id}"
            )

    async def _flush_soon(self, meeting_id: int) -> None:
        try:
            # Nothing awaits between the last check and the finally: a change noted later
            # finds no flush running and starts one.
            while self._noted.get(meeting_id):
                since = time.monotonic() - self._last_flush.get(meeting_id, -math.inf)
                await asyncio.sleep(max(0.0, self.interval_s - since))
                try:
                    await self._flush(meeting_id)
                except Exception:  # the database or Redis failed: try again next time
                    log.exception("presence update of meeting %s failed", meeting_id)
        finally:
            self._flushing.pop(meeting_id, None)

    async def _flush(self, meeting_id: int) -> None:
        noted = self._noted.pop(meeting_id, set())
        self._last_flush[meeting_id] = time.monotonic()
        try:
            connected, disconnected = [], []
            for participant_id in sorted(noted):
                if await self.presence.count(meeting_id, participant_id) > 0:
                    connected.append(participant_id)
                else:
                    disconnected.append(participant_id)
            await self.tell(meeting_id, connected, disconnected)
        except BaseException:
            self._noted.setdefault(meeting_id, set()).update(noted)
            raise

    async def tell(self, meeting_id: int, connected: list[str], disconnected: list[str]) -> None:
        """One `presence.update` (or a few, for very many people) to the meeting."""
        for start in range(0, max(len(connected), len(disconnected)), PRESENCE_BATCH):
            await self._system(
                meeting_id,
                "presence.update",
                {
                    "connected": connected[start : start + PRESENCE_BATCH],
                    "disconnected": disconnected[start : start + PRESENCE_BATCH],
                },
            )

    async def settle(self) -> None:
        """Wait until every noted change has been told (tests, shutdown)."""
        while self._flushing:
            await asyncio.gather(*list(self._flushing.values()), return_exceptions=True)

    # --- healing -----------------------------------------------------------------------

    async def start(self) -> None:
        """At start-up: forget the connections of the process this one replaces, then keep
        the heartbeat and the sweep going."""
        await self.presence.beat()
        if self.presence.redis is None or not await self.presence.others_alive():
            if self.presence.redis is not None:
                await self.presence.forget_everything()
            for meeting_id in await meetings_showing_presence(self.db):
                await self._system(meeting_id, "presence.reset", {})
        if self.presence.redis is not None:
            self._task = asyncio.create_task(self._keep(), name="hsl-presence")

    async def stop(self) -> None:
        for task in [self._task, *self._flushing.values()]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = None
        self._flushing.clear()

    async def heal(self) -> None:
        """One heartbeat and one sweep; tells whoever left with a dead worker."""
        await self.presence.beat()
        gone: dict[int, list[str]] = {}
        for meeting_id, participant_id in await self.presence.sweep():
            gone.setdefault(meeting_id, []).append(participant_id)
        for meeting_id, participant_ids in gone.items():
            await self.tell(meeting_id, [], participant_ids)

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.presence.heartbeat_s)
            try:
                await self.heal()
            except Exception:  # a Redis or database hiccup: try again at the next beat
                log.exception("presence heartbeat or sweep failed")
