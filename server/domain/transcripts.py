"""A meeting's transcript (发言记录): segments from the floor events, typed, imported or recognised.
Staff and the moderator keep it; speakers are matched to the roster, and unmatched names flagged."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.transcript import (
    MAX_BYTES,
    Participant,
    Segment,
    SpeakerMatch,
    Transcript,
    TranscriptError,
    match_speakers,
    read_transcript,
)
from server import policy
from server.auth import Principal
from server.db.models import Meeting, MeetingParticipant
from server.db.models_records import TranscriptSegment
from server.domain.asr import SpeechRecognizer, choose_engine, find_recording
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting, list_roster
from server.domain.session_record import SessionRecord, Speech, load_record
from server.policy import Target

MAX_SEGMENT_CHARS = 20_000
# An imported turn is linked to one of the next few speeches of its speaker; further than
# that, the file and the record have drifted apart and a link would more likely be wrong.
ALIGN_WINDOW = 3
ImportMode = Literal["replace", "append"]


@dataclass(frozen=True)
class TranscriptView:
    """The segments in order, and the epoch time their `start_s`/`end_s` count from."""

    meeting_id: int
    record_started_at: float | None
    segments: list[TranscriptSegment]

    @property
    def unmatched(self) -> list[str]:
        return list(dict.fromkeys(s.speaker_name for s in self.segments if s.unmatched))


@dataclass(frozen=True)
class ImportResult:
    format: str
    imported: int
    aligned: int
    unmatched: list[str]
    view: TranscriptView


def _now() -> datetime:
    return datetime.now(UTC)


def _person_id(principal: Principal) -> int | None:
    return principal.person.id if principal.person is not None else None


async def editable_meeting(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[Meeting, Principal]:
    """The meeting, when the principal is its moderator or staff (who keep the record)."""
    meeting = await get_meeting(session, meeting_id)
    who = await policy.authorize(session, principal, "transcript.edit", Target(meeting=meeting))
    return meeting, who


async def lock_transcript(session: AsyncSession, meeting_id: int) -> None:
    """Writers of one meeting's transcript go one at a time, until the transaction ends.

    Each reads the segments and then adds to them or renumbers them; two at once (every open
    staff console builds when a speech starts or ends) would add a speech twice. PostgreSQL
    locks the meeting's row; SQLite has one write lock, taken by a write that changes nothing.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())
    else:
        await session.execute(update(Meeting).where(Meeting.id == meeting_id).values(id=Meeting.id))


async def segments_of(session: AsyncSession, meeting_id: int) -> list[TranscriptSegment]:
    rows = await session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.meeting_id == meeting_id)
        .order_by(TranscriptSegment.position, TranscriptSegment.id)
    )
    return list(rows)


async def _view(session: AsyncSession, meeting_id: int, record: SessionRecord) -> TranscriptView:
    return TranscriptView(meeting_id, record.started_at, await segments_of(session, meeting_id))


async def read_transcript_view(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> TranscriptView:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "transcript.read", Target(meeting=meeting))
    return await _view(session, meeting_id, await load_record(session, meeting_id))


# --- from the floor events ------------------------------------------------------------------


