"""SQLite through the one-trip cursor (server/db/sqlite_trips.py): each statement is one call
to the connection's thread, and what SQLAlchemy reads back (rows, row counts, new ids,
errors, transactions) is what the stock adapter gives."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.engine import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE topic (id INTEGER PRIMARY KEY, title TEXT UNIQUE NOT NULL)")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the calls handed to aiosqlite's connection threads, by what they run."""
    counts: Counter[str] = Counter()
    handed = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts[getattr(fn, "__name__", "call")] += 1
        return await handed(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return counts


async def test_rows_counts_and_new_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        added = await conn.execute(
            text("INSERT INTO topic (title) VALUES (:t)"), {"t": "老旧小区加装电梯"}
        )
        assert added.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO topic (title) VALUES (:t)"),
            [{"t": "农村生活污水治理"}, {"t": "社区养老服务中心"}],
        )
        assert many.rowcount == 2
        returned = await conn.execute(
            text("INSERT INTO topic (title) VALUES (:t) RETURNING id, title"), {"t": "停车难"}
        )
        assert returned.all() == [(4, "停车难")]
        changed = await conn.execute(
            text("UPDATE topic SET title = title || '（已立项）' WHERE id <= 2")
        )
        assert changed.rowcount == 2
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id, title FROM topic ORDER BY id"))
        assert list(rows.keys()) == ["id", "title"]
        assert rows.all() == [
            (1, "老旧小区加装电梯（已立项）"),
            (2, "农村生活污水治理（已立项）"),
            (3, "社区养老服务中心"),
            (4, "停车难"),
        ]
        streamed = await conn.stream(text("SELECT title FROM topic WHERE id > 2 ORDER BY id"))
        assert [row.title async for row in streamed] == ["社区养老服务中心", "停车难"]


async def test_a_failed_statement_raises_and_its_transaction_rolls_back(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO topic (title) VALUES ('河道保洁')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO topic (title) VALUES ('菜市场改造')"))
            await conn.execute(text("INSERT INTO topic (title) VALUES ('河道保洁')"))
    async with engine.connect() as conn:
        titles = (await conn.execute(text("SELECT title FROM topic"))).scalars().all()
    assert titles == ["河道保洁"]  # the first insert of the failed transaction is gone too


async def test_a_statement_is_one_trip_and_a_read_needs_no_commit_or_rollback(
    engine: AsyncEngine, trips: Counter[str]
) -> None:
    async with engine.connect() as conn:  # warm: the pool has its connection
        await conn.execute(text("SELECT 1"))
    trips.clear()
    async with engine.begin() as conn:
        await conn.execute(text("SELECT count(*) FROM topic"))
    # One trip for the statement; SQLite opened no transaction for a read, so the commit
    # and the pool's rollback on return cost none.
    assert trips == Counter({"statement": 1})
    trips.clear()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO topic (title) VALUES ('路灯维修')"))
    assert trips == Counter({"statement": 1, "commit": 1})


async def test_a_cancelled_write_still_queued_leaves_no_transaction_behind(
    engine: AsyncEngine,
) -> None:
    # The connection's thread is busy, so the insert waits in its queue when it is cancelled
    # and runs after: whatever ends the connection's use must still roll it back.
    async with engine.connect() as conn:
        thread = (await conn.get_raw_connection()).driver_connection
        busy = asyncio.ensure_future(thread._execute(time.sleep, 0.3))
        insert = asyncio.ensure_future(
            conn.execute(text("INSERT INTO topic (title) VALUES ('被取消的提议')"))
        )
        await asyncio.sleep(0.05)
        insert.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await insert
        await busy
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO topic (title) VALUES ('背街小巷硬化')"))
    async with engine.connect() as conn:
        titles = (await conn.execute(text("SELECT title FROM topic"))).scalars().all()
    assert titles == ["背街小巷硬化"]
