"""Poll rows and vote tables: each vote stored exactly once, and what a tally or a close reads.

Functions take a session inside the caller's transaction and never commit; `poll_hooks`
plug the poll commands' reads and writes into the command pipeline.

Exactly once: a vote's row is keyed by (meeting, poll, participant) — in `poll_voters`
for a secret poll, in `poll_named_votes` for a named one — and inserted with "on
conflict do nothing", so a retry, a double tap or two workers at once store one row.
No vote commits after its poll's close: vote writers hold the poll row `FOR SHARE` and
the close takes it `FOR UPDATE` before it counts (on SQLite, with one worker, the
worker's per-meeting lock does the same).

Secret ballots: a secret poll gets its own key when it opens (`realtime.ballot_keys`,
outside the database); each choice is stored sealed under it, and only the close opens
them, counts them and writes them back in plain, after which the key is destroyed.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.exceptions import RedisError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.ballot_keys import BallotKeys, BrokenBallot, new_key_id, seal, unseal
from realtime.hooks import StorageHook
from realtime.machine.poll_types import Poll, StoredVotes
from realtime.machine.polls import vote_refusal
from realtime.machine.tally import live_tally, turnout
from realtime.meeting import Actor, Command, Event, MeetingState, Refusal
from server.db.models import MeetingCommand
from server.db.models_polls import Poll as PollRow
from server.db.models_polls import PollBallot, PollNamedVote, PollVoter

Outcome = Literal["stored", "changed", "already_voted", "closed", "no_key"]
_CHUNK = 500
log = logging.getLogger("hsl.polls")
_random = secrets.SystemRandom()
NO_KEY = "本次无记名表决的密钥不可用"


@dataclass(frozen=True)
class Ballot:
    """One accepted vote on its way to the tables (`vote.accepted`'s data)."""

    poll_id: str
    participant_id: str
    choice: Any
    secret: bool
    allow_change: bool
    cast_by: str | None = None
    kind: str = "single"  # the poll's kind: a sealed choice is padded to its length

    @property
    def key(self) -> tuple[str, str]:
        return (self.poll_id, self.participant_id)

    @classmethod
    def from_event(cls, data: dict[str, Any], poll: Poll) -> Ballot:
        return cls(
            poll_id=data["poll_id"],
            participant_id=data["participant_id"],
            choice=data["choice"],
            secret=bool(data["secret"]),
            allow_change=bool(data["allow_change"]),
            cast_by=data.get("by"),
            kind=poll.kind,
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


@dataclass(frozen=True)
class PollGuard:
    """A poll row as vote writers and the close see it: its status and its key's id."""

    status: str
    key_id: str | None


async def poll_guards(
    session: AsyncSession, meeting_id: int, poll_ids: Iterable[str], *, exclusive: bool = False
) -> dict[str, PollGuard]:
    """Each poll's guard, its row locked: shared for vote writers, exclusive for the close."""
    query = select(PollRow.poll_id, PollRow.status, PollRow.key_id).where(
        PollRow.meeting_id == meeting_id, PollRow.poll_id.in_(sorted(set(poll_ids)))
    )
    if _is_postgres(session):
        query = query.with_for_update(read=not exclusive)
    return {r.poll_id: PollGuard(r.status, r.key_id) for r in await session.execute(query)}


async def read_tally(session: AsyncSession, meeting_id: int, poll: Poll) -> dict[str, Any]:
    """The live tally of an open poll; of a secret one, only how many have voted."""
    if poll.secret:
        voted = await session.scalar(
            select(func.count()).where(
                PollVoter.meeting_id == meeting_id, PollVoter.poll_id == poll.poll_id
            )
        )
        return turnout(poll, int(voted or 0))
    named = await session.execute(
        select(PollNamedVote.choice, PollNamedVote.revision).where(
            PollNamedVote.meeting_id == meeting_id, PollNamedVote.poll_id == poll.poll_id
        )
    )
    pairs = named.all()
    return live_tally(poll, [r.choice for r in pairs], sum(1 + r.revision for r in pairs))


async def open_ballots(
    session: AsyncSession, keys: BallotKeys, meeting_id: int, poll_id: str
) -> list[Any]:
    """A secret poll's choices in plain, sorted; refused when its key is lost or a ballot
    does not open (the poll then stays open, its ballots untouched)."""
    guard = (await poll_guards(session, meeting_id, [poll_id])).get(poll_id)
    stored = list(
        await session.scalars(
            select(PollBallot.choice).where(
                PollBallot.meeting_id == meeting_id, PollBallot.poll_id == poll_id
            )
        )
    )
    choices = stored
    if guard is not None and guard.key_id is not None:
        try:
            key = await keys.get(guard.key_id)
        except (OSError, RedisError):
            log.exception("the key of poll %s of meeting %s could not be read", poll_id, meeting_id)
            raise Refusal("conflict", "暂时读不到本次无记名表决的密钥，请稍后再结束表决") from None
        if key is None:
            raise Refusal(
                "conflict",
                f"{NO_KEY}，无法计票。请恢复密钥（见 docs/ballot-secrecy.md）后再结束表决。",
            )
        try:
            choices = [unseal(key, meeting_id, poll_id, c) for c in stored]
        except BrokenBallot:
            raise Refusal(
                "conflict", "有选票无法用本次表决的密钥打开（可能被改动），未计票，请联系管理员。"
            ) from None
    return sorted(choices, key=_canonical)


def _canonical(choice: Any) -> str:
    return json.dumps(choice, ensure_ascii=False, sort_keys=True)


async def read_votes(
    session: AsyncSession, keys: BallotKeys, meeting_id: int, poll: Poll
) -> StoredVotes:
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
    choices = await open_ballots(session, keys, meeting_id, poll.poll_id)
    voters = await session.scalars(
        select(PollVoter.participant_id)
        .where(PollVoter.meeting_id == meeting_id, PollVoter.poll_id == poll.poll_id)
        .order_by(PollVoter.participant_id)
    )
    return StoredVotes(choices=tuple(choices), voters=tuple(voters))


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


async def write_opened_ballots(
    session: AsyncSession, keys: BallotKeys, meeting_id: int, poll_id: str
) -> None:
    """Replace a closing secret poll's sealed ballots by its choices in plain.

    A sealed ballot was written in the same transaction as its voter's row, and a
    database keeps traces of that (the WAL's frames, PostgreSQL's inserting transaction
    id and the place in the table); sealed, those traces lead to nothing readable. The
    plain choices are written in the close's one transaction, sorted by choice under
    fresh random ids sorted the same way, so their order and their traces are a function
    of the result alone and say nothing about any voter.
    """
    choices = await open_ballots(session, keys, meeting_id, poll_id)
    await session.execute(
        delete(PollBallot).where(PollBallot.meeting_id == meeting_id, PollBallot.poll_id == poll_id)
    )
    ids = sorted(str(uuid.uuid4()) for _ in choices)
    rows = [
        {"ballot_id": i, "meeting_id": meeting_id, "poll_id": poll_id, "choice": c}
        for i, c in zip(ids, choices, strict=True)
    ]
    for chunk in _chunks(rows):
        await session.execute(insert(PollBallot), chunk)


# -- votes ----------------------------------------------------------------------------------


async def write_ballots(
    session: AsyncSession, keys: BallotKeys, meeting_id: int, ballots: Sequence[Ballot]
) -> list[Outcome]:
    """Store a batch of accepted votes (at most one per voter and poll); one outcome each.

    `stored`: a new vote; `changed`: a named vote changed (allowed by the poll);
    `already_voted`: the voter's vote was already there and stays as it was; `closed`:
    the poll closed before this transaction could hold it open; `no_key`: the secret
    poll's key is lost, so its vote cannot be stored sealed.
    """
    guards = await poll_guards(session, meeting_id, (b.poll_id for b in ballots))
    poll_keys: dict[str, bytes | None] = {}
    for poll_id, guard in guards.items():
        if guard.key_id is not None and guard.status == "open":
            poll_keys[poll_id] = await keys.get(guard.key_id)
    statuses = {
        poll_id: "no_key" if poll_keys.get(poll_id, b"") is None else guard.status
        for poll_id, guard in guards.items()
    }
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
    await _write_secret_choices(
        session, meeting_id, [b for b in secret if b.key in new_voters], poll_keys
    )
    changed_keys = {b.key for b in changed}
    outcomes: list[Outcome] = []
    for b in ballots:
        if statuses.get(b.poll_id) == "no_key":
            outcomes.append("no_key")
        elif statuses.get(b.poll_id) != "open":
            outcomes.append("closed")
        elif b.key in (new_voters if b.secret else new_named):
            outcomes.append("stored")
        elif b.key in changed_keys:
            outcomes.append("changed")
        else:
            outcomes.append("already_voted")
    return outcomes


async def _write_secret_choices(
    session: AsyncSession,
    meeting_id: int,
    ballots: list[Ballot],
    poll_keys: dict[str, bytes | None],
) -> None:
    """The choices alone, sealed, shuffled, under random ids: nothing here names a voter or
    reads a choice, and within a batch nothing orders them by voter either. (A poll
    opened before keys existed has none, and its choices stay plain.)"""
    rows = []
    for b in ballots:
        key = poll_keys.get(b.poll_id)
        choice = b.choice if key is None else seal(key, meeting_id, b.poll_id, b.kind, b.choice)
        rows.append(
            {"ballot_id": str(uuid.uuid4()), "meeting_id": meeting_id, "poll_id": b.poll_id}
            | {"choice": choice}
        )
    _random.shuffle(rows)
    for chunk in _chunks(rows):
        await session.execute(insert(PollBallot), chunk)


def refusal_reason(state: MeetingState, ballot: Ballot, outcome: Outcome) -> str:
    """Why the vote tables refused a vote the machine had accepted."""
    poll = state.poll(ballot.poll_id)
    question = ballot.poll_id if poll is None else poll.question
    if outcome == "closed":
        return f"表决「{question}」已结束"
    if outcome == "no_key":
        return f"{NO_KEY}，投票未保存，请告知工作人员"
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


async def spent_key(session: AsyncSession, meeting_id: int, poll_id: str) -> str | None:
    """The key id of a closed secret poll, whose key is no longer needed."""
    row = await session.get(PollRow, (meeting_id, poll_id))
    return row.key_id if row is not None and row.status == "closed" else None


def poll_hooks(keys: BallotKeys) -> tuple[StorageHook, ...]:
    """The poll commands' reads and writes, sealing secret ballots with keys from `keys`."""

    async def persist_open(
        session: AsyncSession,
        meeting_id: int,
        state: MeetingState,
        actor: Actor,
        events: Sequence[Event],
    ) -> list[Event]:
        for event in events:
            if event.type != "poll.opened":
                continue
            data = json.loads(json.dumps(event.data))
            key_id = None
            if data.get("secret"):
                # On disk (or in Redis) before the poll is: no vote can be acked without it.
                key_id = new_key_id()
                try:
                    await keys.create(key_id)
                except (OSError, RedisError):
                    log.exception(
                        "the key of a secret poll of meeting %s was not stored", meeting_id
                    )
                    raise Refusal(
                        "conflict",
                        "无记名表决的密钥未能保存，表决没有开始；请检查服务器的磁盘或 Redis 后重试",
                    ) from None
            session.add(
                PollRow(
                    meeting_id=meeting_id,
                    poll_id=data["poll_id"],
                    status="open",
                    spec=data,
                    result=None,
                    opened_at=data["opened_at"],
                    key_id=key_id,
                )
            )
        return list(events)

    async def prepare_close(
        session: AsyncSession, meeting_id: int, state: MeetingState, command: Command
    ) -> Command:
        poll_id = command.data.get("poll_id")
        poll = state.poll(poll_id) if isinstance(poll_id, str) else None
        if poll is None or not poll.is_open:
            return command  # the machine refuses it
        # Wait for vote writers holding the poll open; none can start after this.
        await poll_guards(session, meeting_id, [poll.poll_id], exclusive=True)
        votes = await read_votes(session, keys, meeting_id, poll)
        return Command(command.type, command.data, votes)

    async def persist_close(
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
            row = await session.get(PollRow, (meeting_id, poll_id))
            if row is not None and row.spec.get("secret"):
                await write_opened_ballots(session, keys, meeting_id, poll_id)
            await session.execute(
                update(PollRow)
                .where(PollRow.meeting_id == meeting_id, PollRow.poll_id == poll_id)
                .values(status="closed", result=event.data["result"], closed_at=event.data["at"])
            )
        return list(events)

    async def prepare_unlock(
        session: AsyncSession, meeting_id: int, state: MeetingState, command: Command
    ) -> Command:
        poll_id, pid = command.data.get("poll_id"), command.data.get("participant_id")
        poll = state.poll(poll_id) if isinstance(poll_id, str) else None
        if poll is None or not isinstance(pid, str):
            return command
        voted = await has_voted(session, meeting_id, poll, pid)
        return Command(command.type, command.data, {"voted": voted})

    async def persist_vote(
        session: AsyncSession,
        meeting_id: int,
        state: MeetingState,
        actor: Actor,
        events: Sequence[Event],
    ) -> list[Event]:
        """A vote decided in the sequenced pipeline (a kiosk vote): stored in its
        transaction, sealed like any other, so its `kiosk.reset` beside it names the voter
        of a ballot nobody can read."""
        for event in events:
            if event.type != "vote.accepted":
                continue
            poll = state.poll(event.data["poll_id"])
            assert poll is not None
            ballot = Ballot.from_event(event.data, poll)
            outcome = (await write_ballots(session, keys, meeting_id, [ballot]))[0]
            if outcome in ("already_voted", "closed", "no_key"):
                reason = refusal_reason(state, ballot, outcome)
                raise vote_refusal(state, actor, "conflict", reason)
        return [e for e in events if e.type != "vote.accepted"]

    return (
        StorageHook("poll.open", persist=persist_open),
        StorageHook("poll.close", prepare=prepare_close, persist=persist_close),
        StorageHook("kiosk.unlock", prepare=prepare_unlock),
        StorageHook("vote.cast", persist=persist_vote),
    )
