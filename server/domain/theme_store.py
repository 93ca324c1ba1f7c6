"""Where suggestion themes meet the database: each worker's boards and their locks, the
meeting's board row that orders writers across workers, loading a board and writing its
themes back.

A worker keeps at most `CAPACITY` boards in memory, the least recently used dropped first.
A board is trusted while the meeting's `layout_revision` is the one it was built at; newer
suggestions (placed by another worker) are taken in as they were placed.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager

import anyio.to_thread
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.text import default_tokenizer
from nlp.themes import StaffEdits, Theme
from server.db.models_suggestions import ON_BOARD, Suggestion, SuggestionBoard, SuggestionTheme
from server.domain.errors import DomainError
from server.domain.theme_board import Stored, ThemeBoard
from server.domain.vocabulary import refresh_vocabulary

CAPACITY = 64
_CHUNK = 500  # ids per IN (...) list


class BoardRegistry:
    """One worker's boards, by meeting, and the lock that lets one task at a time use each."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._boards: OrderedDict[int, ThemeBoard] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, meeting_id: int) -> asyncio.Lock:
        return self._locks.setdefault(meeting_id, asyncio.Lock())

    def get(self, meeting_id: int) -> ThemeBoard | None:
        board = self._boards.get(meeting_id)
        if board is not None:
            self._boards.move_to_end(meeting_id)
        return board

    def put(self, board: ThemeBoard) -> None:
        self._boards[board.meeting_id] = board
        self._boards.move_to_end(board.meeting_id)
        while len(self._boards) > self.capacity:
            self._boards.popitem(last=False)

    def drop(self, meeting_id: int) -> None:
        self._boards.pop(meeting_id, None)


# One registry per database engine: a process serving one database has exactly one.
_registries: weakref.WeakKeyDictionary[Engine, BoardRegistry] = weakref.WeakKeyDictionary()


def registry_for(session: AsyncSession) -> BoardRegistry:
    bind = session.bind
    engine = getattr(bind, "sync_engine", None)
    if not isinstance(engine, Engine):
        raise RuntimeError("the session must be bound to an AsyncEngine")
    registry = _registries.get(engine)
    if registry is None:
        registry = _registries[engine] = BoardRegistry()
    return registry


# -- the board row ------------------------------------------------------------------------


