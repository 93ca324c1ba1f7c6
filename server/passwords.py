"""Password hashing and checking, in low-priority processes of their own.

A password check costs about as much CPU as a hundred API requests. It runs off the event
loop, and out of the server's process, so that live meetings keep moving during a login:

- In a process: a thread of the server would still take the server's GIL to enter and
  leave argon2 and for the Python around it. At the lowest priority such a thread is often
  descheduled while it holds the GIL, and the event loop then waits for it (a priority
  inversion that shows as a slow tail of live events during a login storm).
- At the lowest CPU priority: SCHED_IDLE where Linux offers it (a waking event loop takes
  the core from it at once, where a nice 19 task may first finish its slice of a few
  milliseconds), and nice 19 as well. And a small fixed number of processes, so a burst of
  logins queues here instead of taking every core.
- On one thread (argon2's parallelism 1): with four lanes, argon2 starts four threads for
  each of a check's twelve segments. Traced with `perf sched` during a login storm, the
  event loop, woken onto a core where such a fresh thread ran, now and then waited a whole
  scheduler tick (about 4 ms) before that thread gave the core up, which was the slow tail
  of live events. One lane costs the same CPU (64 MiB, three passes: the memory-hard part
  is unchanged), takes about a fifth longer here, and never starts a thread. Hashes made
  with other parameters still verify, and a login replaces them (`needs_rehash`).

This module imports nothing of the server but argon2: a pool process imports only it.
The app starts the pool with `start()` (a process takes a while to start: better before
the server says it is ready than during the first login) and ends it with `shutdown()`;
a check made without the app (a test, a script) starts it on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORD_PROCESSES = 1
PASSWORD_NICE = 19
# The hash of a random password nobody knows, with the hasher's parameters: a login for an
# unknown or inactive username is checked against it, so it takes as long as any other.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=1$9yKHhwDbIYNJSe/dY0XEuQ$"
    "7bhM1zMDNGajcwH3EnJAuXMgJ4JB/q9kEtFpF3Q92yA"
)

T = TypeVar("T")
# argon2id, 64 MiB, three passes, one lane (see above for why one).
_hasher = PasswordHasher(parallelism=1)
_pool: ProcessPoolExecutor | None = None


def hash_now(password: str) -> str:
    """Hash on the calling thread: for the command line, the demo and the pool's processes."""
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than ours (cheap: it only reads
    the parameters written in the hash)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def verify_now(password_hash: str, password: str) -> bool:
    """Check on the calling thread; a malformed hash never matches."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.nice(PASSWORD_NICE)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _ready() -> bool:
    return True


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # Spawned, not forked: the server has threads (and an event loop) that a fork would
        # copy in whatever state they are in.
        _pool = ProcessPoolExecutor(
            PASSWORD_PROCESSES,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
        )
    return _pool


async def _in_pool(work: Callable[..., T], *args: str) -> T:
    global _pool
    loop = asyncio.get_running_loop()
    pool = _executor()
    try:
        return await loop.run_in_executor(pool, work, *args)
    except BrokenProcessPool:
        # A pool process died (killed, out of memory): start a new pool, once for all the
        # checks that were waiting on the broken one, and try once more.
        if _pool is pool:
            _pool = None
        return await loop.run_in_executor(_executor(), work, *args)


async def hash_password_async(password: str) -> str:
    """Hash a new password in a pool process."""
    return await _in_pool(hash_now, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in a pool process; no hash is checked against DUMMY_HASH and fails."""
    matched = await _in_pool(verify_now, password_hash or DUMMY_HASH, password)
    return matched and bool(password_hash)


async def start() -> None:
    """Start the pool's processes and wait until they answer."""
    loop = asyncio.get_running_loop()
    pool = _executor()
    await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(PASSWORD_PROCESSES)))


async def shutdown() -> None:
    """End the pool's processes, each after the check it is on; a later check starts a
    new pool."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
