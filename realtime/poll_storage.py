"""Poll rows and vote tables: each vote stored exactly once, and what a tally or a close reads.

Functions take a session inside the caller's transaction and never commit; `POLL_HOOKS`
plug the poll commands' reads and writes into the command pipeline.

Exactly once: a vote's row is keyed by (meeting, poll, participant) — in `poll_voters`
for a secret poll, in `poll_named_votes` for a named one — and inserted with "on
conflict do nothing", so a retry, a double tap or two workers at once store one row.
No vote commits after its poll's close: vote writers hold the poll row `FOR SHARE` and
the close takes it `FOR UPDATE` before it counts (on SQLite, with one worker, the
worker's per-meeting lock does the same).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.hooks import StorageHook
from realtime.machine.poll_types import Poll, StoredVotes
from realtime.machine.polls import vote_refusal
from realtime.meeting import Actor, Command, Event, MeetingState
from server.db.models import MeetingCommand
from server.db.models_polls import Poll as PollRow
from server.db.models_polls import PollBallot, PollNamedVote, PollVoter

Outcome = Literal["stored", "changed", "already_voted", "closed"]
_CHUNK = 500
_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Ballot:
    """One accepted vote on its way to the tables (`vote.accepted`'s data)."""

    poll_id: str
    participant_id: str
    choice: Any
    secret: bool
    allow_change: bool
    cast_by: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.poll_id, self.participant_id)

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Ballot:
        return cls(
            poll_id=data["poll_id"],
            participant_id=data["participant_id"],
            choice=data["choice"],
            secret=bool(data["secret"]),
            allow_change=bool(data["allow_change"]),
            cast_by=data.get("by"),
        )


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


async def _insert_new(
    session: AsyncSession, table: type[PollVoter] | type[PollNamedVote], rows: list[dict[str, Any]]
) -> set[tuple[str, str]]:
    """Insert the rows whose key is not there yet; the (poll, participant) keys inserted."""
    dialect = postgresql if _is_postgres(session) else sqlite
    done: set[tuple[str, str]] = set()
    for chunk in _chunks(rows):
        statement = (
            dialect.insert(table)
            .values(chunk)
            .on_conflict_do_nothing()
            .returning(table.poll_id, table.participant_id)
        )
        done.update((r.poll_id, r.participant_id) for r in await session.execute(statement))
    return done


# -- polls ----------------------------------------------------------------------------------


async def poll_statuses(
    session: AsyncSession, meeting_id: int, poll_ids: Iterable[str], *, exclusive: bool = False
) -> dict[str, str]:
    """Each poll's status, its row locked: shared for vote writers, exclusive for the close."""
    query = select(PollRow.poll_id, PollRow.status).where(
        PollRow.meeting_id == meeting_id, PollRow.poll_id.in_(sorted(set(poll_ids)))
    )
    if _is_postgres(session):
        query = query.with_for_update(read=not exclusive)
    return {row.poll_id: row.status for row in await session.execute(query)}


async def read_choices(session: AsyncSession, meeting_id: int, poll: Poll) -> tuple[list[Any], int]:
    """The poll's stored choices and their version (votes plus changes), for a live tally."""
    if poll.secret:
        rows = await session.scalars(
            select(PollBallot.choice).where(
                PollBallot.meeting_id == meeting_id, PollBallot.poll_id == poll.poll_id
            )
        )
        choices = list(rows)
        return choices, len(choices)
    named = await session.execute(
        select(PollNamedVote.choice, PollNamedVote.revision).where(
            PollNamedVote.meeting_id == meeting_id, PollNamedVote.poll_id == poll.poll_id
        )
    )
    pairs = named.all()
    return [r.choice for r in pairs], sum(1 + r.revision for r in pairs)


async def read_votes(session: AsyncSession, meeting_id: int, poll: Poll) -> StoredVotes:
    """Everything the close is decided on: the choices, who voted and, if named, who chose what."""
    if not poll.secret:
        rows = await session.execute(
            select(PollNamedVote.participant_id, PollNamedVote.choice)
            .where(PollNamedVote.meeting_id == meeting_id, PollNamedVote.poll_id == poll.poll_id)
            .order_by(PollNamedVote.participant_id)
        )
        named = tuple((r.participant_id, r.choice) for r in rows)
        return StoredVotes(
            choices=tuple(c for _, c in named), voters=tuple(p for p, _ in named), named=named
        )
    choices, _ = await read_choices(session, meeting_id, poll)
    voters = await session.scalars(
        select(PollVoter.participant_id)
        .where(PollVoter.meeting_id == meeting_id, PollVoter.poll_id == poll.poll_id)
        .order_by(PollVoter.participant_id)
    )
    ordered = sorted(choices, key=lambda c: json.dumps(c, ensure_ascii=False))
    return StoredVotes(choices=tuple(ordered), voters=tuple(voters))