async def build_from_record(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[TranscriptView, int]:
    """One segment per speech of the session record, speaker and times filled in, text empty.

    Speeches that already have a segment keep it (and its text and speaker, which staff may
    have corrected); only an end time that was not known yet is filled in. New segments
    go before the first segment of a later speech. Returns the view and how many were added.
    """
    _, who = await editable_meeting(session, principal, meeting_id)
    await lock_transcript(session, meeting_id)
    record = await load_record(session, meeting_id)
    if not record.speeches:
        raise Conflict("会议记录中还没有发言（尚无人获得发言权），无法按发言生成记录段落。")
    roster = {p.id: p for p in await list_roster(session, meeting_id)}
    existing = await segments_of(session, meeting_id)
    have = {s.speech_id: s for s in existing if s.speech_id}
    new: list[TranscriptSegment] = []
    for speech in record.speeches:
        segment = have.get(speech.speech_id)
        if segment is None:
            new.append(_speech_segment(meeting_id, speech, record, roster, who))
        elif segment.end_s is None and speech.ended_at is not None:
            segment.end_s = record.offset(speech.ended_at)
    session.add_all(new)
    _renumber(_merge(existing, new))
    await session.commit()
    return await _view(session, meeting_id, record), len(new)


def _speech_segment(
    meeting_id: int,
    speech: Speech,
    record: SessionRecord,
    roster: Mapping[int, MeetingParticipant],
    who: Principal,
) -> TranscriptSegment:
    person = roster.get(speech.participant_id) if speech.participant_id is not None else None
    return TranscriptSegment(
        meeting_id=meeting_id,
        position=0,
        participant_id=person.id if person else None,
        speaker_name=person.display_name if person else "未知发言人",
        unmatched=person is None,
        start_s=record.offset(speech.started_at),
        end_s=record.offset(speech.ended_at),
        text="",
        source="live",
        speech_id=speech.speech_id,
        agenda_item_id=speech.agenda_item_id,
        updated_at=_now(),
        updated_by=_person_id(who),
    )


def _merge(
    existing: Sequence[TranscriptSegment], new: Sequence[TranscriptSegment]
) -> list[TranscriptSegment]:
    """Puts each new speech segment before the first existing speech segment that starts later;
    segments without a speech stay right after the segment they follow."""
    merged: list[TranscriptSegment] = []
    pending = sorted(new, key=lambda s: s.start_s or 0.0)
    for segment in existing:
        if segment.speech_id is not None and segment.start_s is not None:
            while pending and (pending[0].start_s or 0.0) < segment.start_s:
                merged.append(pending.pop(0))
        merged.append(segment)
    return merged + pending


def _renumber(segments: Sequence[TranscriptSegment]) -> None:
    for position, segment in enumerate(segments):
        segment.position = position


# --- typed by staff -------------------------------------------------------------------------


async def _segment(session: AsyncSession, meeting_id: int, segment_id: int) -> TranscriptSegment:
    segment = await session.get(TranscriptSegment, segment_id)
    if segment is None or segment.meeting_id != meeting_id:
        raise NotFound("发言记录段落不存在")
    return segment


async def _speaker(
    session: AsyncSession, meeting_id: int, participant_id: int | None, name: str | None
) -> tuple[int | None, str, bool]:
    """(participant id, speaker name, unmatched) for a speaker given by roster id or by name."""
    if participant_id is not None:
        person = await session.get(MeetingParticipant, participant_id)
        if person is None or person.meeting_id != meeting_id:
            raise NotFound("该参会人员不在本次会议名单中")
        return person.id, name or person.display_name, False
    if not name:
        raise Invalid("请指定发言人：参会人员编号或姓名")
    roster = await list_roster(session, meeting_id)
    found = [p for p in roster if p.display_name == name]
    if len(found) == 1:
        return found[0].id, name, False
    return None, name, True


async def update_segment(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    segment_id: int,
    changes: Mapping[str, Any],
) -> TranscriptSegment:
    """Saves what staff typed or corrected: the text, the speaker, the times."""
    _, who = await editable_meeting(session, principal, meeting_id)
    segment = await _segment(session, meeting_id, segment_id)
    if "participant_id" in changes or "speaker_name" in changes:
        pid = changes.get("participant_id")
        name = changes.get("speaker_name") or (None if pid is not None else segment.speaker_name)
        segment.participant_id, segment.speaker_name, segment.unmatched = await _speaker(
            session, meeting_id, pid, name
        )
    for key in ("text", "start_s", "end_s"):
        if key in changes:
            setattr(segment, key, changes[key] if key != "text" else changes[key] or "")
    _check_times(segment.start_s, segment.end_s)
    segment.updated_at = _now()
    segment.updated_by = _person_id(who)
    await session.commit()
    return segment


def _check_times(start: float | None, end: float | None) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid("结束时间不能早于开始时间")


async def add_segment(
    session: AsyncSession, principal: Principal | None, meeting_id: int, fields: Mapping[str, Any]
) -> TranscriptSegment:
    """A segment typed by staff that no speech covers (the chair's remarks, an aside), placed
    after `after_id` or at the end."""
    _, who = await editable_meeting(session, principal, meeting_id)
    pid, name, unmatched = await _speaker(
        session, meeting_id, fields.get("participant_id"), fields.get("speaker_name")
    )
    _check_times(fields.get("start_s"), fields.get("end_s"))
    await lock_transcript(session, meeting_id)
    segments = await segments_of(session, meeting_id)
    at = len(segments)
    if fields.get("after_id") is not None:
        after = await _segment(session, meeting_id, int(fields["after_id"]))
        at = segments.index(after) + 1
    segment = TranscriptSegment(
        meeting_id=meeting_id,
        position=0,
        participant_id=pid,
        speaker_name=name,
        unmatched=unmatched,
        start_s=fields.get("start_s"),
        end_s=fields.get("end_s"),
        text=fields.get("text") or "",
        source="live",
        updated_at=_now(),
        updated_by=_person_id(who),
    )
    session.add(segment)
    _renumber([*segments[:at], segment, *segments[at:]])
    await session.commit()
    return segment


async def delete_segment(
    session: AsyncSession, principal: Principal | None, meeting_id: int, segment_id: int
) -> None:
    await editable_meeting(session, principal, meeting_id)
    await lock_transcript(session, meeting_id)
    segment = await _segment(session, meeting_id, segment_id)
    await session.delete(segment)
    _renumber([s for s in await segments_of(session, meeting_id) if s.id != segment_id])
    await session.commit()


# --- imported or recognised -----------------------------------------------------------------


async def import_file(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    data: bytes,
    filename: str,
    *,
    mode: ImportMode = "replace",
) -> ImportResult:
    """Reads a transcript file (text, SRT, WebVTT, DOCX, JSONL) into the meeting's transcript.

    A file that cannot be read is refused with the reason and changes nothing. `replace`
    (the default) puts the file's turns in place of the whole transcript; `append` adds them
    after it."""
    meeting, who = await editable_meeting(session, principal, meeting_id)
    if len(data) > MAX_BYTES:
        raise Invalid(f"文件过大，发言记录文件不能超过 {MAX_BYTES // (1024 * 1024)} MB。")
    try:
        parsed = await anyio.to_thread.run_sync(read_transcript, data, filename)
    except TranscriptError as exc:
        raise Invalid(str(exc)) from None
    return await _store(session, meeting, who, parsed, parsed.format, "import", mode)


async def transcribe_recording(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    engines: Mapping[str, SpeechRecognizer],
    recordings: Path,
    engine: str | None = None,
    recording: str | None = None,
    mode: ImportMode = "replace",
) -> ImportResult:
    """Runs a speech-recognition engine over the meeting's recording (in `recordings`/<id>/)
    and stores its turns as the transcript, as an import would."""
    meeting, who = await editable_meeting(session, principal, meeting_id)
    recognizer = choose_engine(engines, engine)
    path = find_recording(recordings / str(meeting_id), recording)
    hints = [p.display_name for p in await list_roster(session, meeting_id)]
    try:
        turns = await recognizer.transcribe(path, language="zh", hints=hints)
    except ValueError as exc:
        raise Invalid(f"语音识别失败：{exc}") from None
    kept = tuple(
        Segment(t.speaker, t.text.strip(), t.start, t.end) for t in turns if t.text.strip()
    )
    if not kept:
        raise Invalid("语音识别没有得到任何文字，请检查录音文件。")
    return await _store(session, meeting, who, Transcript(kept, "text"), "asr", "asr", mode)


async def _store(
    session: AsyncSession,
    meeting: Meeting,
    who: Principal,
    parsed: Transcript,
    fmt: str,
    source: str,
    mode: ImportMode,
) -> ImportResult:
    await lock_transcript(session, meeting.id)
    roster = await list_roster(session, meeting.id)
    matched = match_roster(parsed, roster)
    record = await load_record(session, meeting.id)
    people = [_participant_of(matched, s.speaker) for s in matched.segments]
    links = align(people, record.speeches)
    kept = [] if mode == "replace" else await segments_of(session, meeting.id)
    if mode == "replace":
        await session.execute(
            delete(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting.id)
        )
    rows = []
    for n, (seg, speech) in enumerate(zip(matched.segments, links, strict=True)):
        match = matched.match_for(seg.speaker)
        rows.append(
            TranscriptSegment(
                meeting_id=meeting.id,
                position=len(kept) + n,
                participant_id=people[n],
                speaker_name=(match.name if match else seg.speaker or "未知发言人")[:64],
                unmatched=people[n] is None,
                start_s=record.offset(speech.started_at) if speech else seg.start,
                end_s=record.offset(speech.ended_at) if speech else seg.end,
                text=seg.text,
                source=source,
                speech_id=speech.speech_id if speech else None,
                agenda_item_id=speech.agenda_item_id if speech else None,
                updated_at=_now(),
                updated_by=_person_id(who),
            )
        )
    session.add_all(rows)
    await session.commit()
    view = await _view(session, meeting.id, record)
    return ImportResult(
        format=fmt,
        imported=len(rows),
        aligned=sum(1 for link in links if link is not None),
        unmatched=matched.unmatched,
        view=view,
    )


_CHAIR_LABELS = {"主持人", "主持", "会议主持人", "主持人发言"}


def match_roster(parsed: Transcript, roster: Sequence[MeetingParticipant]) -> Transcript:
    """Matches the file's speaker labels to the roster; a bare "主持人" is the meeting's one
    moderator when it has exactly one."""
    people = [
        Participant(
            str(p.id), p.display_name, p.category, "主持人" if p.role == "moderator" else ""
        )
        for p in roster
    ]
    matched = match_speakers(parsed, people)
    chairs = [p for p in roster if p.role == "moderator"]
    if len(chairs) != 1:
        return matched
    chair = chairs[0]
    speakers = tuple(
        SpeakerMatch(m.label, str(chair.id), chair.display_name, chair.category)
        if not m.matched and re.sub(r"\s+", "", m.label) in _CHAIR_LABELS
        else m
        for m in matched.speakers
    )
    return replace(matched, speakers=speakers)


def _participant_of(transcript: Transcript, label: str) -> int | None:
    match = transcript.match_for(label)
    return int(match.participant_id) if match and match.participant_id else None


def align(people: Sequence[int | None], speeches: Sequence[Speech]) -> list[Speech | None]:
    """Links imported turns to the record's speeches by speaker, in order.

    A turn goes with the first of the next `ALIGN_WINDOW` speeches of its speaker; a turn
    that continues the previous turn's speech (the same speaker again) shares its speech.
    Turns of people the record never gave the floor (often the chair) stay unlinked."""
    links: list[Speech | None] = []
    cursor = 0
    for n, pid in enumerate(people):
        found: Speech | None = None
        previous = links[-1] if links else None
        if pid is not None and previous is not None and people[n - 1] == pid:
            found = previous
        elif pid is not None:
            for k in range(cursor, min(cursor + ALIGN_WINDOW, len(speeches))):
                if speeches[k].participant_id == pid:
                    found, cursor = speeches[k], k + 1
                    break
        links.append(found)
    return links
