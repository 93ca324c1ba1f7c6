"""The theme board of a meeting's suggestions: what staff and the moderator see (themes with
keywords, members ranked by centrality, near-duplicates), their edits (merge, split, move,
rename, re-cluster) and turning themes into a poll.

Edits are stored as pins and names (server.domain.theme_store), so re-clustering keeps them.
Each change returns the new board and a `notice` ({"type": "themes.changed", ...}) for the
caller to broadcast after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlp import themes as nlp_themes
from nlp.screening import screen_topic
from nlp.text import normalize
from server import policy
from server.auth import Principal
from server.db.models import Meeting
from server.db.models_suggestions import MAX_THEME_NAME_CHARS, SuggestionBoard, SuggestionTheme
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting
from server.domain.theme_board import ThemeBoard
from server.domain.theme_store import (
    reading,
    suggestion_rows,
    theme_rows,
    write_layout,
    writing,
)
from server.policy import Target

MAX_POLL_OPTIONS = 20
PollKind = Literal["multiple", "ranking"]


# -- what the functions return ---------------------------------------------------------------


@dataclass(frozen=True)
class HintView:
    """A screening hint (第十一条) beside a suggestion: it advises staff, nothing more."""

    kind: str
    message: str
    triggers: list[str]


@dataclass(frozen=True)
class MemberView:
    suggestion_id: int
    text: str
    name: str
    centrality: float
    pinned: bool
    hints: list[HintView] = field(default_factory=list)


def _hints_of(texts: dict[str, str]) -> dict[str, list[HintView]]:
    """Screening hints of each suggestion that has any (regular expressions: off the loop)."""
    found: dict[str, list[HintView]] = {}
    for sid, text in texts.items():
        hints = screen_topic(text)
        if hints:
            found[sid] = [HintView(h.kind, h.message, list(h.triggers)) for h in hints]
    return found


@dataclass(frozen=True)
class ThemeView:
    id: int
    key: str
    label: str
    name: str | None
    keywords: list[str]
    size: int
    position: int
    representative: str
    members: list[MemberView]


@dataclass(frozen=True)
class DuplicateMember:
    suggestion_id: int
    similarity: float


@dataclass(frozen=True)
class DuplicateView:
    members: list[DuplicateMember]


@dataclass(frozen=True)
class BoardView:
    meeting_id: int
    revision: int
    total: int
    join_threshold: float
    themes: list[ThemeView] = field(default_factory=list)
    duplicates: list[DuplicateView] = field(default_factory=list)


@dataclass(frozen=True)
class BoardChange:
    board: BoardView
    notice: dict[str, Any]


@dataclass(frozen=True)
class PollDraft:
    """The data of a `poll.open` command, and the theme behind each option in order."""

    data: dict[str, Any]
    theme_ids: list[int]


# -- who and what -----------------------------------------------------------------------------


def clean_theme_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    name = normalize(raw).replace("\n", " ")
    if len(name) > MAX_THEME_NAME_CHARS:
        raise Invalid(f"主题名称最多 {MAX_THEME_NAME_CHARS} 字")
    return name or None


async def require_editor(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "theme.edit", Target(meeting=meeting))
    return meeting


# -- reading --------------------------------------------------------------------------------


async def _board_view(
    session: AsyncSession, meeting_id: int, board: ThemeBoard, revision: int
) -> BoardView:
    themes = await anyio.to_thread.run_sync(board.themes)
    duplicates = await anyio.to_thread.run_sync(board.duplicates)
    rows = await theme_rows(session, meeting_id)
    suggestions = await suggestion_rows(session, meeting_id)
    pins = board.edits.pins
    texts = {
        sid: suggestions[sid].text if sid in suggestions else board.texts[sid]
        for theme in themes
        for sid in theme.members
    }
    hints = await anyio.to_thread.run_sync(_hints_of, texts)
    views = []
    for theme in themes:
        row = rows.get(theme.key)
        if row is None:
            continue  # written with the next change; never seen after a write
        members = [
            MemberView(
                suggestion_id=int(sid),
                text=texts[sid],
                name=suggestions[sid].author_name if sid in suggestions else "",
                centrality=centrality,
                pinned=sid in pins,
                hints=hints.get(sid, []),
            )
            for sid, centrality in zip(theme.members, theme.centrality, strict=True)
        ]
        views.append(
            ThemeView(
                id=row.id,
                key=theme.key,
                label=theme.label,
                name=row.name,
                keywords=list(theme.keywords),
                size=theme.size,
                position=row.position,
                representative=theme.representative,
                members=members,
            )
        )
    return BoardView(
        meeting_id=meeting_id,
        revision=revision,
        total=len(board.ids),
        join_threshold=round(board.index.join_threshold, 4),
        themes=views,
        duplicates=[
            DuplicateView(
                [
                    DuplicateMember(int(sid), sim)
                    for sid, sim in zip(group.members, group.similarity, strict=True)
                ]
            )
            for group in duplicates
        ],
    )


async def _revision(session: AsyncSession, meeting_id: int) -> int:
    value = await session.scalar(
        select(SuggestionBoard.revision).where(SuggestionBoard.meeting_id == meeting_id)
    )
    return value or 0


async def theme_board(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> BoardView:
    """The theme board: themes (largest first) with keywords and members ranked by how
    central they are, and the near-duplicate groups."""
    await require_editor(session, principal, meeting_id)
    async with reading(session, meeting_id) as board:
        return await _board_view(session, meeting_id, board, await _revision(session, meeting_id))


# -- staff edits ------------------------------------------------------------------------------

Decide = Callable[[ThemeBoard, dict[int, SuggestionTheme]], None]


def _themes_changed(meeting_id: int, revision: int, reason: str) -> dict[str, Any]:
    return {
        "type": "themes.changed",
        "data": {"meeting_id": meeting_id, "revision": revision, "reason": reason},
    }


async def _edit(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    reason: str,
    decide: Decide,
) -> BoardChange:
    """Run one staff edit: `decide` checks the request against the board and applies it
    (in a thread); the new layout is stored and the board returned."""
    await require_editor(session, principal, meeting_id)
    async with writing(session, meeting_id) as (row, board):
        themes = {r.id: r for r in (await theme_rows(session, meeting_id)).values()}
        await anyio.to_thread.run_sync(decide, board, themes)
        await write_layout(session, row, board)
        await session.flush()
        view = await _board_view(session, meeting_id, board, row.revision)
        await session.commit()
    return BoardChange(board=view, notice=_themes_changed(meeting_id, view.revision, reason))


def _key_of(themes: dict[int, SuggestionTheme], theme_id: int) -> str:
    row = themes.get(theme_id)
    if row is None:
        raise NotFound(f"主题 {theme_id} 不存在")
    return row.key


def _fresh_key(board: ThemeBoard, base: str) -> str:
    taken = {t.key for t in board.themes()} | set(board.edits.pins.values())
    key = base
    while key in taken:
        key += "+"
    return key


def _named(board: ThemeBoard, key: str, name: str | None) -> None:
    if name:
        board.apply(nlp_themes.rename(board.edits, board.theme(key), name))


async def recluster(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> BoardChange:
    """Cluster all of the meeting's suggestions afresh, keeping every staff edit."""

    def decide(board: ThemeBoard, _themes: dict[int, SuggestionTheme]) -> None:
        board.recluster()

    return await _edit(session, principal, meeting_id, "recluster", decide)