async def has_voted(
    session: AsyncSession, meeting_id: int, poll: Poll, participant_id: str
) -> bool:
    table = PollVoter if poll.secret else PollNamedVote
    found = await session.scalar(
        select(table.participant_id).where(
            table.meeting_id == meeting_id,
            table.poll_id == poll.poll_id,
            table.participant_id == participant_id,
        )
    )
    return found is not None


async def reshuffle_ballots(session: AsyncSession, meeting_id: int, poll_id: str) -> None:
    """Write a secret poll's ballots again, in random order under fresh random ids.

    Until now a ballot row was written in the same transaction as its voter's row, and
    a database keeps traces of that (on PostgreSQL the inserting transaction id and the
    place in the table). Rewritten in the close's transaction, every ballot of the poll
    carries the same traces, which say nothing about any voter.
    """
    where = (PollBallot.meeting_id == meeting_id, PollBallot.poll_id == poll_id)
    choices = list(await session.scalars(select(PollBallot.choice).where(*where)))
    await session.execute(delete(PollBallot).where(*where))
    _random.shuffle(choices)
    rows = [
        {"ballot_id": str(uuid.uuid4()), "meeting_id": meeting_id, "poll_id": poll_id, "choice": c}
        for c in choices
    ]
    for chunk in _chunks(rows):
        await session.execute(insert(PollBallot), chunk)


# -- votes ----------------------------------------------------------------------------------


async def write_ballots(
    session: AsyncSession, meeting_id: int, ballots: Sequence[Ballot]
) -> list[Outcome]:
    """Store a batch of accepted votes (at most one per voter and poll); one outcome each.

    `stored`: a new vote; `changed`: a named vote changed (allowed by the poll);
    `already_voted`: the voter's vote was already there and stays as it was; `closed`:
    the poll closed before this transaction could hold it open.
    """
    statuses = await poll_statuses(session, meeting_id, (b.poll_id for b in ballots))
    live = [b for b in ballots if statuses.get(b.poll_id) == "open"]
    # Keys in one order on every worker, so two writers never wait on each other in a ring.
    secret = sorted((b for b in live if b.secret), key=lambda b: b.key)
    named = sorted((b for b in live if not b.secret), key=lambda b: b.key)
    voter_rows = [
        {"meeting_id": meeting_id, "poll_id": b.poll_id, "participant_id": b.participant_id}
        for b in secret
    ]
    new_voters = await _insert_new(session, PollVoter, voter_rows) if secret else set()
    named_rows = [
        {
            "meeting_id": meeting_id,
            "poll_id": b.poll_id,
            "participant_id": b.participant_id,
            "choice": b.choice,
            "revision": 0,
            "cast_by": b.cast_by,
        }
        for b in named
    ]
    new_named = await _insert_new(session, PollNamedVote, named_rows) if named else set()
    changed = [b for b in named if b.key not in new_named and b.allow_change]
    for b in changed:
        await session.execute(
            update(PollNamedVote)
            .where(
                PollNamedVote.meeting_id == meeting_id,
                PollNamedVote.poll_id == b.poll_id,
                PollNamedVote.participant_id == b.participant_id,
            )
            .values(choice=b.choice, revision=PollNamedVote.revision + 1, cast_by=b.cast_by)
        )
    await _write_secret_choices(session, meeting_id, [b for b in secret if b.key in new_voters])
    changed_keys = {b.key for b in changed}
    outcomes: list[Outcome] = []
    for b in ballots:
        if statuses.get(b.poll_id) != "open":
            outcomes.append("closed")
        elif b.key in (new_voters if b.secret else new_named):
            outcomes.append("stored")
        elif b.key in changed_keys:
            outcomes.append("changed")
        else:
            outcomes.append("already_voted")
    return outcomes


async def _write_secret_choices(
    session: AsyncSession, meeting_id: int, ballots: list[Ballot]
) -> None:
    """The choices alone, shuffled, under random ids: nothing here names or orders a voter."""
    rows = [
        {
            "ballot_id": str(uuid.uuid4()),
            "meeting_id": meeting_id,
            "poll_id": b.poll_id,
            "choice": b.choice,
        }
        for b in ballots
    ]
    _random.shuffle(rows)
    for chunk in _chunks(rows):
        await session.execute(insert(PollBallot), chunk)


