"""The command pipeline of live meetings: validate → permit → decide → commit → emit.

Each meeting's events get one order from its `live_meetings` row, locked while a command
is decided, so two workers never hand out the same `seq`. Each worker keeps the
meeting's state in memory and catches up from the stored events before it decides.
Storage hooks (`realtime.hooks`) add an area's own reads and rows to a command's
transaction: the polls' votes and results (`realtime.poll_storage.poll_hooks`), the
meeting's status (`realtime.meeting_status`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.acks import refusal_of
from realtime.audit_trail import record_decisions
from realtime.hooks import StorageHook
from realtime.machine.polls import UNSEQUENCED
from realtime.meeting import (
    NEUTRAL_EVENTS,
    Actor,
    Command,
    Event,
    MeetingSetup,
    MeetingState,
    Refusal,
    allowed,
    decide,
    evolve,
    initial_state,
)
from server import live_first
from server.db.engine import Database
from server.db.models import LiveMeeting, Meeting, MeetingCommand, MeetingEvent
from server.domain.meetings import speaking_rules_of

log = logging.getLogger("hsl.live")
# A client that is further behind than this gets a snapshot instead of the missed events.
REPLAY_LIMIT = 500
MAX_COMMAND_BYTES = 16_000
Clock = Callable[[], float]
Publish = Callable[[int, Sequence[dict[str, Any]]], Awaitable[None]]
# Told the meeting's state whenever this worker's copy moves on (its own commands or
# another worker's, caught up); must return at once and never raise.
Observer = Callable[[int, MeetingState], None]


@dataclass
class Outcome:
    """What a command came to: the ack for the sender and the events for everyone."""

    ack: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Live:
    state: MeetingState
    seq: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def setup_from_meeting(meeting: Meeting, roster: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The machine's setup dict for a meeting as it stands in the database now."""
    return {
        "meeting_id": str(meeting.id),
        "title": meeting.title,
        "agenda": [
            {
                "item_id": str(item.id),
                "title": item.title,
                **({"description": item.description} if item.description else {}),
                "rounds": [
                    {
                        "round_id": str(r.id),
                        "kind": r.kind,
                        "title": r.title,
                        "time_limit_s": r.time_limit_s,
                        **({"lineup": r.config["lineup"]} if r.config.get("lineup") else {}),
                        **({"votes": r.config["votes"]} if r.config.get("votes") else {}),
                    }
                    for r in item.rounds
                ],
            }
            for item in meeting.agenda
        ],
        "participants": list(roster),
        "settings": speaking_rules_of(meeting),
    }


async def _events_after(session: AsyncSession, meeting_id: int, seq: int) -> Sequence[MeetingEvent]:
    rows = await session.scalars(
        select(MeetingEvent)
        .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.seq > seq)
        .order_by(MeetingEvent.seq)
    )
    return rows.all()


def event_wire(row: MeetingEvent) -> dict[str, Any]:
    return {"seq": row.seq, "type": row.type, "data": row.data, "at": row.at}


def _attach_allowed(wires: list[dict[str, Any]], state: MeetingState) -> None:
    """The last event of a batch says what each role may send after it (not stored: it is
    the machine's answer about the state, derived again whenever asked)."""
    if any(wire["type"] not in NEUTRAL_EVENTS for wire in wires):
        wires[-1]["allowed"] = allowed(state)


