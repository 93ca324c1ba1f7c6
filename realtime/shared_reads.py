"""Reads shared by whoever asks for the same thing at once (a crowd joining together).

A caller joins a read only if it has not started yet, so what it gets is never older than
its own question: as fresh as reading alone, at the cost of one read per moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SharedReads(Generic[K, T]):
    """One read in the making per key; callers that come while it has not started share it."""

    def __init__(self) -> None:
        self._next: dict[K, asyncio.Future[T]] = {}

    async def read(self, key: K, fetch: Callable[[], Awaitable[T]]) -> T:
        shared = self._next.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._start(key, fetch))
            self._next[key] = shared
        return await asyncio.shield(shared)

    async def _start(self, key: K, fetch: Callable[[], Awaitable[T]]) -> T:
        # Started now: whoever asks from here on may have missed what this read sees.
        self._next.pop(key, None)
        return await fetch()
