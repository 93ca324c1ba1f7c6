"""Invitations (参会通知) to a meeting's roster and their answers: 未读, 已读, 将现场参会,
将线上参会, 不能参会 (with a reason). An answer sets the roster entry's attendance mode.

Sending stores one invitation per roster entry; delivery by e-mail or SMS happens after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting, MeetingParticipant
from server.db.models_roster import Invitation
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting, list_roster
from server.notify import Notice
from server.policy import Target, meeting_participant

ANSWERS = {"in_room": "将现场参会", "remote": "将线上参会", "declined": "不能参会"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Sent:
    """Invitations stored by one send, and the notices to deliver once committed."""

    created: list[Invitation]
    notices: list[tuple[Invitation, Notice]]


def notice_for(meeting: Meeting, participant: MeetingParticipant, link: str) -> Notice:
    when = meeting.starts_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
    person = participant.person
    return Notice(
        name=participant.display_name,
        email=person.email if person is not None else None,
        phone=person.phone if person is not None else participant.guest_phone,
        subject=f"参会通知：{meeting.title}",
        text=(
            f"{participant.display_name}您好：{meeting.room.name}定于{when}在{meeting.place}"
            f"召开「{meeting.title}」，议题为「{meeting.topic_title}」。"
            f"请查看情况通报材料并回复是否参会：{link}"
        ),
    )


async def send(
    session: AsyncSession, principal: Principal | None, meeting_id: int, *, base_url: str
) -> Sent:
    """Invite everyone on the roster who has not been invited yet."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "invitation.send", Target(meeting=meeting))
    if meeting.status == "ended":
        raise Conflict("会议已结束，不能再发送参会通知")
    roster = await list_roster(session, meeting.id)
    if not roster:
        raise Invalid("参会名单还是空的，请先添加参会人员再发送通知")
    invited = set(
        await session.scalars(
            select(Invitation.participant_id).where(Invitation.meeting_id == meeting.id)
        )
    )
    now = datetime.now(UTC)
    created = [
        Invitation(meeting_id=meeting.id, participant_id=p.id, status="unread", sent_at=now)
        for p in roster
        if p.id not in invited
    ]
    session.add_all(created)
    await session.commit()
    by_id = {p.id: p for p in roster}
    link = f"{base_url}/meetings/{meeting.id}"
    notices = [(i, notice_for(meeting, by_id[i.participant_id], link)) for i in created]
    return Sent(created, notices)


async def record_delivery(
    session: AsyncSession, invitation: Invitation, channels: list[str]
) -> None:
    invitation.delivered = ",".join(["site", *channels])
    await session.commit()


async def mine(
    session: AsyncSession, principal: Principal | None
) -> list[tuple[Invitation, Meeting]]:
    """The caller's invitations to meetings not yet ended, the next meeting first."""
    who = await policy.authorize(session, principal, "invitation.mine")
    assert who.person is not None
    rows = await session.execute(
        select(Invitation, Meeting)
        .join(MeetingParticipant, Invitation.participant_id == MeetingParticipant.id)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(MeetingParticipant.person_id == who.person.id, Meeting.status != "ended")
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(rows.tuples().all())


async def _own(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[Meeting, MeetingParticipant, Invitation]:
    meeting = await get_meeting(session, meeting_id)
    who = await policy.authorize(session, principal, "invitation.answer", Target(meeting=meeting))
    participant = await meeting_participant(session, who, meeting)
    invitation = (
        await session.scalar(select(Invitation).where(Invitation.participant_id == participant.id))
        if participant is not None
        else None
    )
    if participant is None or invitation is None:
        raise NotFound("您还没有收到本次会议的参会通知")
    return meeting, participant, invitation


async def open_invitation(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[Meeting, MeetingParticipant, Invitation]:
    """The caller's invitation to the meeting, marked read the first time it is opened."""
    meeting, participant, invitation = await _own(session, principal, meeting_id)
    if invitation.status == "unread":
        invitation.status = "read"
        await session.commit()
    return meeting, participant, invitation


async def answer(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    status: str,
    reason: str | None,
) -> tuple[Meeting, MeetingParticipant, Invitation]:
    """Record the caller's answer; it sets their attendance mode on the roster."""
    meeting, participant, invitation = await _own(session, principal, meeting_id)
    if meeting.status != "scheduled":
        raise Conflict("会议已经开始或结束，不能再回复参会通知；如有变化请直接联系会议工作人员")
    reason = (reason or "").strip() or None
    if status == "declined" and reason is None:
        raise Invalid("请填写不能参会的原因，便于会议工作人员安排")
    invitation.status = status
    invitation.reason = reason if status == "declined" else None
    invitation.answered_at = datetime.now(UTC)
    participant.attendance_mode = status if status in ("in_room", "remote") else None
    await session.commit()
    return meeting, participant, invitation
