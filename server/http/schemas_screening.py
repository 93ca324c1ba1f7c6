"""The JSON shapes of screening by questionnaire and by hearing (第十三条) and of the public's
comments on a noticed topic (第十四条).

A respondent's phone number and a free answer never reach /public; a comment's text is plain
text wherever it is shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from server.http.schemas import ChallengeIn, Id, Input, PersonName, Phone, Title

QuestionKind = Literal["rank", "choose", "single", "multiple", "text"]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class QuestionIn(Input):
    kind: QuestionKind = Field(
        description="rank: order the shortlist; choose: pick up to max_choices of it; "
        "single / multiple: one or more of options; text: a short free answer"
    )
    prompt: Prompt
    options: list[Option] = Field(default_factory=list, max_length=10)
    max_choices: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="choose: how many topics at most (default 1); multiple: how many options "
        "at most (default all)",
    )


class QuestionOut(BaseModel):
    kind: QuestionKind
    prompt: str
    options: list[str] = Field(default_factory=list)
    max_choices: int = 1

    @model_validator(mode="before")
    @classmethod
    def _any_of_the_options(cls, data: Any) -> Any:
        """A multiple-choice question stored without a limit allows all of its options."""
        if (
            isinstance(data, dict)
            and data.get("kind") == "multiple"
            and not data.get("max_choices")
        ):
            return {**data, "max_choices": max(1, len(data.get("options") or []))}
        return data


class QuestionnaireIn(Input):
    room_id: Id
    title: Title
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    deadline: AwareDatetime
    topic_ids: list[Id] = Field(min_length=2, max_length=50)
    questions: list[QuestionIn] = Field(min_length=1, max_length=10)


Answer = int | Annotated[list[int], Field(max_length=50)] | Annotated[str, Field(max_length=200)]


class QuestionnaireAnswerIn(Input):
    phone: Phone
    answers: list[Answer] = Field(
        max_length=10,
        description="One per question, in order: a list of topic ids for rank (best first) and "
        "choose, an option's index for single, a list of indexes for multiple, text for text",
    )
    challenge: ChallengeIn | None = None


class AnswerOut(BaseModel):
    counted: bool = Field(description="False when this phone or account had answered already")
    respondents: int


class TopicTallyOut(BaseModel):
    topic_id: int
    title: str
    count: int
    first: int
    points: int


class OptionTallyOut(BaseModel):
    label: str
    count: int


class QuestionTallyOut(BaseModel):
    kind: QuestionKind
    prompt: str
    topics: list[TopicTallyOut]
    options: list[OptionTallyOut]
    texts: list[str] = Field(description="The free answers (staff only)")


class QuestionnaireOut(BaseModel):
    call_id: int
    room_id: int
    room: str
    title: str
    description: str
    deadline: datetime
    recorded_at: datetime | None
    respondents: int
    questions: list[QuestionOut]
    results: list[QuestionTallyOut] = Field(default_factory=list)


class QuestionnaireList(BaseModel):
    items: list[QuestionnaireOut]


HearingCategory = Literal["member", "resident", "official", "stakeholder", "expert", "other"]
Conclusion = Literal["support", "oppose", "undecided"]


class HearingParticipantIn(Input):
    name: PersonName
    category: HearingCategory


class ConclusionIn(Input):
    topic_id: Id
    conclusion: Conclusion
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class HearingIn(Input):
    room_id: Id
    kind: Literal["hearing", "forum"]
    held_on: AwareDatetime
    place: Title
    participants: list[HearingParticipantIn] = Field(min_length=1, max_length=200)
    record: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
    conclusions: list[ConclusionIn] = Field(min_length=1, max_length=50)


class HearingParticipantOut(BaseModel):
    name: str
    category: HearingCategory


class ConclusionOut(BaseModel):
    topic_id: int
    conclusion: Conclusion
    note: str


class HearingOut(BaseModel):
    hearing_id: int
    room_id: int
    kind: Literal["hearing", "forum"]
    held_on: datetime
    place: str
    participants: list[HearingParticipantOut]
    record: str
    conclusions: list[ConclusionOut]


class CommentIn(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    client_id: UUID | None = Field(
        default=None,
        description="A key the page makes once per comment and sends again on a retry: "
        "a second send with the same key returns the first comment and keeps nothing",
    )
    challenge: ChallengeIn | None = Field(
        default=None,
        description="The answer to GET /api/public/challenge; needed from an address's second "
        "public submission within an hour on",
    )


class CommentOut(BaseModel):
    comment_id: int
    name: str
    text: str
    at: datetime


class CommentSent(BaseModel):
    comment_id: int
    held: bool = Field(description="Waiting for moderation before it is shown")


class CommentList(BaseModel):
    comments: list[CommentOut]


class StaffCommentOut(CommentOut):
    moderation: Literal["clear", "held", "released", "removed"]
    held_reason: str


class HeldCommentOut(BaseModel):
    comment_id: int
    topic_id: int
    name: str
    text: str
    held_reason: str
    at: datetime


class CommentDecisionOut(BaseModel):
    comment_id: int
    moderation: str
