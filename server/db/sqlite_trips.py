"""SQLite statements in one trip to the connection's thread.

aiosqlite keeps each sqlite3 connection on a thread of its own, and every call to it is a
trip: the event loop queues the call and wakes the thread, the thread runs it and wakes the
loop. SQLAlchemy's aiosqlite adapter makes four such calls for one statement (open a cursor,
execute, fetch the rows, close the cursor). On a small virtual machine waking a thread on
the other core costs the event loop more than a short statement itself: profiled during a
login storm, a third of the main thread's time went to these hand-offs, and a live command
pays the same for each of its statements.

The cursor below runs the four calls of a statement in one trip and keeps what the
statement returned (rows, description, row count, last row id) on the event loop's side.
A commit or rollback is one trip when a transaction is open and none otherwise (SQLite
opens one only for a write, and the pool rolls back every connection given back after a
commit, so most reads and every such reset cost nothing). Server-side cursors (`stream()`) are
SQLAlchemy's own. Everything else (the pool, the dialect, error mapping) is unchanged: the
engine gets this module as its DB-API module (`create_async_engine(..., module=...)`).

It uses `aiosqlite.Connection._execute` (queue one function for the thread) and `_conn`,
which SQLAlchemy's adapter uses as well; pyproject.toml holds aiosqlite and SQLAlchemy to
the minor versions this was written against.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# What a statement hands back from the thread: description, rows, rowcount, lastrowid.
Result = tuple[Any, list[Any], int, int | None]


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> Result:
    """On the connection's thread: one statement from cursor to close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statements each take one trip to the thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No sqlite3 cursor is kept between statements, so opening one costs no trip.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing is left open on the thread; the rows are already here."""

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        adapt = self._adapt_connection
        assert isinstance(adapt, OneTripConnection)
        sqlite_connection = connection._conn
        async with adapt._execute_mutex:
            adapt.queued += 1  # counted before the thread can run it

            def statement() -> Result:
                try:
                    return _run_statement(sqlite_connection, operation, parameters, many)
                finally:
                    adapt.finished += 1  # only this thread counts these

            description, rows, rowcount, lastrowid = await connection._execute(statement)
        self._description = description
        self._rows = collections.deque(rows)
        self._rowcount = rowcount
        self._lastrowid = lastrowid


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Statements in one trip each; a commit or rollback with no transaction open takes none."""

    __slots__ = ("finished", "queued")

    _cursor_cls: type[AsyncAdapt_aiosqlite_cursor] = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Statements handed to the thread and statements it has run (a cancelled caller
        # leaves one queued, and it may yet open a transaction).
        self.queued = 0
        self.finished = 0

    def _in_transaction(self) -> bool:
        # sqlite3 reads this flag without touching the database, from any thread; commit
        # and rollback do nothing without a transaction, so skipping their trip is the same
        # once no statement is still on its way.
        connection = self._connection._connection  # None once closed
        if connection is None:
            return False
        return self.queued != self.finished or connection.in_transaction

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with `OneTripCursor` for statements."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