async def board_row(
    session: AsyncSession, meeting_id: int, *, for_update: bool
) -> SuggestionBoard | None:
    query = select(SuggestionBoard).where(SuggestionBoard.meeting_id == meeting_id)
    if for_update:
        query = query.with_for_update()
    result = await session.execute(query.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def lock_board_row(session: AsyncSession, meeting_id: int) -> SuggestionBoard:
    """The meeting's board row, created if missing, locked until the transaction ends."""
    row = await board_row(session, meeting_id, for_update=True)
    if row is not None:
        return row
    values = {"meeting_id": meeting_id, "revision": 0, "layout_revision": 0}
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # two workers may create it at once: the loser's insert does nothing, then both lock it
    await session.execute(insert(SuggestionBoard).values(values).on_conflict_do_nothing())
    row = await board_row(session, meeting_id, for_update=True)
    assert row is not None
    return row


# -- loading a board ----------------------------------------------------------------------


async def _stored(session: AsyncSession, meeting_id: int, after_id: int = 0) -> list[Stored]:
    rows = await session.execute(
        select(Suggestion.id, Suggestion.normalized_text, SuggestionTheme.key)
        .outerjoin(SuggestionTheme, Suggestion.theme_id == SuggestionTheme.id)
        .where(
            Suggestion.meeting_id == meeting_id,
            Suggestion.id > after_id,
            Suggestion.moderation.in_(ON_BOARD),
        )
        .order_by(Suggestion.id)
    )
    return [Stored(id=str(sid), text=text, theme_key=key) for sid, text, key in rows]


async def suggestion_rows(session: AsyncSession, meeting_id: int) -> dict[str, Suggestion]:
    """The meeting's suggestions on its board by (string) id, oldest first."""
    rows = await session.scalars(
        select(Suggestion)
        .where(Suggestion.meeting_id == meeting_id, Suggestion.moderation.in_(ON_BOARD))
        .order_by(Suggestion.id)
    )
    return {str(row.id): row for row in rows}


async def staff_edits(session: AsyncSession, meeting_id: int) -> StaffEdits:
    """Staff's pins and names as the database holds them."""
    pins = await session.execute(
        select(Suggestion.id, SuggestionTheme.key)
        .join(SuggestionTheme, Suggestion.theme_id == SuggestionTheme.id)
        .where(Suggestion.meeting_id == meeting_id, Suggestion.pinned.is_(True))
    )
    names = await session.execute(
        select(SuggestionTheme.key, SuggestionTheme.name).where(
            SuggestionTheme.meeting_id == meeting_id, SuggestionTheme.name.is_not(None)
        )
    )
    return StaffEdits(
        pins={str(sid): key for sid, key in pins},
        names={key: name for key, name in names if name},
    )


async def current_board(
    session: AsyncSession, registry: BoardRegistry, meeting_id: int, row: SuggestionBoard | None
) -> ThemeBoard:
    """The meeting's board as the database has it now (call with the meeting's lock held)."""
    layout_revision = row.layout_revision if row is not None else 0
    board = registry.get(meeting_id)
    if board is not None and board.layout_revision == layout_revision:
        newer = await _stored(session, meeting_id, board.last_id)
        if newer:
            try:
                await anyio.to_thread.run_sync(board.catch_up, newer)
            except BaseException:
                registry.drop(meeting_id)
                raise
        return board
    await refresh_vocabulary(session)
    stored = await _stored(session, meeting_id)
    edits = await staff_edits(session, meeting_id)
    tokenizer = await anyio.to_thread.run_sync(default_tokenizer)
    board = await anyio.to_thread.run_sync(
        ThemeBoard.build, meeting_id, stored, edits, layout_revision, tokenizer
    )
    registry.put(board)
    return board


@asynccontextmanager
async def reading(session: AsyncSession, meeting_id: int) -> AsyncIterator[ThemeBoard]:
    """The meeting's board, for reading, with the meeting's lock held in this worker."""
    registry = registry_for(session)
    async with registry.lock(meeting_id):
        row = await board_row(session, meeting_id, for_update=False)
        board = await current_board(session, registry, meeting_id, row)
        if board.unfiled:
            locked = await lock_board_row(session, meeting_id)
            await write_layout(session, locked, board)
            await session.commit()
            board.layout_revision = locked.layout_revision
        yield board


@asynccontextmanager
async def writing(
    session: AsyncSession, meeting_id: int
) -> AsyncIterator[tuple[SuggestionBoard, ThemeBoard]]:
    """The meeting's board row (locked across workers) and board, for a change that the body
    commits. If the body fails after changing the board, the board is dropped, to be rebuilt
    from the database next time."""
    registry = registry_for(session)
    async with registry.lock(meeting_id):
        row = await lock_board_row(session, meeting_id)
        board = await current_board(session, registry, meeting_id, row)
        before = board.mutations
        try:
            if board.unfiled:
                await write_layout(session, row, board)
            yield row, board
        except BaseException as exc:
            await session.rollback()
            if board.mutations != before or not isinstance(exc, DomainError):
                registry.drop(meeting_id)
            raise
        board.layout_revision = row.layout_revision


# -- writing themes back ------------------------------------------------------------------


async def theme_rows(session: AsyncSession, meeting_id: int) -> dict[str, SuggestionTheme]:
    rows = await session.scalars(
        select(SuggestionTheme).where(SuggestionTheme.meeting_id == meeting_id)
    )
    return {row.key: row for row in rows}


async def _next_position(session: AsyncSession, meeting_id: int) -> int:
    highest = await session.scalar(
        select(func.max(SuggestionTheme.position)).where(SuggestionTheme.meeting_id == meeting_id)
    )
    return (highest or 0) + 1


def _describe(row: SuggestionTheme, theme: Theme, names: dict[str, str] | None) -> None:
    row.label = theme.label[:200]
    row.keywords = list(theme.keywords)
    if names is not None:
        row.name = names.get(theme.key)


async def write_theme(session: AsyncSession, meeting_id: int, theme: Theme) -> SuggestionTheme:
    """The row of one theme, created when new, with its label and keywords brought up to date."""
    row = await session.scalar(
        select(SuggestionTheme).where(
            SuggestionTheme.meeting_id == meeting_id, SuggestionTheme.key == theme.key
        )
    )
    if row is None:
        row = SuggestionTheme(
            meeting_id=meeting_id,
            key=theme.key,
            position=await _next_position(session, meeting_id),
            label="",
        )
        session.add(row)
    _describe(row, theme, None)
    await session.flush()
    return row


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


async def _members_by_row(
    session: AsyncSession, meeting_id: int, row_ids: Iterable[int]
) -> dict[int, set[str]]:
    wanted = list(row_ids)
    members: dict[int, set[str]] = {row_id: set() for row_id in wanted}
    for chunk in _chunks(wanted):
        result = await session.execute(
            select(Suggestion.id, Suggestion.theme_id).where(
                Suggestion.meeting_id == meeting_id, Suggestion.theme_id.in_(chunk)
            )
        )
        for sid, theme_id in result:
            if theme_id is not None:
                members[theme_id].add(str(sid))
    return members


async def write_layout(
    session: AsyncSession, row: SuggestionBoard, board: ThemeBoard
) -> dict[str, SuggestionTheme]:
    """Store the board's whole layout: a row per theme (a theme clustering renamed keeps the
    row it shares most members with, so its id stays), every suggestion's theme and pin,
    staff names. Moves both revisions on; returns the rows by key."""
    meeting_id = row.meeting_id
    themes = await anyio.to_thread.run_sync(board.themes)
    rows = await theme_rows(session, meeting_id)
    wanted = {theme.key: theme for theme in themes}
    stale = {key: r for key, r in rows.items() if key not in wanted}
    stale_members = await _members_by_row(session, meeting_id, (r.id for r in stale.values()))
    by_key = {key: r for key, r in rows.items() if key in wanted}
    for theme in themes:  # largest first, so the big themes keep their rows
        if theme.key in by_key or not stale:
            continue
        members = set(theme.members)
        old_key, best = max(stale.items(), key=lambda kv: len(members & stale_members[kv[1].id]))
        if members & stale_members[best.id]:
            best.key = theme.key
            by_key[theme.key] = best
            del stale[old_key]
    for unused in stale.values():
        await session.delete(unused)
    await session.flush()
    position = await _next_position(session, meeting_id)
    for theme in themes:
        if theme.key not in by_key:
            by_key[theme.key] = SuggestionTheme(
                meeting_id=meeting_id, key=theme.key, position=position, label=""
            )
            session.add(by_key[theme.key])
            position += 1
        _describe(by_key[theme.key], theme, dict(board.edits.names))
    await session.flush()
    for theme in themes:
        for chunk in _chunks([int(m) for m in theme.members]):
            await session.execute(
                update(Suggestion)
                .where(Suggestion.id.in_(chunk))
                .values(theme_id=by_key[theme.key].id)
                .execution_options(synchronize_session=False)
            )
    await session.execute(
        update(Suggestion)
        .where(Suggestion.meeting_id == meeting_id, Suggestion.pinned.is_(True))
        .values(pinned=False)
        .execution_options(synchronize_session=False)
    )
    for chunk in _chunks([int(sid) for sid in board.edits.pins]):
        await session.execute(
            update(Suggestion)
            .where(Suggestion.id.in_(chunk))
            .values(pinned=True)
            .execution_options(synchronize_session=False)
        )
    row.revision += 1
    row.layout_revision += 1
    board.unfiled = False
    board.mutations += 1
    return by_key
