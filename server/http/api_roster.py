"""The JSON API of preparing a meeting's people: search, the roster by category, briefing
documents (情况通报) and invitations with their answers."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import Response

from server.db.models import Invite, Meeting
from server.db.models_roster import Briefing, Invitation
from server.domain import briefings, invitations, roster
from server.domain.meetings import get_meeting
from server.domain.stored_files import Download
from server.http import schemas as s
from server.http import schemas_roster as r
from server.http.api import invite_out, meeting_out, participant_out
from server.http.framework import Context, Endpoint
from server.http.uploads import TooLarge, download, read_upload
from server.notify import deliver

MEETING = "/api/meetings/{meeting_id:int}"


def invitation_out(i: Invitation) -> r.InvitationOut:
    return r.InvitationOut(
        status=i.status,
        reason=i.reason,
        sent_at=i.sent_at,
        answered_at=i.answered_at,
        delivered=i.delivered,
    )


def briefing_out(b: Briefing) -> r.BriefingOut:
    return r.BriefingOut(
        id=b.id,
        meeting_id=b.meeting_id,
        filename=b.filename,
        content_type=b.content_type,
        size=b.size,
        uploaded_at=b.uploaded_at,
        url=f"/api/meetings/{b.meeting_id}/briefings/{b.id}",
    )


async def search_people(ctx: Context) -> r.PeopleFound:
    found = await roster.search_people(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.request.query_params.get("q", ""),
    )
    return r.PeopleFound(
        items=[
            r.PersonFound(
                id=f.person.id,
                name=f.person.name,
                category=f.person.category,
                cppcc_level=f.person.cppcc_level,
                org_unit_name=f.org_unit_name,
                on_roster=f.on_roster,
            )
            for f in found
        ]
    )


async def get_roster(ctx: Context) -> r.RosterOut:
    view = await roster.overview(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    entries = [
        r.RosterEntry(
            id=p.id,
            person_id=p.person_id,
            name=p.display_name,
            category=p.category,
            role=p.role,
            attendance_mode=p.attendance_mode,
            org_unit_name=None,
            guest_phone=p.guest_phone if p.person_id is None else None,
            invitation=invitation_out(i) if i is not None else None,
            link=_link(view.links.get(p.id)),
        )
        for p, i in view.entries
    ]
    return r.RosterOut(
        meeting_id=view.meeting.id,
        locked=view.locked,
        entries=entries,
        categories=[r.CategoryCheck.model_validate(c) for c in view.categories],
        summary=r.AttendanceSummary.model_validate(view.summary),
    )


def _link(invite: Invite | None) -> r.GuestLink | None:
    if invite is None:
        return None
    return r.GuestLink(
        invite_id=invite.id,
        expires_at=invite.expires_at,
        revoked=invite.revoked,
        expired=invite.expires_at <= datetime.now(UTC),
    )


async def update_participant(ctx: Context) -> s.ParticipantOut:
    body: r.ParticipantPatch = ctx.body
    row = await roster.update_entry(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("participant_id"),
        body.model_dump(exclude_unset=True),
    )
    return participant_out(row)


async def remove_participant(ctx: Context) -> s.Ok:
    await roster.remove_entry(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), ctx.path_int("participant_id")
    )
    return s.Ok()


async def upload_briefing(ctx: Context) -> r.BriefingOut:
    meeting_id = ctx.path_int("meeting_id")
    # Who asks is checked before a byte of the file is read.
    await briefings.editable_meeting(ctx.session, ctx.principal, meeting_id)
    mb = ctx.settings.briefing_max_mb
    too_big = TooLarge(f"文件过大：每份情况通报材料不能超过 {mb} MB，请压缩或拆分后再上传")
    data = await read_upload(ctx.request, mb * 1024 * 1024, too_big)
    briefing = await briefings.attach(
        ctx.session,
        ctx.principal,
        meeting_id,
        filename=ctx.request.query_params.get("filename", "")[:300],
        data=data,
        data_dir=ctx.settings.data_dir,
    )
    return briefing_out(briefing)


async def topic_out(ctx: Context, meeting: Meeting) -> r.BriefingTopicOut | None:
    material = await briefings.topic_material(ctx.session, meeting)
    if material is None:
        return None
    topic = material.topic
    notice = None
    if topic.noticed_at is not None and topic.meeting_at is not None:
        assert material.days_noticed is not None
        notice = r.BriefingNoticeOut(
            noticed_at=topic.noticed_at,
            meeting_at=topic.meeting_at,
            place=topic.meeting_place,
            form=topic.meeting_form,
            how_to_join=topic.how_to_join,
            days=material.days_noticed,
            required_days=material.notice_days,
        )
    return r.BriefingTopicOut(
        topic_id=topic.id,
        title=topic.title,
        description=topic.description,
        notice=notice,
        research=[
            r.BriefingResearchOut(
                id=item.record.id,
                who=item.record.who,
                place=item.record.place,
                done_on=item.record.done_on,
                findings=item.record.findings,
                attachments=[
                    r.BriefingAttachmentOut(
                        id=a.id,
                        filename=a.filename,
                        content_type=a.content_type,
                        size=a.size,
                        url=f"/api/meetings/{meeting.id}/briefings/research/{a.id}",
                    )
                    for a in item.attachments
                ],
            )
            for item in material.research
        ],
    )


async def list_briefings(ctx: Context) -> r.BriefingList:
    meeting_id = ctx.path_int("meeting_id")
    rows = await briefings.list_briefings(ctx.session, ctx.principal, meeting_id)
    meeting = await get_meeting(ctx.session, meeting_id)
    return r.BriefingList(
        items=[briefing_out(b) for b in rows], topic=await topic_out(ctx, meeting)
    )


def _download(got: Download) -> Response:
    return download(got, "briefing")


async def download_briefing(ctx: Context) -> Response:
    got = await briefings.read_briefing(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("briefing_id"),
        data_dir=ctx.settings.data_dir,
    )
    return _download(got)


async def download_research_file(ctx: Context) -> Response:
    got = await briefings.read_topic_attachment(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("attachment_id"),
        data_dir=ctx.settings.data_dir,
    )
    return _download(got)


async def delete_briefing(ctx: Context) -> s.Ok:
    await briefings.remove_briefing(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("briefing_id"),
        data_dir=ctx.settings.data_dir,
    )
    return s.Ok()


async def send_invitations(ctx: Context) -> r.InvitationsSent:
    base = ctx.public_base()
    sent = await invitations.send(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        base_url=base,
        key=ctx.settings.signing_key(),
        ttl_s=ctx.settings.invite_ttl_s,
    )
    emailed = texted = 0
    for invitation, notice in sent.notices:
        channels = await deliver(ctx.settings, notice)
        emailed += "email" in channels
        texted += "sms" in channels
        await invitations.record_delivery(ctx.session, invitation, channels)
    return r.InvitationsSent(sent=len(sent.created), emailed=emailed, texted=texted)


async def resend_invitation(ctx: Context) -> r.Resent:
    base = ctx.public_base()
    resent = await invitations.resend(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("participant_id"),
        base_url=base,
        key=ctx.settings.signing_key(),
        ttl_s=ctx.settings.invite_ttl_s,
    )
    channels = await deliver(ctx.settings, resent.notice)
    await invitations.record_delivery(ctx.session, resent.invitation, channels)
    return r.Resent(
        invitation=invitation_out(resent.invitation),
        delivered=channels,
        invite=invite_out(ctx, *resent.link) if resent.link is not None else None,
    )


async def my_invitations(ctx: Context) -> r.MyInvitationList:
    rows = await invitations.mine(ctx.session, ctx.principal)
    return r.MyInvitationList(
        items=[_mine(meeting, i.participant_id, i, []) for i, meeting in rows]
    )


def _mine(
    meeting: Meeting,
    participant_id: int,
    invitation: Invitation,
    docs: list[Briefing],
    topic: r.BriefingTopicOut | None = None,
) -> r.MyInvitation:
    return r.MyInvitation(
        meeting=meeting_out(meeting),
        participant_id=participant_id,
        invitation=invitation_out(invitation),
        briefings=[briefing_out(b) for b in docs],
        topic=topic,
    )


async def open_invitation(ctx: Context) -> r.MyInvitation:
    meeting, participant, invitation = await invitations.open_invitation(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    docs = await briefings.briefings_of(ctx.session, meeting.id)
    return _mine(meeting, participant.id, invitation, docs, await topic_out(ctx, meeting))


async def answer_invitation(ctx: Context) -> r.MyInvitation:
    body: r.AnswerIn = ctx.body
    meeting, participant, invitation = await invitations.answer(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        status=body.status,
        reason=body.reason,
    )
    docs = await briefings.briefings_of(ctx.session, meeting.id)
    return _mine(meeting, participant.id, invitation, docs, await topic_out(ctx, meeting))


PARTICIPANT = f"{MEETING}/participants/{{participant_id:int}}"
BRIEFING = f"{MEETING}/briefings/{{briefing_id:int}}"

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        f"{MEETING}/people",
        search_people,
        "按姓名查找可邀请参会的人员（不含联系方式）",
        None,
        r.PeopleFound,
        {"q": "string"},
        permission="roster.search",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/roster",
        get_roster,
        "按类别整理的参会名单、回复情况和出席汇总",
        None,
        r.RosterOut,
        permission="roster.manage",
    ),
    Endpoint(
        "PATCH",
        PARTICIPANT,
        update_participant,
        "修改参会人员的参会方式、身份或来宾电话",
        r.ParticipantPatch,
        s.ParticipantOut,
        permission="roster.update",
    ),
    Endpoint(
        "DELETE",
        PARTICIPANT,
        remove_participant,
        "从参会名单中移除（会议开始前）",
        None,
        s.Ok,
        permission="roster.update",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/briefings",
        upload_briefing,
        "上传情况通报材料（PDF、DOCX、PNG、JPG；文件内容作请求体，?filename= 文件名）",
        None,
        r.BriefingOut,
        {"filename": "string"},
        status=201,
        permission="briefing.upload",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/briefings",
        list_briefings,
        "情况通报材料列表",
        None,
        r.BriefingList,
        permission="briefing.read",
    ),
    Endpoint(
        "GET",
        BRIEFING,
        download_briefing,
        "下载一份情况通报材料",
        permission="briefing.read",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/briefings/research/{{attachment_id:int}}",
        download_research_file,
        "下载会议议题的调研附件（随情况通报材料提供给参会人员）",
        permission="briefing.read",
    ),
    Endpoint(
        "DELETE",
        BRIEFING,
        delete_briefing,
        "删除一份情况通报材料",
        None,
        s.Ok,
        permission="briefing.upload",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/invitations",
        send_invitations,
        "向名单中尚未通知的人员发送参会通知",
        None,
        r.InvitationsSent,
        permission="invitation.send",
    ),
    Endpoint(
        "POST",
        f"{PARTICIPANT}/invitation",
        resend_invitation,
        "再次发送一位参会人员的参会通知（来宾：换一个新的邀请链接，旧链接随即失效）",
        None,
        r.Resent,
        permission="invitation.send",
    ),
    Endpoint(
        "GET",
        "/api/me/invitations",
        my_invitations,
        "我收到的参会通知",
        None,
        r.MyInvitationList,
        permission="invitation.mine",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/invitation",
        open_invitation,
        "查看我在本次会议的参会通知和情况通报材料（首次查看记为已读）",
        None,
        r.MyInvitation,
        permission="invitation.answer",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/invitation",
        answer_invitation,
        "回复参会通知：将现场参会、将线上参会或不能参会（须说明原因）",
        r.AnswerIn,
        r.MyInvitation,
        permission="invitation.answer",
    ),
]
