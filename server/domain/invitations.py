"""Invitations (参会通知) to a meeting's roster and their answers: 未读, 已读, 将现场参会,
将线上参会, 不能参会 (with a reason). An answer sets the roster entry's attendance mode.

Sending stores one invitation per roster entry; delivery by e-mail or SMS happens after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Invite, Meeting, MeetingParticipant
from server.db.models_roster import Invitation
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting, issue_link, list_roster, refuse_after_end
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
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    base_url: str,
    key: str,
    ttl_s: int,
) -> Sent:
    """Invite everyone on the roster who has not been invited yet. A guest (no account) is
    invited with an invite link, made now if they have none (a roster copied from an earlier
    meeting); their notice carries it."""
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
    created: list[Invitation] = []
    notices: list[tuple[Invitation, Notice]] = []
    for p in roster:
        if p.id in invited:
            continue
        invitation = Invitation(
            meeting_id=meeting.id,
            participant_id=p.id,
            status="unread",
            sent_at=now,
            delivered="link" if p.person_id is None else "",
        )
        session.add(invitation)
        created.append(invitation)
        link = f"{base_url}/meetings/{meeting.id}"
        if p.person_id is None:
            token, _invite = await issue_link(session, key, p, principal, ttl_s=ttl_s)
            link = f"{base_url}/join/{token}"
        notices.append((invitation, notice_for(meeting, p, link)))
    await session.commit()
    return Sent(created, notices)


@dataclass(frozen=True)
class Resent:
    """One participant's invitation sent again: for a guest a fresh link (the old ones no
    longer open), and the notice to deliver once committed."""

    participant: MeetingParticipant
    invitation: Invitation
    link: tuple[str, Invite] | None
    notice: Notice


async def resend(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    participant_id: int,
    *,
    base_url: str,
    key: str,
    ttl_s: int,
) -> Resent:
    """Send one participant's invitation again, or for the first time."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "invitation.send", Target(meeting=meeting))
    refuse_after_end(meeting, "不能再发送参会通知")
    participant = await session.get(MeetingParticipant, participant_id)
    if participant is None or participant.meeting_id != meeting.id:
        raise NotFound("该人员不在本次会议的参会名单中")
    link = None
    target = f"{base_url}/meetings/{meeting.id}"
    if participant.person_id is None:
        await session.execute(
            update(Invite)
            .where(Invite.participant_id == participant.id, Invite.revoked.is_(False))
            .values(revoked=True)
        )
        link = await issue_link(session, key, participant, principal, ttl_s=ttl_s)
        target = f"{base_url}/join/{link[0]}"
    invitation = await session.scalar(
        select(Invitation).where(Invitation.participant_id == participant.id)
    )
    now = datetime.now(UTC)
    if invitation is None:
        invitation = Invitation(
            meeting_id=meeting.id, participant_id=participant.id, status="unread", sent_at=now
        )
        session.add(invitation)
    invitation.sent_at = now
    await session.commit()
    return Resent(participant, invitation, link, notice_for(meeting, participant, target))


async def guest_opened(session: AsyncSession, participant_id: int) -> None:
    """A guest opened their invite link: their invitation is read (已读) from now on."""
    invitation = await session.scalar(
        select(Invitation).where(Invitation.participant_id == participant_id)
    )
    if invitation is not None and invitation.status == "unread":
        invitation.status = "read"
        await session.commit()


async def guest_notice(
    session: AsyncSession, participant: MeetingParticipant, url: str
) -> tuple[Invitation, Notice] | None:
    """A guest just added with a phone number: their link, to text them once committed."""
    if participant.person_id is not None or not participant.guest_phone:
        return None
    invitation = await session.scalar(
        select(Invitation).where(Invitation.participant_id == participant.id)
    )
    if invitation is None:
        return None
    meeting = await get_meeting(session, participant.meeting_id)
    return invitation, notice_for(meeting, participant, url)


async def record_delivery(
    session: AsyncSession, invitation: Invitation, channels: list[str]
) -> None:
    """Which channels took the invitation: the site (or, for a guest, their link) and any
    e-mail or SMS sent."""
    first = "link" if invitation.delivered.startswith("link") else "site"
    invitation.delivered = ",".join([first, *channels])
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
        raise Invalid("请填写不能参会的原因，便于会议工作人员安排", field="reason")
    invitation.status = status
    invitation.reason = reason if status == "declined" else None
    invitation.answered_at = datetime.now(UTC)
    participant.attendance_mode = status if status in ("in_room", "remote") else None
    await session.commit()
    return meeting, participant, invitation