class LiveEngine:
    """Runs commands against live meetings for one worker process."""

    def __init__(
        self,
        db: Database,
        publish: Publish,
        clock: Clock = time.time,
        *,
        hooks: Sequence[StorageHook],
        sole_writer: bool = False,
    ) -> None:
        self.db = db
        # In one process without Redis (the embedded default) this engine is the only one that
        # stores events, so its copy of a meeting, once read, is never behind the database.
        self.sole_writer = sole_writer
        self.publish = publish
        self.clock = clock
        self.hooks: dict[str, StorageHook] = {}
        for hook in hooks:
            if hook.type in self.hooks:
                raise ValueError(f"storage hook registered twice: {hook.type}")
            self.hooks[hook.type] = hook
        self._live: dict[int, _Live] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._observers: list[Observer] = []
        self._next_view: dict[int, asyncio.Future[tuple[MeetingState, int]]] = {}
        # Meetings whose live row is known to be stored, and creations under way.
        self._stored: set[int] = set()
        self._creating: dict[int, asyncio.Future[None]] = {}

    def _lock(self, meeting_id: int) -> asyncio.Lock:
        return self._locks.setdefault(meeting_id, asyncio.Lock())

    def meeting_lock(self, meeting_id: int) -> asyncio.Lock:
        """The worker's lock of one meeting: held by every command and every vote write."""
        return self._lock(meeting_id)

    def observe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def _moved(self, meeting_id: int, state: MeetingState) -> None:
        for observer in self._observers:
            try:
                observer(meeting_id, state)
            except Exception:
                log.exception("observer of meeting %s failed", meeting_id)

    def cached(self, meeting_id: int) -> tuple[MeetingState, int] | None:
        """This worker's copy of the meeting, without asking the database; may be behind."""
        live = self._live.get(meeting_id)
        return None if live is None else (live.state, live.seq)

    async def _row(self, session: AsyncSession, meeting_id: int, *, lock: bool) -> LiveMeeting:
        query = select(LiveMeeting).where(LiveMeeting.meeting_id == meeting_id)
        if lock and self.db.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        row = await session.scalar(query)
        if row is None:
            raise LookupError(meeting_id)
        return row

    async def ensure_live(
        self, meeting_id: int, make_setup: Callable[[], Awaitable[dict[str, Any]]]
    ) -> None:
        """Create the meeting's live row from its setup the first time anyone joins.

        A crowd joining a meeting nobody has opened yet shares one creation: the first
        caller makes the setup and stores it, the others wait for it.
        """
        if meeting_id in self._live or meeting_id in self._stored:
            return
        creating = self._creating.get(meeting_id)
        if creating is None:
            creating = asyncio.ensure_future(self._create_live(meeting_id, make_setup))
            self._creating[meeting_id] = creating
            creating.add_done_callback(lambda _: self._creating.pop(meeting_id, None))
        await asyncio.shield(creating)

    async def _create_live(
        self, meeting_id: int, make_setup: Callable[[], Awaitable[dict[str, Any]]]
    ) -> None:
        async with self.db.session() as session:
            if await session.get(LiveMeeting, meeting_id) is not None:
                self._stored.add(meeting_id)
                return
        # Made with no session held: a crowd arriving first must not hold every pooled
        # connection while each waits for one more.
        setup = await make_setup()
        MeetingSetup.from_dict(setup)  # refuse a broken setup before storing it
        async with self.db.session() as session:
            session.add(LiveMeeting(meeting_id=meeting_id, setup=setup, last_seq=0))
            try:
                await session.commit()
            except Exception:
                # Another worker created it first; theirs is as good as ours.
                await session.rollback()
                if await session.get(LiveMeeting, meeting_id) is None:
                    raise
        self._stored.add(meeting_id)

    async def _catch_up(self, session: AsyncSession, meeting_id: int, last_seq: int) -> _Live:
        live = self._live.get(meeting_id)
        if live is None:
            stored = await session.get(LiveMeeting, meeting_id)
            assert stored is not None
            live = _Live(initial_state(MeetingSetup.from_dict(stored.setup)), 0)
            self._live[meeting_id] = live
        if live.seq < last_seq:
            for event in await _events_after(session, meeting_id, live.seq):
                live.state = evolve(live.state, Event(event.type, event.data))
                live.seq = event.seq
            self._moved(meeting_id, live.state)
        return live

    async def view(self, meeting_id: int) -> tuple[MeetingState, int]:
        """The meeting's current state and seq, caught up with every worker's events.

        Callers that ask while no read has started yet share the next one: a read that
        starts after each of them asked is as fresh as each needs, and a crowd joining at
        once costs the database a read at a time, not a read each. The only writer asks the
        database only once per meeting.
        """
        if self.sole_writer:
            live = self._live.get(meeting_id)
            if live is not None:
                return live.state, live.seq
        shared = self._next_view.get(meeting_id)
        if shared is None:
            shared = asyncio.ensure_future(self._view_now(meeting_id))
            self._next_view[meeting_id] = shared
        return await asyncio.shield(shared)

    async def _view_now(self, meeting_id: int) -> tuple[MeetingState, int]:
        async with self._lock(meeting_id):
            # Whoever asks from here on may have missed what this read sees: they share the
            # next one.
            self._next_view.pop(meeting_id, None)
            async with self.db.session() as session:
                row = await self._row(session, meeting_id, lock=False)
                live = await self._catch_up(session, meeting_id, row.last_seq)
                return live.state, live.seq

    async def events_since(self, meeting_id: int, since_seq: int) -> list[dict[str, Any]] | None:
        """The events after `since_seq`, or None when too many were missed to replay."""
        async with self.db.session() as session:
            row = await self._row(session, meeting_id, lock=False)
            if since_seq > row.last_seq or row.last_seq - since_seq > REPLAY_LIMIT:
                return None
            wires = [event_wire(r) for r in await _events_after(session, meeting_id, since_seq)]
        live = self._live.get(meeting_id)
        if wires and live is not None and live.seq == wires[-1]["seq"]:
            _attach_allowed(wires, live.state)
        return wires

    async def run(
        self,
        meeting_id: int,
        command: Command,
        actor: Actor,
        *,
        sender: str,
        command_id: str | None,
    ) -> Outcome:
        """Decide one command and store its events; a known command id gets its old ack."""
        async with live_first.running(), self._lock(meeting_id):
            outcome = await self._run_locked(meeting_id, command, actor, sender, command_id)
            # Still under the lock, so this worker emits its events in seq order.
            if outcome.events:
                await self.publish(meeting_id, outcome.events)
        return outcome

    async def _run_locked(
        self,
        meeting_id: int,
        command: Command,
        actor: Actor,
        sender: str,
        command_id: str | None,
    ) -> Outcome:
        async with self.db.session() as session, session.begin():
            row = await self._row(session, meeting_id, lock=True)
            if command_id is not None:
                done = await session.scalar(
                    select(MeetingCommand.ack).where(
                        MeetingCommand.meeting_id == meeting_id,
                        MeetingCommand.sender == sender,
                        MeetingCommand.command_id == command_id,
                    )
                )
                if done is not None:
                    return Outcome(ack=done)
            live = await self._catch_up(session, meeting_id, row.last_seq)
            now = self.clock()
            hook = self.hooks.get(command.type)
            try:
                if hook is not None and hook.prepare is not None:
                    command = await hook.prepare(session, meeting_id, live.state, command)
                decided = decide(live.state, command, actor, now)
                if hook is not None and hook.persist is not None:
                    decided = await hook.persist(session, meeting_id, live.state, actor, decided)
                await record_decisions(session, meeting_id, live.state, actor, sender, decided)
            except Refusal as refusal:
                outcome = Outcome(ack=refusal_of(refusal))
            else:
                stray = [e.type for e in decided if e.type in UNSEQUENCED]
                if stray:
                    # A vote in the event log would tie a secret ballot to its voter.
                    raise AssertionError(f"{command.type} left {stray} for the sequence")
                outcome = self._store(session, row, decided, actor, now)
            if command_id is not None:
                session.add(
                    MeetingCommand(
                        meeting_id=meeting_id, sender=sender, command_id=command_id, ack=outcome.ack
                    )
                )
        # Committed: only now does this worker's copy of the state move on.
        for wire in outcome.events:
            live.state = evolve(live.state, Event(wire["type"], wire["data"]))
            live.seq = wire["seq"]
        if outcome.events:
            self._moved(meeting_id, live.state)
            _attach_allowed(outcome.events, live.state)
        return outcome

    def _store(
        self, session: AsyncSession, row: LiveMeeting, events: list[Event], actor: Actor, now: float
    ) -> Outcome:
        wires = []
        seq = row.last_seq
        for event in events:
            seq += 1
            data = json.loads(json.dumps(event.data))  # what is stored is what is sent
            wires.append({"seq": seq, "type": event.type, "data": data, "at": round(now, 3)})
            session.add(
                MeetingEvent(
                    meeting_id=row.meeting_id,
                    seq=seq,
                    type=event.type,
                    data=data,
                    at=round(now, 3),
                    actor=actor.participant_id or actor.role,
                )
            )
        row.last_seq = seq
        return Outcome(ack={"ok": True, "seq": seq}, events=wires)
