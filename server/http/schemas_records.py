"""The JSON shapes of the written record: transcript segments, drafts and their versions.

A draft is what the editor shows and sends back; its fields are documented in docs/minutes.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.http.schemas import Id, Input

Line = Annotated[str, StringConstraints(max_length=2000)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Speaker = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Seconds = Annotated[float, Field(ge=0, le=7 * 24 * 3600)]
Source = Literal["live", "import", "asr"]
ImportMode = Literal["replace", "append"]


# --- transcript -----------------------------------------------------------------------------


class SegmentOut(BaseModel):
    id: int
    position: int
    participant_id: int | None
    speaker_name: str
    unmatched: bool
    start_s: float | None
    end_s: float | None
    text: str
    source: Source
    speech_id: str | None
    agenda_item_id: int | None
    updated_at: datetime
    updated_by: int | None


class TranscriptOut(BaseModel):
    meeting_id: int
    record_started_at: float | None = Field(
        description="Epoch seconds that start_s/end_s of live segments count from"
    )
    segments: list[SegmentOut]
    unmatched: list[str] = Field(description="Speaker names that matched nobody on the roster")


class RebuildOut(BaseModel):
    added: int
    transcript: TranscriptOut


class TranscriptImportOut(BaseModel):
    format: str
    imported: int
    aligned: int = Field(description="Imported turns linked to a speech of the session record")
    unmatched: list[str]
    transcript: TranscriptOut


class SegmentIn(Input):
    after_id: Id | None = None
    participant_id: Id | None = None
    speaker_name: Speaker | None = None
    text: Text = ""
    start_s: Seconds | None = None
    end_s: Seconds | None = None


class SegmentPatch(Input):
    text: Text | None = None
    participant_id: Id | None = None
    speaker_name: Speaker | None = None
    start_s: Seconds | None = None
    end_s: Seconds | None = None


class AsrIn(Input):
    engine: Annotated[str, StringConstraints(max_length=64)] | None = None
    recording: Annotated[str, StringConstraints(max_length=200, pattern=r"^[^/\\]+$")] | None = None
    mode: ImportMode = "replace"


class AsrEngines(BaseModel):
    engines: list[str]


# --- drafts ---------------------------------------------------------------------------------


class Sentence(Input):
    text: Text
    segment_id: Id | None = None


class HeaderDraft(Input):
    title: Line
    number: Line = ""
    date: Line = ""
    time: Line = ""
    place: Line = ""
    moderator: Line = ""
    recorder: Line = ""
    topic: Line = ""
    agenda: list[Line] = Field(default_factory=list, max_length=100)
    present: dict[str, list[Line]] = Field(default_factory=dict)
    observers: list[Line] = Field(default_factory=list, max_length=500)
    absent: list[Line] = Field(default_factory=list, max_length=500)
    attendance: Line = ""


class KeyPointDraft(Input):
    speaker: Line
    participant_id: Id | None = None
    text: Text
    segment_ids: list[Id | None] = Field(default_factory=list, max_length=500)
    sentences: list[Sentence] = Field(default_factory=list, max_length=500)
    round: Line = ""


class SectionDraft(Input):
    title: Line
    headline: Line = ""
    keywords: list[Line] = Field(default_factory=list, max_length=50)
    first_segment_id: Id | None = None
    last_segment_id: Id | None = None
    summary: Text = ""
    summary_sentences: list[Sentence] = Field(default_factory=list, max_length=500)
    key_points: list[KeyPointDraft] = Field(default_factory=list, max_length=500)


class PollDraft(Input):
    question: Line
    counts: dict[str, int] = Field(default_factory=dict)
    votes: int = 0
    passed: bool | None = None
    segment_id: Id | None = None
    source: Literal["live", "transcript", "edited"] = "edited"
    kind: Line = ""
    detail: Text = ""
    winner: Line | None = None


class FindingDraft(Input):
    text: Text
    speaker: Line = ""
    segment_id: Id | None = None
    participant_id: Id | None = None
    unit: Line | None = None


class SpeakerDraft(Input):
    label: Line
    name: Line
    participant_id: Id | None = None
    category: Line = ""
    matched: bool = False
    turns: int = 0
    chars: int = 0


class MinutesDraft(Input):
    """The minutes as drafted and edited; every `segment_id` names a transcript segment."""

    header: HeaderDraft
    summary: Text = ""
    summary_sentences: list[Sentence] = Field(default_factory=list, max_length=500)
    sections: list[SectionDraft] = Field(default_factory=list, max_length=200)
    polls: list[PollDraft] = Field(default_factory=list, max_length=200)
    decisions: list[FindingDraft] = Field(default_factory=list, max_length=500)
    dissent: list[FindingDraft] = Field(default_factory=list, max_length=500)
    actions: list[FindingDraft] = Field(default_factory=list, max_length=500)
    speakers: list[SpeakerDraft] = Field(default_factory=list, max_length=1000)
    unmatched_speakers: list[Line] = Field(default_factory=list, max_length=1000)
    source: dict[str, Any] = Field(default_factory=dict)
    segment_ids: list[Id] = Field(default_factory=list, max_length=100_000)
    themes: list[Line] = Field(default_factory=list, max_length=500)


class RecommendationDraft(Input):
    number: int | None = None
    text: Text
    rationale: Text = ""
    unit: Line | None = None
    segment_id: Id | None = None


class ReportDraft(Input):
    """The recommendation report (协商建议) as drafted and edited."""

    title: Line
    recipient: Line = "党委、政府"
    intro: Text = ""
    items: list[RecommendationDraft] = Field(default_factory=list, max_length=200)
    closing: Text = ""
    signatory: Line = ""
    date: Line = ""


# --- versions -------------------------------------------------------------------------------


class DraftIn(Input):
    note: Note = ""


class ReportDraftIn(Input):
    minutes_version: Id | None = Field(
        default=None, description="The minutes version to draft from; the latest when absent"
    )
    note: Note = ""


class MinutesEditIn(Input):
    draft: MinutesDraft
    note: Note = ""


class ReportEditIn(Input):
    draft: ReportDraft
    note: Note = ""


class VersionSummary(BaseModel):
    number: int
    status: Literal["draft", "signed"]
    note: str
    based_on: int | None = Field(description="For a report: the minutes version it came from")
    author_id: int | None
    author_name: str
    created_at: datetime
    signed_by: int | None
    signed_by_name: str | None
    signed_at: datetime | None


class VersionList(BaseModel):
    items: list[VersionSummary]


class MinutesVersionOut(VersionSummary):
    draft: MinutesDraft


class ReportVersionOut(VersionSummary):
    draft: ReportDraft
