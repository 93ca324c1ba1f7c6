"""The JSON shapes of topics (议题), public calls, notices, research and moderation.

A proposer's contact reaches only the room's staff and the CPPCC office above it; the public
shapes carry none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from server.http.schemas import ChallengeIn, Id, Input, Mode, PersonName, Phone, Title
from server.http.schemas_screening import (
    HearingOut,
    HeldCommentOut,
    QuestionOut,
    StaffCommentOut,
)

Source = Literal["public", "resident", "member", "leader"]
TopicStatus = Literal[
    "proposed",
    "screened",
    "approved",
    "filed",
    "noticed",
    "researched",
    "held",
    "submitted",
    "closed",
    "rejected",
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Exclusion = Literal["settled_by_policy", "individual_dispute", "litigation", "already_agreed"]


class ContactIn(Input):
    name: PersonName
    phone: Phone


class PublicProposalIn(Input):
    title: Title
    description: Description
    room_id: Id
    contact: ContactIn
    place: Place = ""
    call_id: Id | None = None
    challenge: ChallengeIn | None = Field(
        default=None,
        description="The answer to GET /api/public/challenge; needed from an address's second "
        "proposal within an hour on",
    )


class PublicProposalOut(BaseModel):
    proposal_id: int
    receipt: str


class ChallengeOut(BaseModel):
    token: str
    question: str


class NoticeOut(BaseModel):
    topic_id: int
    title: str
    room: str
    noticed_at: datetime
    meeting_at: datetime
    days_left: int
    place: str = ""
    form: str = ""
    how_to_join: str = ""
    comments: int = Field(default=0, description="How many public comments are shown on it")


class NoticeList(BaseModel):
    notices: list[NoticeOut]


class PublicRoom(BaseModel):
    room_id: int
    name: str
    level: str


class ShortlistItem(BaseModel):
    topic_id: int
    title: str
    votes: int = Field(
        description="Votes so far (a vote); 0 for a questionnaire, whose tallies "
        "only the room's staff read"
    )


class CallOut(BaseModel):
    call_id: int
    room_id: int
    room: str
    kind: Literal["proposals", "vote", "questionnaire"]
    title: str
    description: str
    deadline: datetime
    shortlist: list[ShortlistItem] = Field(default_factory=list)
    questions: list[QuestionOut] = Field(default_factory=list)


class PublicPortal(BaseModel):
    calls: list[CallOut]
    rooms: list[PublicRoom]


class VoteIn(Input):
    topic_id: Id
    phone: Phone
    challenge: ChallengeIn | None = None


class VoteOut(BaseModel):
    counted: bool
    shortlist: list[ShortlistItem]


class TopicIn(Input):
    room_id: Id
    title: Title
    description: Description = ""
    place: Place = ""
    source: Source | None = None
    proposer_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""


class StepOut(BaseModel):
    step: str
    at: datetime
    by: str
    note: str


class TopicHintOut(BaseModel):
    kind: str
    message: str
    triggers: list[str]


class ResearchOut(BaseModel):
    id: int
    who: str
    place: str
    done_on: datetime
    findings: str


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    research_id: int | None
    url: str


class TopicNotice(BaseModel):
    noticed_at: datetime
    meeting_at: datetime
    place: str
    form: str
    how_to_join: str
    days_left: int


class TopicMeeting(BaseModel):
    id: int
    title: str
    starts_at: datetime
    status: str


class TopicOut(BaseModel):
    topic_id: int
    id: int
    room_id: int
    room: str
    room_level: str
    title: str
    description: str
    place: str
    source: Source
    status: TopicStatus
    moderation: str
    proposer_name: str
    contact: dict[str, str] = Field(description="name and phone; never shown publicly")
    receipt: str
    created_at: datetime
    exclusion: Exclusion | None
    filing_required: bool
    notice_days: int
    notice: TopicNotice | None
    research: list[ResearchOut]
    meetings: list[TopicMeeting]
    attachments: list[AttachmentOut] = Field(default_factory=list)
    hints: list[TopicHintOut]
    timeline: list[StepOut]
    hearings: list[HearingOut] = Field(default_factory=list)
    public_comments: list[StaffCommentOut] = Field(
        default_factory=list, description="Comments from /public, held and removed ones included"
    )
    opening: str | None = Field(
        default=None, description="Why a meeting on this topic may not open now (None: it may)"
    )


class TopicSummary(BaseModel):
    topic_id: int
    room_id: int
    room: str
    title: str
    source: Source
    status: TopicStatus
    moderation: str
    created_at: datetime
    last_step: str
    last_note: str
    hints: list[TopicHintOut]
    duplicates: list[int] = Field(description="Other listed topics that say nearly the same")


class ThemeGroupOut(BaseModel):
    label: str
    keywords: list[str]
    topic_ids: list[int]


class TopicList(BaseModel):
    items: list[TopicSummary]
    themes: list[ThemeGroupOut] = Field(
        default=[],
        description="The listed topics awaiting screening grouped into themes, largest first",
    )


class HeldSuggestionOut(BaseModel):
    suggestion_id: int
    meeting_id: int
    text: str
    name: str
    created_at: datetime
    words: list[str] = Field(description="The listed words it contains (as the list is now)")
    premoderated: bool = Field(description="Its room holds every suggestion for the staff")


class ReportItem(BaseModel):
    report_id: int
    target_type: Literal["topic", "suggestion", "comment"]
    target_id: int
    room_id: int
    text: str = Field(description="What the reported item says (a topic's title)")
    reason: str
    reporter: str
    at: datetime


class ModerationQueue(BaseModel):
    """Everything waiting for the room's staff: held proposals, held suggestions, held public
    comments, reports."""

    items: list[TopicSummary]
    suggestions: list[HeldSuggestionOut]
    comments: list[HeldCommentOut] = Field(default_factory=list)
    reports: list[ReportItem]


class ReportIn(Input):
    target_type: Literal["topic", "suggestion", "comment"]
    target_id: Id
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ReportOut(BaseModel):
    report_id: int
    status: str


class ReportDecisionIn(Input):
    decision: Literal["uphold", "dismiss"]
    reason: Note


class SuggestionDecisionOut(BaseModel):
    suggestion_id: int
    moderation: str


class ScreenIn(Input):
    decision: Literal["shortlist", "exclude"]
    reason: Note = ""
    exclusion: Exclusion | None = None
    method: Literal["questionnaire", "group", "vote", "hearing", ""] = ""


class ReviewIn(Input):
    decision: Literal["approve", "return", "reject"]
    reason: Note = ""


class NoteIn(Input):
    note: Note = ""


class NoticeIn(Input):
    meeting_at: AwareDatetime
    place: Title
    form: Mode
    how_to_join: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ResearchIn(Input):
    who: Title
    place: Title
    done_on: AwareDatetime
    findings: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
    ]


class OverrideIn(Input):
    rules: list[Literal["notice", "research"]] = Field(min_length=1, max_length=2)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CallIn(Input):
    room_id: Id
    kind: Literal["proposals", "vote"] = "proposals"
    title: Title
    description: Description = ""
    deadline: AwareDatetime
    topic_ids: list[Id] = Field(default_factory=list, max_length=50)


class ModerateIn(Input):
    decision: Literal["release", "remove"]
    reason: Note = ""


class WordsIn(Input):
    words: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]] = Field(
        max_length=2000
    )


class WordsOut(BaseModel):
    words: list[str]