async def merge_themes(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    theme_ids: Sequence[int],
    into: int | None = None,
    name: str | None = None,
) -> BoardChange:
    """Merge themes into one (`into`, default the first); optionally name the result."""
    ids = list(dict.fromkeys(theme_ids))
    if len(ids) < 2:
        raise Invalid("请至少选择两个不同的主题进行合并")
    if into is not None and into not in ids:
        raise Invalid("合并后的主题须是所选主题之一")
    label = clean_theme_name(name)

    def decide(board: ThemeBoard, themes: dict[int, SuggestionTheme]) -> None:
        keys = [_key_of(themes, theme_id) for theme_id in ids]
        target = _key_of(themes, into) if into is not None else keys[0]
        board.apply(nlp_themes.merge(board.edits, board.themes(), keys, into=target))
        _named(board, target, label)

    return await _edit(session, principal, meeting_id, "merge", decide)


async def split_theme(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    theme_id: int,
    parts: Sequence[Sequence[int]],
) -> BoardChange:
    """Split a theme: each part (suggestion ids of the theme) becomes a theme of its own;
    the members left over stay in the theme."""
    chosen = [list(dict.fromkeys(part)) for part in parts if part]
    if not chosen:
        raise Invalid("请至少选择一条意见建议拆分出去")
    flat = [sid for part in chosen for sid in part]
    if len(set(flat)) != len(flat):
        raise Invalid("同一条意见建议不能同时拆到两个主题")

    def decide(board: ThemeBoard, themes: dict[int, SuggestionTheme]) -> None:
        try:
            theme = board.theme(_key_of(themes, theme_id))
        except KeyError:
            raise NotFound(f"主题 {theme_id} 已没有意见建议") from None
        outside = [sid for sid in flat if str(sid) not in theme.members]
        if outside:
            raise Invalid(f"意见建议 {outside[0]} 不属于主题 {theme_id}")
        edits = nlp_themes.split(board.edits, theme, [])  # keeps the rest where they are
        current = board.themes()
        for part in chosen:
            key = _fresh_key(board, f"s-{part[0]}")
            for sid in part:
                edits = nlp_themes.move(edits, current, str(sid), key)
            board.apply(edits)
            current = board.themes()

    return await _edit(session, principal, meeting_id, "split", decide)


