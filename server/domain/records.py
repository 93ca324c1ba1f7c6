"""Minutes (会议纪要) and the recommendation report (协商建议) of a meeting: drafting, versions,
sign-off and export. Staff and the moderator draft and edit; only the moderator signs off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import anyio
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.minutes import (
    Attendee,
    MeetingInfo,
    Placement,
    draft_minutes,
    draft_recommendations,
)
from nlp.transcript import Segment, SpeakerMatch, Transcript
from server import policy
from server.auth import Principal
from server.db.models import Meeting, MeetingParticipant
from server.db.models_records import RecordVersion, TranscriptSegment
from server.db.models_roster import Invitation
from server.db.models_suggestions import ON_BOARD, Suggestion, SuggestionTheme
from server.documents.minutes_docx import render_minutes_docx, render_report_docx
from server.documents.minutes_markdown import render_minutes_markdown, render_report_markdown
from server.documents.pdf import PdfConverter
from server.domain import audit, drafts
from server.domain.errors import Conflict, Forbidden, NotFound
from server.domain.meetings import get_meeting, list_roster, report_settings_of
from server.domain.session_record import SessionRecord, load_record
from server.domain.transcripts import editable_meeting, segments_of
from server.policy import MEETING_EDITORS, Target, meeting_role

Kind = Literal["minutes", "recommendations"]
Format = Literal["docx", "md", "pdf"]
KIND_NAMES = {"minutes": "会议纪要", "recommendations": "协商建议"}
# Dates and times in the minutes are Beijing time (no daylight saving since 1991).
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


def _now() -> datetime:
    return datetime.now(UTC)


# --- who may see what -----------------------------------------------------------------------


async def _reader(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[Meeting, bool]:
    """The meeting and whether the principal may see drafts (editors) or signed versions only."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "record.read", Target(meeting=meeting))
    return meeting, await meeting_role(session, principal, meeting) in MEETING_EDITORS


async def list_versions(
    session: AsyncSession, principal: Principal | None, meeting_id: int, kind: Kind
) -> list[RecordVersion]:
    """Every version for editors; only signed ones for participants."""
    _, editor = await _reader(session, principal, meeting_id)
    query = select(RecordVersion).where(
        RecordVersion.meeting_id == meeting_id, RecordVersion.kind == kind
    )
    if not editor:
        query = query.where(RecordVersion.status == "signed")
    return list(await session.scalars(query.order_by(RecordVersion.number)))


async def get_version(
    session: AsyncSession, principal: Principal | None, meeting_id: int, kind: Kind, number: int
) -> RecordVersion:
    _, editor = await _reader(session, principal, meeting_id)
    version = await _version(session, meeting_id, kind, number)
    if not editor and version.status != "signed":
        raise Forbidden(f"{KIND_NAMES[kind]}尚未经主持人签发，参会人员暂不能查看")
    return version


async def _version(
    session: AsyncSession, meeting_id: int, kind: Kind, number: int
) -> RecordVersion:
    version = await session.scalar(
        select(RecordVersion).where(
            RecordVersion.meeting_id == meeting_id,
            RecordVersion.kind == kind,
            RecordVersion.number == number,
        )
    )
    if version is None:
        raise NotFound(f"{KIND_NAMES[kind]}第 {number} 版不存在")
    return version


