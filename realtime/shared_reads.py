"""Reads shared by whoever asks for the same thing at once (a crowd joining together), and
kept for a few seconds while nothing they depend on has changed.

A caller joins a read in the making only if it has not started yet, so what it gets is
never older than its own question. A finished read is then kept for `keep_s` seconds from
its start, unless `generation()` has moved on since it started (server.db.changes: a commit
in this process changed what it was read from); so a thousand connections of one person, or
a thousand watchers of one link, cost the database one read, and a logout or a grant taken
away on this worker holds at once. Another worker's change holds here within `keep_s`.
Failures are not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
# At most this many answers are kept; past it, the lapsed ones are dropped first.
KEPT_LIMIT = 10_000


def _never() -> int:
    return 0


class SharedReads(Generic[K, T]):
    """One read in the making per key; callers that come while it has not started share it,
    and callers within `keep_s` of its start get its answer while the generation holds."""

    def __init__(self, keep_s: float = 0.0, generation: Callable[[], int] = _never) -> None:
        self.keep_s = keep_s
        self.generation = generation
        self._next: dict[K, asyncio.Future[T]] = {}
        # key → (generation at the read's start, monotonic time it lapses, answer)
        self._kept: dict[K, tuple[int, float, T]] = {}

    async def read(self, key: K, fetch: Callable[[], Awaitable[T]]) -> T:
        kept = self._kept.get(key)
        if kept is not None:
            if kept[0] == self.generation() and kept[1] > time.monotonic():
                return kept[2]
            del self._kept[key]
        shared = self._next.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._start(key, fetch))
            self._next[key] = shared
        return await asyncio.shield(shared)

    async def _start(self, key: K, fetch: Callable[[], Awaitable[T]]) -> T:
        # Started now: whoever asks from here on may have missed what this read sees.
        self._next.pop(key, None)
        generation, started = self.generation(), time.monotonic()
        value = await fetch()
        if self.keep_s > 0:
            if len(self._kept) >= KEPT_LIMIT:
                now = time.monotonic()
                self._kept = {k: v for k, v in self._kept.items() if v[1] > now}
                if len(self._kept) >= KEPT_LIMIT:
                    self._kept.clear()
            self._kept[key] = (generation, started + self.keep_s, value)
        return value