async def move_suggestions(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    suggestion_ids: Sequence[int],
    theme_id: int | None,
    name: str | None = None,
) -> BoardChange:
    """Move suggestions to a theme, or (no theme id) into a new theme, optionally named."""
    ids = list(dict.fromkeys(suggestion_ids))
    if not ids:
        raise Invalid("请选择要移动的意见建议")
    label = clean_theme_name(name)

    def decide(board: ThemeBoard, themes: dict[int, SuggestionTheme]) -> None:
        unknown = [sid for sid in ids if str(sid) not in board.texts]
        if unknown:
            raise NotFound(f"意见建议 {unknown[0]} 不存在")
        fresh = theme_id is None
        key = _fresh_key(board, f"s-{ids[0]}") if fresh else _key_of(themes, theme_id or 0)
        edits = board.edits
        current = board.themes()
        for sid in ids:
            edits = nlp_themes.move(edits, current, str(sid), key)
        board.apply(edits)
        _named(board, key, label)

    return await _edit(session, principal, meeting_id, "move", decide)


async def rename_theme(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    theme_id: int,
    name: str | None,
) -> BoardChange:
    """Give a theme staff's own name; an empty name goes back to the generated label."""
    label = clean_theme_name(name)

    def decide(board: ThemeBoard, themes: dict[int, SuggestionTheme]) -> None:
        key = _key_of(themes, theme_id)
        if label:
            _named(board, key, label)
        else:
            names = {k: v for k, v in board.edits.names.items() if k != key}
            board.apply(nlp_themes.StaffEdits(board.edits.pins, names))

    return await _edit(session, principal, meeting_id, "rename", decide)


# -- themes to a poll ---------------------------------------------------------------------------


def _option_labels(names: Sequence[str]) -> list[str]:
    labels: list[str] = []
    for raw in names:
        base = raw.replace("\n", " ").strip()[:MAX_THEME_NAME_CHARS] or "（未命名主题）"
        label, number = base, 2
        while label in labels:
            label = f"{base[: MAX_THEME_NAME_CHARS - 5]}（{number}）"
            number += 1
        labels.append(label)
    return labels


async def themes_to_poll(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    kind: PollKind = "multiple",
    theme_ids: Sequence[int] | None = None,
    question: str | None = None,
) -> PollDraft:
    """The `poll.open` data that asks the meeting to choose (or rank) among its themes: one
    option per theme, named as staff named it or by its label, in board order (largest
    first) or in the order of `theme_ids`. The moderator sends it; nothing opens here."""
    await require_editor(session, principal, meeting_id)
    async with reading(session, meeting_id) as board:
        themes = await anyio.to_thread.run_sync(board.themes)
        rows = await theme_rows(session, meeting_id)
    listed = [
        (rows[t.key], t)
        for t in themes
        if t.key not in (nlp_themes.EMPTY_THEME_KEY, nlp_themes.UNSORTED_THEME_KEY)
        and t.key in rows
        and t.size > 0
    ]
    if theme_ids is not None:
        by_id = {row.id: (row, theme) for row, theme in listed}
        missing = [tid for tid in theme_ids if tid not in by_id]
        if missing:
            raise NotFound(f"主题 {missing[0]} 不存在")
        listed = [by_id[tid] for tid in dict.fromkeys(theme_ids)]
        if len(listed) > MAX_POLL_OPTIONS:
            raise Invalid(f"一次投票最多 {MAX_POLL_OPTIONS} 个选项")
    listed = listed[:MAX_POLL_OPTIONS]
    if len(listed) < 2:
        raise Conflict("至少需要两个主题才能发起投票")
    default = (
        "请对以下主题按优先程度排序" if kind == "ranking" else "请选择您认为最需要优先协商的主题"
    )
    text = normalize(question or "") or default
    if len(text) > 200:
        raise Invalid("投票问题最多 200 字")
    options = _option_labels([row.name or theme.label for row, theme in listed])
    return PollDraft(
        data={"question": text, "kind": kind, "options": options, "secret": False},
        theme_ids=[row.id for row, _ in listed],
    )