async def _latest(session: AsyncSession, meeting_id: int, kind: Kind) -> RecordVersion:
    version = await session.scalar(
        select(RecordVersion)
        .where(RecordVersion.meeting_id == meeting_id, RecordVersion.kind == kind)
        .order_by(RecordVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise Conflict(f"还没有{KIND_NAMES[kind]}，请先起草")
    return version


async def _save(
    session: AsyncSession,
    meeting_id: int,
    kind: Kind,
    who: Principal,
    draft: dict[str, Any],
    note: str,
    based_on: int | None = None,
) -> RecordVersion:
    """Stores the next version; two editors saving at once get distinct numbers or a refusal."""
    last = await session.scalar(
        select(func.max(RecordVersion.number)).where(
            RecordVersion.meeting_id == meeting_id, RecordVersion.kind == kind
        )
    )
    version = RecordVersion(
        meeting_id=meeting_id,
        kind=kind,
        number=(last or 0) + 1,
        draft=draft,
        note=note,
        based_on=based_on,
        author_id=who.person.id if who.person else None,
        author_name=who.name,
        created_at=_now(),
        status="draft",
    )
    session.add(version)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict("其他人刚刚保存了新版本，请刷新后再保存") from None
    return version


# --- drafting -------------------------------------------------------------------------------


async def draft_minutes_version(
    session: AsyncSession, principal: Principal | None, meeting_id: int, note: str = ""
) -> RecordVersion:
    """Drafts the minutes from the transcript and the session record, as a new version."""
    meeting, who = await editable_meeting(session, principal, meeting_id)
    segments = [s for s in await segments_of(session, meeting_id) if s.text.strip()]
    if not segments:
        raise Conflict("发言记录还是空的：请先录入或导入发言记录，再起草会议纪要。")
    roster = await list_roster(session, meeting_id)
    record = await load_record(session, meeting_id)
    info = meeting_info(meeting, roster, record, who.name, await _on_leave(session, meeting_id))
    info = replace(
        info,
        placements=placements(meeting, record, segments),
        speeches=len(record.speeches),
        themes=await suggestion_themes(session, meeting_id),
    )
    transcript = transcript_of(segments, {p.id: p.category for p in roster})
    ids = [s.id for s in segments]
    sources = {
        "origins": sorted({s.source for s in segments}),
        "attendance": "record" if record.held else "roster",
    }

    def work() -> dict[str, Any]:
        minutes = draft_minutes(transcript, info, record.polls)
        return drafts.minutes_to_json(minutes, ids, [s.text for s in segments], sources)

    draft = await anyio.to_thread.run_sync(work)
    return await _save(session, meeting_id, "minutes", who, draft, note or "自动起草")


def placements(
    meeting: Meeting, record: SessionRecord, segments: Sequence[TranscriptSegment]
) -> tuple[Placement | None, ...]:
    """Where each segment was spoken: the item and round of its speech in the record (None for
    a segment linked to no speech, or when the meeting never ran live)."""
    if not record.held:
        return ()
    items = {item.id: item for item in meeting.agenda}
    rounds = {r.id: r for item in meeting.agenda for r in item.rounds}
    out: list[Placement | None] = []
    for segment in segments:
        speech = record.speech(segment.speech_id)
        item = items.get(speech.agenda_item_id) if speech and speech.agenda_item_id else None
        if speech is None or item is None:
            out.append(None)
            continue
        spoken_in = rounds.get(speech.round_id) if speech.round_id is not None else None
        out.append(
            Placement(
                item=item.title,
                round=spoken_in.title if spoken_in is not None else "",
                round_kind=spoken_in.kind if spoken_in is not None else "",
            )
        )
    return tuple(out) if any(p is not None for p in out) else ()


async def suggestion_themes(session: AsyncSession, meeting_id: int) -> tuple[tuple[str, int], ...]:
    """The meeting's suggestion themes as staff see them on the board (name, else label), with
    how many suggestions each holds, largest first; suggestions in no theme are 待归类."""
    rows = await session.execute(
        select(SuggestionTheme.name, SuggestionTheme.label, func.count(Suggestion.id))
        .join(Suggestion, Suggestion.theme_id == SuggestionTheme.id)
        .where(SuggestionTheme.meeting_id == meeting_id, Suggestion.moderation.in_(ON_BOARD))
        .group_by(SuggestionTheme.id, SuggestionTheme.name, SuggestionTheme.label)
    )
    themes = [((name or label), int(n)) for name, label, n in rows if n]
    loose = await session.scalar(
        select(func.count(Suggestion.id)).where(
            Suggestion.meeting_id == meeting_id,
            Suggestion.theme_id.is_(None),
            Suggestion.moderation.in_(ON_BOARD),
        )
    )
    if loose:
        themes.append(("待归类", int(loose)))
    return tuple(sorted(themes, key=lambda t: -t[1]))


async def _on_leave(session: AsyncSession, meeting_id: int) -> dict[int, str]:
    """Roster id → reason, for those who declined the invitation (请假)."""
    rows = await session.execute(
        select(Invitation.participant_id, Invitation.reason).where(
            Invitation.meeting_id == meeting_id, Invitation.status == "declined"
        )
    )
    return {pid: reason or "请假" for pid, reason in rows}


def transcript_of(
    segments: Sequence[TranscriptSegment], categories: Mapping[int, str]
) -> Transcript:
    """The stored segments as nlp's transcript, speakers already matched to the roster.

    A label is the speaker's name; two roster people of one name get their id added so that
    the drafter never merges them."""
    names: dict[str, set[int | None]] = {}
    for s in segments:
        names.setdefault(s.speaker_name, set()).add(s.participant_id)

    def label(s: TranscriptSegment) -> str:
        shared = len(names[s.speaker_name]) > 1
        return f"{s.speaker_name}#{s.participant_id}" if shared else s.speaker_name

    turns = tuple(Segment(label(s), s.text, s.start_s, s.end_s) for s in segments)
    speakers: dict[str, SpeakerMatch] = {}
    for s in segments:
        speakers.setdefault(
            label(s),
            SpeakerMatch(
                label(s),
                str(s.participant_id) if s.participant_id is not None else None,
                s.speaker_name,
                categories.get(s.participant_id, "") if s.participant_id is not None else "",
            ),
        )
    return Transcript(turns, "text", tuple(speakers.values()))


def meeting_info(
    meeting: Meeting,
    roster: Sequence[MeetingParticipant],
    record: SessionRecord,
    drafter: str,
    on_leave: Mapping[int, str] | None = None,
) -> MeetingInfo:
    """The header facts the server knows: when, where, who chaired, who attended by category.

    For a meeting that ran live, the date and times are when it opened and closed, and
    attendance is the check-ins (in the room or remote): nobody who never checked in is
    present; those who declined the invitation are absent with leave (`on_leave`: roster id
    → reason). A meeting that never ran live shows its schedule and its whole roster as
    present, and the draft says so (`source.attendance`)."""
    on_leave = on_leave or {}
    people = [p for p in roster if p.role != "staff"]

    def status(p: MeetingParticipant) -> tuple[str, str]:
        if not record.held:
            return "present", ""
        mode = record.attendance.get(p.id)
        if mode is not None:
            return "present", mode
        return ("leave", on_leave[p.id]) if p.id in on_leave else ("absent", "")

    attendees = []
    for p in people:
        state, detail = status(p)
        attendees.append(
            Attendee(
                name=p.display_name,
                category=p.category,
                status=state,
                mode=detail if state == "present" else "",
                reason=detail if state == "leave" else "",
                is_moderator=p.role == "moderator",
            )
        )
    recorders = [p.display_name for p in roster if p.role == "staff"]
    chairs = [p.display_name for p in roster if p.role == "moderator"]
    opened = _moment(record.opened_at) if record.held else meeting.starts_at
    closed = _moment(record.closed_at) if record.held else meeting.ends_at
    local = (opened or meeting.starts_at).astimezone(BEIJING)
    time = f"{local:%H:%M}"
    if closed is not None:
        time += f"—{closed.astimezone(BEIJING):%H:%M}"
    report = report_settings_of(meeting)
    return MeetingInfo(
        title=f"{meeting.title}纪要",
        number=str(report.get("number") or ""),
        date=f"{local.year}年{local.month}月{local.day}日",
        time=time,
        place=meeting.place,
        moderator="、".join(chairs),
        recorder="、".join(recorders) or drafter,
        topic=meeting.topic_title,
        organiser=str(report.get("organ") or meeting.room.name),
        recipient=str(report.get("recipient") or ""),
        agenda=tuple(item.title for item in meeting.agenda),
        attendees=tuple(attendees),
    )


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def recipient_of(meeting: Meeting) -> str:
    """主送 when the meeting's settings name none: the party committee and government of the
    room's own level (a township's, a street's, a village's or community's)."""
    unit = meeting.room.org_unit
    name = unit.name if unit is not None else ""
    if not name:
        return "党委、政府"
    if meeting.room.level == "village" or unit.level == "village":
        return f"{name}党组织、{name}村（居）民委员会"
    if name.endswith("街道"):
        return f"中共{name}工作委员会、{name}办事处"
    return f"中共{name}委员会、{name}人民政府"


async def draft_report_version(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    minutes_number: int | None = None,
    note: str = "",
) -> RecordVersion:
    """Drafts the recommendation report from a minutes version (the latest by default)."""
    meeting, who = await editable_meeting(session, principal, meeting_id)
    minutes_version = (
        await _version(session, meeting_id, "minutes", minutes_number)
        if minutes_number is not None
        else await _latest(session, meeting_id, "minutes")
    )
    stored = minutes_version.draft
    report = report_settings_of(meeting)
    info = MeetingInfo(
        organiser=report["organ"] or meeting.room.name,
        recipient=report["recipient"] or recipient_of(meeting),
    )

    def work() -> dict[str, Any]:
        report = draft_recommendations(drafts.minutes_from_json(stored), info)
        return drafts.report_to_json(report, stored.get("segment_ids") or [])

    draft = await anyio.to_thread.run_sync(work)
    return await _save(
        session,
        meeting_id,
        "recommendations",
        who,
        draft,
        note or f"由会议纪要第 {minutes_version.number} 版起草",
        based_on=minutes_version.number,
    )


# --- editing and sign-off -------------------------------------------------------------------


async def save_edited(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    kind: Kind,
    number: int,
    draft: Mapping[str, Any],
    note: str = "",
) -> RecordVersion:
    """An edit of version `number`, saved as the next version (the old one is kept)."""
    _, who = await editable_meeting(session, principal, meeting_id)
    base = await _version(session, meeting_id, kind, number)
    return await _save(
        session,
        meeting_id,
        kind,
        who,
        dict(draft),
        note or f"修改自第 {number} 版",
        based_on=base.based_on if kind == "recommendations" else None,
    )


async def sign(
    session: AsyncSession, principal: Principal | None, meeting_id: int, kind: Kind, number: int
) -> RecordVersion:
    """The moderator signs a version off (签发); a signed version stays signed."""
    meeting = await get_meeting(session, meeting_id)
    who = await policy.authorize(session, principal, "record.sign", Target(meeting=meeting))
    version = await _version(session, meeting_id, kind, number)
    if version.status == "signed":
        raise Conflict(f"{KIND_NAMES[kind]}第 {number} 版已于此前签发")
    version.status = "signed"
    version.signed_by = who.person.id if who.person else None
    version.signed_by_name = who.name
    version.signed_at = _now()
    await audit.record(
        session, who, "record.sign", "meeting", meeting_id, kind=kind, version=number
    )
    await session.commit()
    return version


# --- export ---------------------------------------------------------------------------------


async def render(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    kind: Kind,
    number: int,
    fmt: Format,
    pdf: PdfConverter | None = None,
) -> Rendered:
    """A version as a DOCX (GB/T 9704 layout), its PDF (by LibreOffice) or a Markdown file."""
    version = await get_version(session, principal, meeting_id, kind, number)
    stored = version.draft

    def docx() -> bytes:
        if kind == "minutes":
            return render_minutes_docx(drafts.minutes_from_json(stored))
        return render_report_docx(drafts.report_from_json(stored))

    def work() -> bytes:
        if fmt == "docx":
            return docx()
        if fmt == "pdf":
            return (pdf or PdfConverter()).convert(docx())
        if kind == "minutes":
            return render_minutes_markdown(drafts.minutes_from_json(stored)).encode()
        return render_report_markdown(drafts.report_from_json(stored)).encode()

    # Rendering is CPU work and the PDF a LibreOffice run of seconds: both off the event loop.
    content = await anyio.to_thread.run_sync(work)
    name = f"{KIND_NAMES[kind]}-会议{meeting_id}-第{number}版.{fmt}"
    return Rendered(content, MEDIA_TYPES[fmt], name)


MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
}