def refusal_reason(state: MeetingState, ballot: Ballot, outcome: Outcome) -> str:
    """Why the vote tables refused a vote the machine had accepted."""
    poll = state.poll(ballot.poll_id)
    question = ballot.poll_id if poll is None else poll.question
    if outcome == "closed":
        return f"表决「{question}」已结束"
    person = state.participants.get(ballot.participant_id)
    who = "你" if ballot.cast_by is None or person is None else person.name
    return f"{who}已经投过票了，本次表决不能改票"


async def answered(
    session: AsyncSession, meeting_id: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored acks of commands already answered, by (sender, command id)."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = await session.execute(
        select(MeetingCommand.sender, MeetingCommand.command_id, MeetingCommand.ack).where(
            MeetingCommand.meeting_id == meeting_id,
            MeetingCommand.command_id.in_(sorted({c for _, c in wanted})),
        )
    )
    return {(r.sender, r.command_id): r.ack for r in rows if (r.sender, r.command_id) in wanted}


async def record_acks(
    session: AsyncSession, meeting_id: int, acks: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Keep each vote's ack under its command id, so that a retry is answered the same."""
    rows = [
        {"meeting_id": meeting_id, "sender": sender, "command_id": command_id, "ack": ack}
        for (sender, command_id), ack in sorted(acks.items(), key=lambda kv: kv[0])
    ]
    dialect = postgresql if _is_postgres(session) else sqlite
    for chunk in _chunks(rows):
        await session.execute(dialect.insert(MeetingCommand).values(chunk).on_conflict_do_nothing())


# -- hooks into the command pipeline ---------------------------------------------------------


async def _persist_open(
    session: AsyncSession,
    meeting_id: int,
    state: MeetingState,
    actor: Actor,
    events: Sequence[Event],
) -> list[Event]:
    for event in events:
        if event.type == "poll.opened":
            data = json.loads(json.dumps(event.data))
            session.add(
                PollRow(
                    meeting_id=meeting_id,
                    poll_id=data["poll_id"],
                    status="open",
                    spec=data,
                    result=None,
                    opened_at=data["opened_at"],
                )
            )
    return list(events)


async def _prepare_close(
    session: AsyncSession, meeting_id: int, state: MeetingState, command: Command
) -> Command:
    poll_id = command.data.get("poll_id")
    poll = state.poll(poll_id) if isinstance(poll_id, str) else None
    if poll is None or not poll.is_open:
        return command  # the machine refuses it
    # Wait for vote writers holding the poll open; none can start after this.
    await poll_statuses(session, meeting_id, [poll.poll_id], exclusive=True)
    return Command(command.type, command.data, await read_votes(session, meeting_id, poll))


async def _persist_close(
    session: AsyncSession,
    meeting_id: int,
    state: MeetingState,
    actor: Actor,
    events: Sequence[Event],
) -> list[Event]:
    for event in events:
        if event.type != "poll.closed":
            continue
        poll_id = event.data["poll_id"]
        await session.execute(
            update(PollRow)
            .where(PollRow.meeting_id == meeting_id, PollRow.poll_id == poll_id)
            .values(status="closed", result=event.data["result"], closed_at=event.data["at"])
        )
        row = await session.get(PollRow, (meeting_id, poll_id))
        if row is not None and row.spec.get("secret"):
            await reshuffle_ballots(session, meeting_id, poll_id)
    return list(events)


async def _prepare_unlock(
    session: AsyncSession, meeting_id: int, state: MeetingState, command: Command
) -> Command:
    poll_id, pid = command.data.get("poll_id"), command.data.get("participant_id")
    poll = state.poll(poll_id) if isinstance(poll_id, str) else None
    if poll is None or not isinstance(pid, str):
        return command
    voted = await has_voted(session, meeting_id, poll, pid)
    return Command(command.type, command.data, {"voted": voted})


async def _persist_vote(
    session: AsyncSession,
    meeting_id: int,
    state: MeetingState,
    actor: Actor,
    events: Sequence[Event],
) -> list[Event]:
    """A vote decided in the sequenced pipeline (a kiosk vote): stored in its transaction."""
    for event in events:
        if event.type != "vote.accepted":
            continue
        ballot = Ballot.from_event(event.data)
        outcome = (await write_ballots(session, meeting_id, [ballot]))[0]
        if outcome in ("already_voted", "closed"):
            raise vote_refusal(state, actor, "conflict", refusal_reason(state, ballot, outcome))
    return [e for e in events if e.type != "vote.accepted"]


POLL_HOOKS: tuple[StorageHook, ...] = (
    StorageHook("poll.open", persist=_persist_open),
    StorageHook("poll.close", prepare=_prepare_close, persist=_persist_close),
    StorageHook("kiosk.unlock", prepare=_prepare_unlock),
    StorageHook("vote.cast", persist=_persist_vote),
)
