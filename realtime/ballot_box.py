"""Live polls on one worker: votes written in batches, coalesced tallies, polls closed on time.

The rules are the machine's (`realtime.machine.polls`), the tables `realtime.poll_storage`'s.

A vote is decided by the machine on this worker's copy of the meeting, then queued. One
writer task per worker takes whatever has queued (a burst of a thousand votes is a
handful of transactions, not a thousand) and stores it under the vote's unique key; only
then is the vote acked. Polls with new votes are marked, and a pump sends each one's
tally at most every `TALLY_INTERVAL_S` (of a secret poll, only how many have voted). A
kiosk vote, which also resets the voting tablet, goes through the sequenced pipeline instead
(`LiveEngine.run`), in one transaction with its `kiosk.reset` event. Secret ballots are
sealed under their poll's key either way; once a worker sees a poll closed, it destroys
the poll's key (again after a crash: when it next loads the meeting).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from realtime.acks import refusal_of
from realtime.ballot_keys import BallotKeys
from realtime.broadcast import Broadcaster
from realtime.engine import LiveEngine
from realtime.machine.poll_types import Poll
from realtime.machine.polls import vote_refusal
from realtime.meeting import SYSTEM, Actor, Command, MeetingState, Refusal, decide
from realtime.poll_storage import (
    Ballot,
    Outcome,
    answered,
    read_tally,
    record_acks,
    refusal_reason,
    spent_key,
    write_ballots,
)
from server.db.engine import Database

log = logging.getLogger("hsl.polls")

# At most four tallies a second per poll from each worker, however fast votes arrive;
# fewer in a very large meeting, where each tally is one message per connection: there
# the pace keeps tallies to about TALLY_MESSAGES_PER_S messages a second.
TALLY_INTERVAL_S = 0.25
TALLY_MESSAGES_PER_S = 2000
MAX_BATCH = 2000
WRITE_ATTEMPTS = 4
CommandKey = tuple[str, str]  # (sender, command id)


@dataclass(eq=False)
class _Pending:
    """A vote the machine accepted, waiting for the writer."""

    meeting_id: int
    ballot: Ballot
    sender: str
    command_id: str
    state: MeetingState  # as it was decided on, to word a refusal
    actor: Actor
    future: asyncio.Future[dict[str, Any]]
    retries: list[_Pending] = field(default_factory=list)  # the same command again

    @property
    def command_key(self) -> CommandKey:
        return (self.sender, self.command_id)

    def answer(self, ack: dict[str, Any]) -> None:
        for pending in (self, *self.retries):
            if not pending.future.done():
                pending.future.set_result(ack)


class BallotBox:
    """One worker's polls: takes votes, writes them, sends tallies, closes polls on time."""

    def __init__(
        self,
        db: Database,
        engine: LiveEngine,
        broadcaster: Broadcaster,
        keys: BallotKeys,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.engine = engine
        self.broadcaster = broadcaster
        self.keys = keys
        self.clock = clock
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._dirty: dict[tuple[int, str], Poll] = {}
        self._last_tally: dict[tuple[int, str], float] = {}
        self._pump: asyncio.Task[None] | None = None
        self._timers: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._spent: set[tuple[int, str]] = set()  # closed polls whose key is gone
        self._tasks: set[asyncio.Task[None]] = set()
        engine.observe(self.on_state)

    # -- votes ----------------------------------------------------------------------------

    async def cast(
        self, meeting_id: int, actor: Actor, data: dict[str, Any], *, sender: str, command_id: str
    ) -> dict[str, Any]:
        """The ack for one `vote.cast`: after the vote is stored, or why it was refused."""
        command = Command("vote.cast", data)
        state = await self._state_for(meeting_id, data.get("poll_id"))
        try:
            events = decide(state, command, actor, self.clock())
        except Refusal:
            # This worker's copy may be behind (a guest added, a poll opened elsewhere).
            state, _ = await self.engine.view(meeting_id)
            try:
                events = decide(state, command, actor, self.clock())
            except Refusal as refusal:
                return await self._refused_unless_answered(meeting_id, sender, command_id, refusal)
        accepted = events[0]
        poll = state.poll(accepted.data["poll_id"])
        assert poll is not None
        if any(e.type == "kiosk.reset" for e in events):  # a kiosk vote: sequenced
            outcome = await self.engine.run(
                meeting_id, command, actor, sender=sender, command_id=command_id
            )
            if outcome.ack.get("ok"):
                self._mark(meeting_id, poll)
            return outcome.ack
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        ballot = Ballot.from_event(accepted.data, poll)
        self._queue.append(_Pending(meeting_id, ballot, sender, command_id, state, actor, future))
        self._writer = self._ensure(self._writer, self._write_all)
        return await future

    async def _state_for(self, meeting_id: int, poll_id: object) -> MeetingState:
        cached = self.engine.cached(meeting_id)
        if cached is not None and isinstance(poll_id, str) and cached[0].poll(poll_id):
            return cached[0]
        state, _ = await self.engine.view(meeting_id)
        return state

    async def _refused_unless_answered(
        self, meeting_id: int, sender: str, command_id: str, refusal: Refusal
    ) -> dict[str, Any]:
        """The refusal, kept under the command id; but a retry of a vote that was stored
        (arriving, say, after the poll closed) gets the ack it was given."""
        key = (sender, command_id)
        async with self.db.session() as session, session.begin():
            stored = await answered(session, meeting_id, [key])
            if key in stored:
                return stored[key]
            ack = refusal_of(refusal)
            await record_acks(session, meeting_id, {key: ack})
        return ack

    def _take_batch(self) -> list[_Pending]:
        """At most one vote per voter and poll; an exact retry rides along with the first,
        any other vote of the same voter waits for the next batch."""
        batch: dict[tuple[int, str, str], _Pending] = {}
        later: list[_Pending] = []
        for pending in self._queue[:MAX_BATCH]:
            key = (pending.meeting_id, *pending.ballot.key)
            first = batch.get(key)
            if first is None:
                batch[key] = pending
            elif first.command_key == pending.command_key:
                first.retries.append(pending)
            else:
                later.append(pending)
        self._queue = later + self._queue[MAX_BATCH:]
        return list(batch.values())

    async def _write_all(self) -> None:
        while self._queue:
            batch = self._take_batch()
            meetings: dict[int, list[_Pending]] = {}
            for pending in batch:
                meetings.setdefault(pending.meeting_id, []).append(pending)
            for meeting_id, votes in meetings.items():
                await self._write_meeting(meeting_id, votes)

    async def _write_meeting(self, meeting_id: int, votes: list[_Pending]) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                async with self.engine.meeting_lock(meeting_id):
                    acks, outcomes = await self._store(meeting_id, votes)
                break
            except (DBAPIError, RedisError, OSError):
                # A deadlock, a dropped connection or a key store that did not answer: the
                # whole batch rolled back, so writing it again cannot count anything twice.
                log.warning("vote batch for meeting %s failed", meeting_id, exc_info=True)
                if attempt == WRITE_ATTEMPTS - 1:
                    for pending in votes:
                        pending.answer(_busy(pending))
                    return
                await asyncio.sleep(0.05 * 2**attempt)
        for pending, outcome in zip(votes, outcomes, strict=True):
            pending.answer(acks[pending.command_key])
            if outcome in ("stored", "changed"):
                poll = pending.state.poll(pending.ballot.poll_id)
                if poll is not None:
                    self._mark(meeting_id, poll)

    async def _store(
        self, meeting_id: int, votes: list[_Pending]
    ) -> tuple[dict[CommandKey, dict[str, Any]], list[Outcome | None]]:
        """One transaction: earlier answers for retries, the votes, the acks to keep."""
        cached = self.engine.cached(meeting_id)
        seq = 0 if cached is None else cached[1]
        async with self.db.session() as session, session.begin():
            acks = await answered(session, meeting_id, [v.command_key for v in votes])
            fresh = [v for v in votes if v.command_key not in acks]
            written = await write_ballots(session, self.keys, meeting_id, [v.ballot for v in fresh])
            outcome_of: dict[CommandKey, Outcome] = {
                v.command_key: o for v, o in zip(fresh, written, strict=True)
            }
            # Someone else's retry of the same command may have committed meanwhile.
            repeated = [k for k, o in outcome_of.items() if o == "already_voted"]
            acks.update(await answered(session, meeting_id, repeated))
            new: dict[CommandKey, dict[str, Any]] = {}
            for vote in fresh:
                key = vote.command_key
                if key in acks:
                    continue
                outcome = outcome_of[key]
                if outcome in ("stored", "changed"):
                    new[key] = {"ok": True, "seq": seq}
                else:
                    reason = refusal_reason(vote.state, vote.ballot, outcome)
                    refusal = vote_refusal(vote.state, vote.actor, "conflict", reason)
                    new[key] = refusal_of(refusal)
            await record_acks(session, meeting_id, new)
        acks.update(new)
        return acks, [outcome_of.get(v.command_key) for v in votes]

    # -- tallies --------------------------------------------------------------------------

    def _mark(self, meeting_id: int, poll: Poll) -> None:
        self._dirty[(meeting_id, poll.poll_id)] = poll
        self._pump = self._ensure(self._pump, self._pump_tallies)

    async def _pump_tallies(self) -> None:
        while self._dirty:
            now = time.monotonic()
            next_at = {
                key: self._last_tally.get(key, -math.inf) + self._interval(key[0])
                for key in self._dirty
            }
            due = [key for key, at in next_at.items() if at <= now]
            if not due:
                await asyncio.sleep(max(min(next_at.values()) - now, 0.001))
                continue
            for key in due:
                poll = self._dirty.pop(key)
                self._last_tally[key] = time.monotonic()
                try:
                    await self._send_tally(key[0], poll)
                except Exception:
                    log.exception("tally of poll %s failed", key)

    def _interval(self, meeting_id: int) -> float:
        cached = self.engine.cached(meeting_id)
        connections = (
            0 if cached is None else sum(p.connections for p in cached[0].participants.values())
        )
        return max(TALLY_INTERVAL_S, connections / TALLY_MESSAGES_PER_S)

    async def _send_tally(self, meeting_id: int, poll: Poll) -> None:
        cached = self.engine.cached(meeting_id)
        current = None if cached is None else cached[0].poll(poll.poll_id)
        if current is not None and not current.is_open:
            return  # the close carries the final result
        async with self.db.session() as session:
            tally = await read_tally(session, meeting_id, poll)
        await self.broadcaster.publish_tally(meeting_id, tally)

    async def tallies(self, meeting_id: int, state: MeetingState) -> list[dict[str, Any]]:
        """The current tally of every open poll, for a client that (re)joins."""
        out: list[dict[str, Any]] = []
        if not any(poll.is_open for poll in state.polls):
            return out  # most joins: nothing to read
        async with self.db.session() as session:
            for poll in state.polls:
                if poll.is_open:
                    out.append(await read_tally(session, meeting_id, poll))
        return out

    # -- closing on time ------------------------------------------------------------------

    def on_state(self, meeting_id: int, state: MeetingState) -> None:
        """Keep a timer for each open poll with a closing time; forget closed polls."""
        for poll in state.polls:
            key = (meeting_id, poll.poll_id)
            if poll.is_open and poll.closes_at is not None and key not in self._timers:
                self._timers[key] = asyncio.get_running_loop().create_task(
                    self._close_on_time(meeting_id, poll.poll_id, poll.closes_at)
                )
            elif not poll.is_open:
                if poll.secret and key not in self._spent:
                    self._spent.add(key)
                    self._spawn(self._destroy_key(meeting_id, poll.poll_id))
                self._dirty.pop(key, None)
                self._last_tally.pop(key, None)
                timer = self._timers.get(key)
                if timer is not None and timer is not asyncio.current_task():
                    timer.cancel()

    async def _destroy_key(self, meeting_id: int, poll_id: str) -> None:
        """The closed poll's key, destroyed now that its close has committed."""
        try:
            async with self.db.session() as session:
                key_id = await spent_key(session, meeting_id, poll_id)
            if key_id is not None:
                await self.keys.destroy(key_id)
        except Exception:
            self._spent.discard((meeting_id, poll_id))  # tried again on the next state
            log.exception("destroying the key of poll %s of meeting %s failed", poll_id, meeting_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_on_time(self, meeting_id: int, poll_id: str, closes_at: float) -> None:
        await asyncio.sleep(max(0.0, closes_at - self.clock()))
        try:
            # The same command id on every worker: whichever comes second gets the first's
            # ack, and the poll is closed once.
            await self.engine.run(
                meeting_id,
                Command("poll.close", {"poll_id": poll_id}),
                SYSTEM,
                sender="system",
                command_id=f"timer:{poll_id}",
            )
        except Exception:
            log.exception("closing poll %s of meeting %s on time failed", poll_id, meeting_id)

    # -- tasks ----------------------------------------------------------------------------

    @staticmethod
    def _ensure(
        task: asyncio.Task[None] | None, run: Callable[[], Coroutine[Any, Any, None]]
    ) -> asyncio.Task[None]:
        """The running task, or a new one: each loop ends by itself once its work is done."""
        if task is not None and not task.done():
            return task
        return asyncio.get_running_loop().create_task(run())


def _busy(pending: _Pending) -> dict[str, Any]:
    refusal = vote_refusal(
        pending.state, pending.actor, "conflict", "投票暂未保存，请稍后用同一指令重试"
    )
    return refusal_of(refusal)
