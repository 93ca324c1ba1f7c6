"""Password checks run in a process of their own at the lowest CPU priority, never in the
server's process (where they would share its GIL with the event loop)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import AsyncIterator

import pytest

from server import passwords


@pytest.fixture
async def pool() -> AsyncIterator[None]:
    yield
    await passwords.shutdown()


def _where() -> tuple[int, int, int | None]:
    """The process a check runs in, its nice value and (on Linux) its scheduling policy."""
    policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else None
    return os.getpid(), os.nice(0), policy


async def test_checks_run_in_another_process_at_the_lowest_priority(pool: None) -> None:
    await passwords.start()
    pid, nice, policy = await passwords._in_pool(_where)
    assert pid != os.getpid()
    assert nice == passwords.PASSWORD_NICE
    if sys.platform == "linux":
        assert policy == os.SCHED_IDLE

    hashed = await passwords.hash_password_async("正确的密码")
    assert await passwords.verify_password(hashed, "正确的密码")
    assert not await passwords.verify_password(hashed, "错误的密码")
    assert not await passwords.verify_password("not-a-hash", "正确的密码")
    # No stored hash (unknown or inactive username): checked against the stand-in, refused.
    assert not await passwords.verify_password(None, "正确的密码")

    # Ended with the app, started again by the next check.
    await passwords.shutdown()
    again, _, _ = await passwords._in_pool(_where)
    assert again not in (pid, os.getpid())

    # A pool process that dies (killed, out of memory) is replaced by the next check.
    os.kill(again, signal.SIGKILL)
    assert await passwords.verify_password(hashed, "正确的密码")
