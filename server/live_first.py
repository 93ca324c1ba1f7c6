"""Live meetings first: background work of a worker waits while a live command is running.

A live command is a handful of short steps on the event loop, each after a database round
trip; anything else the loop has queued by then runs before the command's next step. A login
is such a queue of steps too (its queries, its session row), and a storm of logins (everyone
signing in as a meeting opens) puts several of them in front of every step of every command:
each live event arrives later. Work that can wait a few milliseconds without anyone
noticing (a login takes a quarter of a second anyway) therefore asks `turn()` before each of
its steps, and goes on once no live command is running on this worker, or after
`MAX_WAIT_S` whatever happens, so it is never starved.

Live commands mark themselves with `running()`. One gate per event loop (tests run several).
This module imports nothing of ours: the live engine and the login both use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator

# The longest a step of background work waits for live commands to finish.
MAX_WAIT_S = 0.05


class _Gate:
    def __init__(self) -> None:
        self.running = 0
        self.clear = asyncio.Event()
        self.clear.set()


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()


def _gate() -> _Gate:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = _Gate()
    return gate


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[None]:
    """Mark a live command as running on this worker for as long as the block lasts."""
    gate = _gate()
    gate.running += 1
    gate.clear.clear()
    try:
        yield
    finally:
        gate.running -= 1
        if gate.running == 0:
            gate.clear.set()


async def turn() -> None:
    """Wait (at most `MAX_WAIT_S`) until no live command is running on this worker."""
    gate = _gate()
    if gate.running:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gate.clear.wait(), MAX_WAIT_S)
