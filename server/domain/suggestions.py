"""Written suggestions (意见建议): who may submit and what is accepted, placing each in a
theme at once, listing them with their near-duplicates, and screening hints for a proposed
topic (第十一条).

Anyone on a meeting's roster, a guest by invite, or a signed-in resident may submit; the
meeting's moderators and staff see every suggestion (server.domain.themes has their board).
A submission returns a `notice` ({"type": "suggestion.added", "data"}) for the caller to
broadcast after the commit.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.screening import screen_topic
from nlp.text import normalize
from server import policy
from server.auth import Principal
from server.db.engine import Database
from server.db.models import Meeting, MeetingParticipant, Room
from server.db.models_suggestions import (
    MAX_SUGGESTION_CHARS,
    ON_BOARD,
    Suggestion,
    SuggestionBoard,
    SuggestionTheme,
)
from server.domain.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from server.domain.meetings import get_meeting
from server.domain.theme_board import Placement, ThemeBoard
from server.domain.theme_store import (
    reading,
    suggestion_rows,
    theme_rows,
    write_layout,
    write_theme,
    writing,
)
from server.domain.topic_calls import held_words
from server.policy import MEETING_EDITORS, Target, meeting_participant, meeting_role

MAX_PER_AUTHOR = 50  # suggestions one person may write to one meeting
MAX_TOPIC_CHARS = 5000
_RAW_LIMIT = MAX_SUGGESTION_CHARS * 4  # beyond this nothing is worth normalising first


# -- what the functions return ---------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission; `created` is false for a retry with a known client id."""

    suggestion_id: int
    theme_id: int | None
    theme_label: str
    theme_size: int
    new_theme: bool
    similarity: float | None
    duplicate_of: int | None
    duplicate_similarity: float | None
    created: bool
    notice: dict[str, Any] | None = None
    held: bool = False  # a listed word: waits for the room's staff, on no board yet


@dataclass(frozen=True)
class SuggestionView:
    id: int
    meeting_id: int
    text: str
    name: str
    participant_id: int | None
    created_at: datetime
    theme_id: int | None
    theme_label: str | None
    pinned: bool
    duplicate_of: int | None = None
    duplicate_similarity: float | None = None
    moderation: str = "clear"
    mine: bool = False


@dataclass(frozen=True)
class Author:
    key: str
    participant_id: int | None
    person_id: int | None
    name: str

    @classmethod
    def of_participant(cls, participant: MeetingParticipant) -> Author:
        return cls(
            key=f"participant:{participant.id}",
            participant_id=participant.id,
            person_id=participant.person_id,
            name=participant.display_name[:64],
        )


# -- input ----------------------------------------------------------------------------------


