"""Moderation of public input beyond proposals: suggestions held for a listed word, reports of
abuse from anyone who can see an item, and the staff's decisions on both, each in the audit log.

Held proposals are decided in server.domain.topic_calls (`moderate`); this module owns the rest
of the queue (held public comments: server.domain.public_comments). A report names a topic, a
suggestion or a public comment; who may report is whoever may see it: anyone for a topic on
/public (under notice, or on an open vote's or questionnaire's shortlist) and for a comment
shown there, the topic's readers otherwise, and for a suggestion the meeting's roster (who see
its board).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting, Room
from server.db.models_screening import PublicComment
from server.db.models_suggestions import Suggestion
from server.db.models_topics import AbuseReport, Topic, TopicCall
from server.domain import audit, public_comments
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.suggestions import place_released
from server.domain.theme_store import lock_board_row, registry_for
from server.domain.topic_calls import held_words
from server.domain.topics import record_step
from server.policy import Target

REPORT_TARGETS = ("topic", "suggestion", "comment")
MAX_REASON_CHARS = 500
PUBLIC_NAME = "公众"


@dataclass(frozen=True)
class Decided:
    """A moderation decision; `notice` is the live event to broadcast after the commit."""

    report: AbuseReport | None = None
    suggestion: Suggestion | None = None
    notice: dict[str, Any] | None = None


# -- who can see what -------------------------------------------------------------------------


async def _publicly_shown(session: AsyncSession, topic: Topic) -> bool:
    if topic.moderation == "removed":
        return False
    if topic.status in ("noticed", "researched") and topic.noticed_at is not None:
        return True
    now = datetime.now(UTC)
    calls = await session.scalars(
        select(TopicCall).where(
            TopicCall.room_id == topic.room_id,
            TopicCall.kind.in_(("vote", "questionnaire")),
            TopicCall.deadline > now,
        )
    )
    return any(topic.id in call.topic_ids for call in calls)


async def _reported_item(
    session: AsyncSession, principal: Principal | None, target_type: str, target_id: int
) -> tuple[int, Topic | Suggestion | PublicComment]:
    """The item and its room, if the caller can see it; a hidden item is not found."""
    missing = NotFound("找不到要举报的内容，可能已被删除", field="target_id")
    if target_type == "topic":
        topic = await session.get(Topic, target_id)
        if topic is None:
            raise missing
        if not await _publicly_shown(session, topic) and not await policy.allows(
            session, principal, "topic.read", Target(room_id=topic.room_id)
        ):
            raise missing
        return topic.room_id, topic
    if target_type == "suggestion":
        suggestion = await session.get(Suggestion, target_id)
        if suggestion is None or suggestion.moderation not in ("clear", "released"):
            raise missing
        meeting = await session.get(Meeting, suggestion.meeting_id)
        assert meeting is not None
        # Suggestions are shown to the meeting's roster (server.domain.suggestions), not to a
        # resident who only wrote to it.
        if (
            not await policy.allows(session, principal, "suggestion.read", Target(meeting=meeting))
            or await policy.meeting_role(session, principal, meeting) is None
        ):
            raise missing
        return meeting.room_id, suggestion
    if target_type == "comment":
        comment = await session.get(PublicComment, target_id)
        if comment is None or comment.moderation not in public_comments.SHOWN:
            raise missing
        topic = await session.get(Topic, comment.topic_id)
        assert topic is not None
        if not public_comments.under_notice(topic) and not await policy.allows(
            session, principal, "topic.read", Target(room_id=topic.room_id)
        ):
            raise missing
        return topic.room_id, comment
    raise Invalid(
        "只能举报议题（topic）、意见建议（suggestion）或留言（comment）", field="target_type"
    )


# -- reporting ------------------------------------------------------------------------------------


async def report(
    session: AsyncSession,
    principal: Principal | None,
    *,
    target_type: str,
    target_id: int,
    reason: str,
) -> AbuseReport:
    """File a report of abuse on an item the caller can see; it waits in the moderation queue
    of the item's room. The same person reporting the same item again while their first
    report waits is refused, politely (the public, who have no name, are limited per address)."""
    # Open to anyone (the public included); who may see the item is checked below.
    assert policy.permission("report.create").anyone
    text = reason.strip()
    if not text:
        raise Invalid("请写明举报理由，例如含有辱骂、广告或泄露他人隐私", field="reason")
    if len(text) > MAX_REASON_CHARS:
        raise Invalid(f"举报理由最多 {MAX_REASON_CHARS} 字", field="reason")
    room_id, _ = await _reported_item(session, principal, target_type, target_id)
    person = principal.person if principal is not None else None
    if person is not None:
        known = await session.scalar(
            select(AbuseReport).where(
                AbuseReport.target_type == target_type,
                AbuseReport.target_id == target_id,
                AbuseReport.reporter_id == person.id,
                AbuseReport.status == "open",
            )
        )
        if known is not None:
            raise Conflict("您已经举报过这条内容，工作人员会尽快处理，无需重复举报")
    row = AbuseReport(
        target_type=target_type,
        target_id=target_id,
        room_id=room_id,
        reason=text,
        reporter_id=person.id if person is not None else None,
        reporter_name=(person.name if person is not None else PUBLIC_NAME)[:64],
        at=datetime.now(UTC),
        status="open",
        decision_note="",
    )
    session.add(row)
    await session.commit()
    return row


# -- the queue ------------------------------------------------------------------------------------


async def _decides(session: AsyncSession, principal: Principal | None, room_id: int) -> bool:
    return await policy.allows(session, principal, "moderation.decide", Target(room_id=room_id))


@dataclass(frozen=True)
class Held:
    """A held suggestion and why: the listed words it contains (as the list is now) and
    whether its room holds every suggestion anyway."""

    suggestion: Suggestion
    words: list[str]
    premoderated: bool


async def held_suggestions(session: AsyncSession, principal: Principal | None) -> list[Held]:
    """Suggestions held for a listed word or by the room's pre-moderation, in the rooms the
    caller moderates, oldest first."""
    rows = await session.execute(
        select(Suggestion, Meeting.room_id, Room.premoderate)
        .join(Meeting, Meeting.id == Suggestion.meeting_id)
        .join(Room, Room.id == Meeting.room_id)
        .where(Suggestion.moderation == "held")
        .order_by(Suggestion.id)
    )
    return [
        Held(s, await held_words(session, s.text), premoderated)
        for s, room_id, premoderated in rows.all()
        if await _decides(session, principal, room_id)
    ]


async def open_reports(session: AsyncSession, principal: Principal | None) -> list[AbuseReport]:
    """Reports waiting for a decision in the rooms the caller moderates, oldest first."""
    rows = await session.scalars(
        select(AbuseReport).where(AbuseReport.status == "open").order_by(AbuseReport.id)
    )
    return [r for r in rows if await _decides(session, principal, r.room_id)]


async def reported_text(session: AsyncSession, row: AbuseReport) -> str:
    """What the reported item says (its title for a topic), for the moderator to judge."""
    if row.target_type == "topic":
        topic = await session.get(Topic, row.target_id)
        return topic.title if topic is not None else ""
    if row.target_type == "comment":
        comment = await session.get(PublicComment, row.target_id)
        return comment.text if comment is not None else ""
    suggestion = await session.get(Suggestion, row.target_id)
    return suggestion.text if suggestion is not None else ""


# -- decisions ------------------------------------------------------------------------------------


def _why(reason: str, what: str) -> str:
    text = reason.strip()
    if not text:
        raise Invalid(f"请写明{what}的理由", field="reason")
    return text


async def _suggestion_room(session: AsyncSession, suggestion: Suggestion) -> int:
    meeting = await session.get(Meeting, suggestion.meeting_id)
    assert meeting is not None
    return meeting.room_id


async def moderate_suggestion(
    session: AsyncSession,
    principal: Principal | None,
    suggestion_id: int,
    *,
    decision: str,
    reason: str = "",
) -> Decided:
    """Release a held suggestion onto its meeting's board (announced as if just written), or
    remove it (kept for the record, shown to nobody but its author)."""
    suggestion = await session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound("找不到这条意见建议")
    room_id = await _suggestion_room(session, suggestion)
    who = await policy.authorize(session, principal, "moderation.decide", Target(room_id=room_id))
    if suggestion.moderation != "held":
        raise Conflict("这条意见建议不在审核队列中")
    if decision == "release":
        await audit.record(
            session, who, "suggestion.release", "suggestion", suggestion.id, reason=reason.strip()
        )
        placed = await place_released(session, suggestion)
        return Decided(suggestion=suggestion, notice=placed.notice)
    if decision == "remove":
        text = _why(reason, "不予展示")
        suggestion.moderation = "removed"
        await audit.record(
            session, who, "suggestion.remove", "suggestion", suggestion.id, reason=text
        )
        await session.commit()
        return Decided(suggestion=suggestion)
    raise Invalid("审核结果只能是通过（release）或不通过（remove）", field="decision")


async def _take_down(session: AsyncSession, row: AbuseReport, who: Principal, note: str) -> None:
    """Hide the reported item: a topic or a comment leaves /public, a suggestion leaves its
    meeting's board (every worker rebuilds the board without it)."""
    if row.target_type == "topic":
        topic = await session.get(Topic, row.target_id)
        if topic is not None:
            topic.moderation = "removed"
            await record_step(session, topic.id, "moderated", who, f"举报属实，撤下：{note}")
        return
    if row.target_type == "comment":
        comment = await session.get(PublicComment, row.target_id)
        if comment is not None:
            comment.moderation = "removed"
        return
    suggestion = await session.get(Suggestion, row.target_id)
    if suggestion is None or suggestion.moderation == "removed":
        return
    board = await lock_board_row(session, suggestion.meeting_id)
    suggestion.moderation = "removed"
    suggestion.theme_id = None
    board.layout_revision += 1
    board.revision += 1
    registry_for(session).drop(suggestion.meeting_id)


async def decide_report(
    session: AsyncSession,
    principal: Principal | None,
    report_id: int,
    *,
    decision: str,
    reason: str,
) -> Decided:
    """Uphold a report (the item is taken down) or dismiss it; either way with a reason,
    in the audit log."""
    row = await session.get(AbuseReport, report_id)
    if row is None:
        raise NotFound("找不到这条举报")
    who = await policy.authorize(
        session, principal, "moderation.decide", Target(room_id=row.room_id)
    )
    if row.status != "open":
        raise Conflict("这条举报已经处理过了")
    if decision not in ("uphold", "dismiss"):
        raise Invalid("处理结果只能是属实撤下（uphold）或不予采纳（dismiss）", field="decision")
    text = _why(reason, "处理举报")
    assert who.person is not None
    if decision == "uphold":
        await _take_down(session, row, who, text)
    row.status = "upheld" if decision == "uphold" else "dismissed"
    row.decided_by = who.person.id
    row.decided_at = datetime.now(UTC)
    row.decision_note = text
    await audit.record(
        session,
        who,
        f"report.{decision}",
        row.target_type,
        row.target_id,
        report_id=row.id,
        reason=text,
    )
    await session.commit()
    return Decided(report=row)
