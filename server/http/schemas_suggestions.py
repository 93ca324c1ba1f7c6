"""The JSON shapes of the suggestion, theme, screening and vocabulary endpoints.

Text lengths are checked by the domain (with its own Chinese messages); these bound the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.http.schemas import Id, Input

ThemeName = Annotated[str, StringConstraints(max_length=200)]
Ids = Annotated[list[Id], Field(min_length=1, max_length=1000)]


class SuggestionIn(Input):
    text: Annotated[str, StringConstraints(max_length=100_000)]
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class SubmittedOut(BaseModel):
    suggestion_id: int
    theme_id: int | None
    theme_label: str
    theme_size: int
    new_theme: bool
    similarity: float | None
    duplicate_of: int | None
    duplicate_similarity: float | None
    created: bool
    held: bool = Field(
        default=False, description="A listed word: waits for the room's staff, on no board yet"
    )


class SuggestionOut(BaseModel):
    id: int
    meeting_id: int
    text: str
    name: str
    participant_id: int | None
    created_at: datetime
    theme_id: int | None
    theme_label: str | None
    pinned: bool
    duplicate_of: int | None
    duplicate_similarity: float | None
    moderation: Literal["clear", "held", "released", "removed"] = Field(
        "clear",
        description="held: waits for the room's staff; removed: not shown (only its author "
        "sees either, on their own suggestion)",
    )
    mine: bool = Field(False, description="Written by the caller (always false for staff)")


class SuggestionList(BaseModel):
    items: list[SuggestionOut]


class ScreeningHintOut(BaseModel):
    """A screening hint (第十一条): on the board beside a suggestion, or for a proposed
    topic. It only advises."""

    kind: Literal["individual_dispute", "litigation", "settled_by_policy", "already_agreed"]
    message: str
    triggers: list[str]


class MemberOut(BaseModel):
    suggestion_id: int
    text: str
    name: str
    centrality: float
    pinned: bool
    hints: list[ScreeningHintOut]


class ThemeOut(BaseModel):
    id: int
    key: str
    label: str
    name: str | None
    keywords: list[str]
    size: int
    position: int
    representative: str
    members: list[MemberOut]


class DuplicateMemberOut(BaseModel):
    suggestion_id: int
    similarity: float


class DuplicateOut(BaseModel):
    members: list[DuplicateMemberOut]


class BoardOut(BaseModel):
    meeting_id: int
    revision: int
    total: int
    join_threshold: float
    themes: list[ThemeOut]
    duplicates: list[DuplicateOut]


class MergeIn(Input):
    theme_ids: Annotated[list[Id], Field(min_length=2, max_length=200)]
    into: Id | None = None
    name: ThemeName | None = None


class SplitIn(Input):
    theme_id: Id
    parts: Annotated[list[Ids], Field(min_length=1, max_length=50)]


class MoveIn(Input):
    suggestion_ids: Ids
    theme_id: Id | None = None
    name: ThemeName | None = None


class RenameIn(Input):
    name: ThemeName | None


class PollIn(Input):
    kind: Literal["multiple", "ranking"] = "multiple"
    theme_ids: Annotated[list[Id], Field(min_length=2, max_length=200)] | None = None
    question: Annotated[str, StringConstraints(max_length=1000)] | None = None


class ThemePollData(BaseModel):
    """The data of the `poll.open` command the moderator's client sends."""

    question: str
    kind: Literal["multiple", "ranking"]
    options: list[str]
    secret: bool


class PollOut(BaseModel):
    type: Literal["poll.open"] = "poll.open"
    data: ThemePollData
    theme_ids: list[int]


class ScreeningIn(Input):
    text: Annotated[str, StringConstraints(max_length=100_000)]


class ScreeningOut(BaseModel):
    hints: list[ScreeningHintOut]


class WordIn(Input):
    word: Annotated[str, StringConstraints(max_length=200)]


class WordOut(BaseModel):
    id: int
    word: str
    created_at: datetime


class WordList(BaseModel):
    items: list[WordOut]