def _unreadable(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    # control bytes, lone surrogates, private-use and unassigned code points, and U+FFFD
    # (what a decoder leaves for bytes it could not read) come from files, not from typing
    return ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


def clean_text(raw: str) -> tuple[str, str]:
    """A suggestion as written (trimmed) and normalised, or a refusal saying what is wrong."""
    if not isinstance(raw, str):
        raise Invalid("意见建议须为文字")
    if len(raw) > _RAW_LIMIT:
        raise Invalid(f"意见建议最多 {MAX_SUGGESTION_CHARS} 字，您提交了 {len(raw)} 字")
    if any(_unreadable(ch) for ch in raw):
        raise Invalid("意见建议中有无法识别的字符（可能粘贴了文件内容），请只输入文字")
    normalised = normalize(raw)
    if not normalised:
        raise Invalid("意见建议不能为空")
    if len(normalised) > MAX_SUGGESTION_CHARS:
        raise Invalid(f"意见建议最多 {MAX_SUGGESTION_CHARS} 字，您提交了 {len(normalised)} 字")
    if not any(ch.isalpha() for ch in normalised):
        raise Invalid("意见建议须包含文字，不能只有表情、数字或符号")
    return raw.strip(), normalised


def clean_client_id(client_id: str | None) -> str:
    """The client's id for a submission (1–64 characters, no blanks), or a fresh one."""
    if client_id is None or client_id == "":
        return uuid.uuid4().hex
    if len(client_id) > 64 or any(ch.isspace() or not ch.isprintable() for ch in client_id):
        raise Invalid("client_id 须为 1–64 个字符，不含空白")
    return client_id


# -- who -----------------------------------------------------------------------------------


async def _author(session: AsyncSession, principal: Principal, meeting: Meeting) -> Author:
    participant = await meeting_participant(session, principal, meeting)
    if participant is not None:
        return Author.of_participant(participant)
    if principal.person is not None:
        person = principal.person
        return Author(f"person:{person.id}", None, person.id, person.name[:64])
    raise Forbidden("您不在本次会议名单中")


# -- submitting ---------------------------------------------------------------------------


async def submit(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    text: str,
    client_id: str | None = None,
) -> Submitted:
    """Store a suggestion and place it in a theme at once; a retry with the same client id
    from the same person returns the first outcome."""
    meeting = await get_meeting(session, meeting_id)
    principal = await policy.authorize(
        session, principal, "suggestion.submit", Target(meeting=meeting)
    )
    author = await _author(session, principal, meeting)
    return await _submit(session, meeting, author, text, client_id)


async def submit_from_live(
    db: Database, meeting_id: int, participant_id: int, text: str, client_id: str
) -> dict[str, Any]:
    """A `suggestion.submit` from the live layer, by a roster participant. Returns the ack
    data `{"suggestion_id", "theme_id", "theme_label", "duplicate_of"?}` and, under
    "broadcast", the notice to send after the ack (None for a retry)."""
    async with db.session() as session:
        meeting = await get_meeting(session, meeting_id)
        participant = await session.get(MeetingParticipant, participant_id)
        if participant is None or participant.meeting_id != meeting.id:
            raise NotFound("该参会人员不在本次会议名单中")
        result = await _submit(
            session, meeting, Author.of_participant(participant), text, client_id
        )
    ack: dict[str, Any] = {
        "suggestion_id": result.suggestion_id,
        "theme_id": result.theme_id,
        "theme_label": result.theme_label,
    }
    if result.duplicate_of is not None:
        ack["duplicate_of"] = result.duplicate_of
    if result.held:
        ack["held"] = True
    ack["broadcast"] = result.notice
    return ack


async def _existing(
    session: AsyncSession, meeting_id: int, author_key: str, client_id: str
) -> Submitted | None:
    row = (
        await session.execute(
            select(Suggestion, SuggestionTheme)
            .outerjoin(SuggestionTheme, Suggestion.theme_id == SuggestionTheme.id)
            .where(
                Suggestion.meeting_id == meeting_id,
                Suggestion.author_key == author_key,
                Suggestion.client_id == client_id,
            )
        )
    ).first()
    if row is None:
        return None
    suggestion, theme = row
    size = 0
    if theme is not None:
        size = (
            await session.scalar(
                select(func.count()).select_from(Suggestion).where(Suggestion.theme_id == theme.id)
            )
            or 0
        )
    return Submitted(
        suggestion_id=suggestion.id,
        theme_id=theme.id if theme else None,
        theme_label=(theme.name or theme.label) if theme else "",
        theme_size=size,
        new_theme=False,
        similarity=None,
        duplicate_of=None,
        duplicate_similarity=None,
        created=False,
    )


async def _submit(
    session: AsyncSession, meeting: Meeting, author: Author, text: str, client_id: str | None
) -> Submitted:
    kept, normalised = clean_text(text)
    client_id = clean_client_id(client_id)
    known = await _existing(session, meeting.id, author.key, client_id)
    if known is not None:
        return known
    if meeting.status == "ended":
        raise Conflict("会议已结束，不再征集意见建议")
    written = await session.scalar(
        select(func.count())
        .select_from(Suggestion)
        .where(Suggestion.meeting_id == meeting.id, Suggestion.author_key == author.key)
    )
    if (written or 0) >= MAX_PER_AUTHOR:
        raise RateLimited(f"每人每次会议最多提交 {MAX_PER_AUTHOR} 条意见建议")
    now = datetime.now(UTC)
    # A listed word, or a room whose every piece of public input waits for its staff.
    premoderated = await session.scalar(select(Room.premoderate).where(Room.id == meeting.room_id))
    if premoderated or await held_words(session, kept):
        return await _hold(session, meeting, author, kept, normalised, client_id, now)
    try:
        async with writing(session, meeting.id) as (board_row, board):
            suggestion = _written(meeting, author, kept, normalised, client_id, now)
            session.add(suggestion)
            await session.flush()
            placed, theme_row = await _place(session, board_row, board, suggestion)
            revision = board_row.revision
            await session.commit()
    except IntegrityError:
        # the same submission committed meanwhile (a retry racing the first attempt)
        known = await _existing(session, meeting.id, author.key, client_id)
        if known is None:
            raise
        return known
    return _placed(suggestion, placed, theme_row, revision)


def _written(
    meeting: Meeting,
    author: Author,
    kept: str,
    normalised: str,
    client_id: str,
    now: datetime,
    moderation: str = "clear",
) -> Suggestion:
    return Suggestion(
        meeting_id=meeting.id,
        participant_id=author.participant_id,
        person_id=author.person_id,
        author_key=author.key,
        author_name=author.name,
        client_id=client_id,
        text=kept,
        normalized_text=normalised,
        created_at=now,
        pinned=False,
        moderation=moderation,
    )


async def _place(
    session: AsyncSession, board_row: SuggestionBoard, board: ThemeBoard, suggestion: Suggestion
) -> tuple[Placement, SuggestionTheme]:
    """Put a stored suggestion on the meeting's board (inside `writing`); the caller commits."""
    placed = await anyio.to_thread.run_sync(
        board.place, str(suggestion.id), suggestion.normalized_text
    )
    if placed.relayout:
        theme_row = (await write_layout(session, board_row, board))[placed.theme.key]
    else:
        theme_row = await write_theme(session, suggestion.meeting_id, placed.theme)
        board_row.revision += 1
    suggestion.theme_id = theme_row.id
    return placed, theme_row


def _placed(
    suggestion: Suggestion, placed: Placement, theme_row: SuggestionTheme, revision: int
) -> Submitted:
    """The outcome of a suggestion placed on the board, with the notice to broadcast."""
    duplicate_of = int(placed.duplicate_of) if placed.duplicate_of is not None else None
    label = theme_row.name or placed.theme.label
    notice = {
        "type": "suggestion.added",
        "data": {
            "meeting_id": suggestion.meeting_id,
            "suggestion_id": suggestion.id,
            "participant_id": str(suggestion.participant_id) if suggestion.participant_id else None,
            "name": suggestion.author_name,
            "text": suggestion.text,
            "at": suggestion.created_at.timestamp(),
            "theme_id": theme_row.id,
            "theme_label": label,
            "theme_size": placed.theme.size,
            "new_theme": placed.new_theme,
            "duplicate_of": duplicate_of,
            "revision": revision,
            "relayout": placed.relayout,
        },
    }
    return Submitted(
        suggestion_id=suggestion.id,
        theme_id=theme_row.id,
        theme_label=label,
        theme_size=placed.theme.size,
        new_theme=placed.new_theme,
        similarity=placed.similarity,
        duplicate_of=duplicate_of,
        duplicate_similarity=placed.duplicate_similarity,
        created=True,
        notice=notice,
    )


async def _hold(
    session: AsyncSession,
    meeting: Meeting,
    author: Author,
    kept: str,
    normalised: str,
    client_id: str,
    now: datetime,
) -> Submitted:
    """A suggestion with a word on the office's list (or any, in a room that pre-moderates):
    stored, off the board and unannounced, until the room's staff release it
    (server.domain.moderation)."""
    suggestion = _written(meeting, author, kept, normalised, client_id, now, "held")
    session.add(suggestion)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        known = await _existing(session, meeting.id, author.key, client_id)
        if known is None:
            raise
        return known
    return Submitted(
        suggestion_id=suggestion.id,
        theme_id=None,
        theme_label="",
        theme_size=0,
        new_theme=False,
        similarity=None,
        duplicate_of=None,
        duplicate_similarity=None,
        created=True,
        held=True,
    )


async def place_released(session: AsyncSession, suggestion: Suggestion) -> Submitted:
    """A held suggestion the staff released goes on the board as if just submitted; commits
    and returns the notice to broadcast."""
    async with writing(session, suggestion.meeting_id) as (board_row, board):
        # Still held while the board loads: a board built from the database now would
        # otherwise hold it already, and placing it again would fail.
        placed, theme_row = await _place(session, board_row, board, suggestion)
        suggestion.moderation = "released"
        revision = board_row.revision
        await session.commit()
    return _placed(suggestion, placed, theme_row, revision)


# -- reading --------------------------------------------------------------------------------


async def list_suggestions(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> list[SuggestionView]:
    """Every suggestion with its theme and near-duplicate, for the meeting's moderators and
    staff. The rest of the roster sees its own (held or removed ones marked as such) and, so
    that they may read and report them, the others on the board without their writers' names;
    a resident off the roster sees only their own."""
    meeting = await get_meeting(session, meeting_id)
    principal = await policy.authorize(
        session, principal, "suggestion.read", Target(meeting=meeting)
    )
    role = await meeting_role(session, principal, meeting)
    if role in MEETING_EDITORS:
        return await _all_suggestions(session, meeting_id)
    author = await _author(session, principal, meeting)
    shown: ColumnElement[bool] = Suggestion.author_key == author.key
    if role is not None:
        shown = or_(shown, Suggestion.moderation.in_(ON_BOARD))
    rows = await session.execute(
        select(Suggestion, SuggestionTheme)
        .outerjoin(SuggestionTheme, Suggestion.theme_id == SuggestionTheme.id)
        .where(Suggestion.meeting_id == meeting_id, shown)
        .order_by(Suggestion.id)
    )
    return [
        replace(_suggestion_view(s, t, None, None), mine=True)
        if s.author_key == author.key
        else _anonymous(_suggestion_view(s, t, None, None))
        for s, t in rows
    ]


def _anonymous(view: SuggestionView) -> SuggestionView:
    """Another participant's suggestion as the roster sees it: who wrote it is for the staff."""
    return replace(view, name="", participant_id=None, mine=False)


def _suggestion_view(
    s: Suggestion,
    theme: SuggestionTheme | None,
    duplicate_of: int | None,
    similarity: float | None,
) -> SuggestionView:
    created = s.created_at
    return SuggestionView(
        id=s.id,
        meeting_id=s.meeting_id,
        text=s.text,
        name=s.author_name,
        participant_id=s.participant_id,
        created_at=created,
        theme_id=theme.id if theme else None,
        theme_label=(theme.name or theme.label) if theme else None,
        pinned=s.pinned,
        duplicate_of=duplicate_of,
        duplicate_similarity=similarity,
        moderation=s.moderation,
    )


async def _all_suggestions(session: AsyncSession, meeting_id: int) -> list[SuggestionView]:
    async with reading(session, meeting_id) as board:
        groups = await anyio.to_thread.run_sync(board.duplicates)
        themes = {row.id: row for row in (await theme_rows(session, meeting_id)).values()}
        rows = await suggestion_rows(session, meeting_id)
    centre: dict[str, tuple[int, float]] = {}
    for group in groups:
        head = int(group.members[0])
        for sid, sim in zip(group.members[1:], group.similarity[1:], strict=True):
            centre[sid] = (head, sim)
    return [
        _suggestion_view(
            s,
            themes.get(s.theme_id) if s.theme_id is not None else None,
            *centre.get(sid, (None, None)),
        )
        for sid, s in rows.items()
    ]


# -- screening ------------------------------------------------------------------------------


def screening_hints(principal: Principal | None, text: str) -> list[dict[str, Any]]:
    """Hints that a proposed topic may be outside the consultation scope (第十一条). They
    advise staff; nothing is refused because of them."""
    policy.authorize_now("screening.hints", principal)
    if len(text) > MAX_TOPIC_CHARS:
        raise Invalid(f"议题内容最多 {MAX_TOPIC_CHARS} 字")
    if not normalize(text):
        raise Invalid("请填写议题内容")
    return [
        {"kind": hint.kind, "message": hint.message, "triggers": list(hint.triggers)}
        for hint in screen_topic(text)
    ]
