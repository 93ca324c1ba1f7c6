"""What an area may add to the command pipeline: reads before a decision, writes beside it.

A `StorageHook` runs inside the command's own transaction, so its rows commit with the events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from realtime.meeting import Actor, Command, Event, MeetingState

# Reads what the machine needs to decide and returns the command with it as `facts`.
Prepare = Callable[[AsyncSession, int, MeetingState, Command], Awaitable[Command]]
# Writes the rows that go with the events decided for the actor on the state as it was;
# returns the events that still belong in the meeting's sequence. It may raise
# `Refusal`, but only before it has written anything, since the refusal's ack is stored
# in the same transaction.
Persist = Callable[
    [AsyncSession, int, MeetingState, Actor, Sequence[Event]], Awaitable[list[Event]]
]


@dataclass(frozen=True)
class StorageHook:
    """Storage that belongs to one command type, beside the meeting's event log."""

    type: str
    prepare: Prepare | None = None
    persist: Persist | None = None
