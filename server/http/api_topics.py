"""The JSON API of topics (议题) before the meeting, and of the public portal (/public) that
needs no account: open calls, proposals, screening votes and notices."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import anyio.to_thread
from sqlalchemy import select
from starlette.responses import Response

from nlp.dedupe import find_duplicates
from server.db.models import Meeting, Room
from server.db.models_screening import TopicHearing
from server.db.models_topics import Topic, TopicAttachment, TopicCall
from server.domain import (
    hearings,
    moderation,
    outcomes,
    public_comments,
    public_guard,
    topic_calls,
    topic_files,
    topics,
)
from server.http import schemas_screening as sc
from server.http import schemas_topics as t
from server.http.api_suggestions import announce
from server.http.framework import Context, Endpoint
from server.http.schemas import ChallengeIn
from server.http.uploads import TooLarge, download, read_upload

TOPIC = "/api/topics/{topic_id:int}"


def _client(ctx: Context) -> str:
    return ctx.request.client.host if ctx.request.client else "unknown"


# -- the public portal ---------------------------------------------------------------------


async def _shortlist(ctx: Context, call: TopicCall) -> list[t.ShortlistItem]:
    # A questionnaire's tallies are for the room's staff (api_screening), not the public.
    counts = await topic_calls.tally(ctx.session, call.id) if call.kind == "vote" else {}
    return [
        t.ShortlistItem(topic_id=row.id, title=row.title, votes=counts.get(row.id, 0))
        for row in await topic_calls.shortlist_titles(ctx.session, call)
    ]


async def _call_out(ctx: Context, call: TopicCall) -> t.CallOut:
    shortlist = await _shortlist(ctx, call) if call.kind != "proposals" else []
    return t.CallOut(
        call_id=call.id,
        room_id=call.room_id,
        room=call.room.name,
        kind=call.kind,
        title=call.title,
        description=call.description,
        deadline=call.deadline,
        shortlist=shortlist,
        questions=[sc.QuestionOut.model_validate(q) for q in call.questions],
    )


async def public_portal(ctx: Context) -> t.PublicPortal:
    calls = [await _call_out(ctx, c) for c in await topic_calls.open_calls(ctx.session)]
    rooms = await ctx.session.scalars(select(Room).order_by(Room.id))
    return t.PublicPortal(
        calls=calls,
        rooms=[t.PublicRoom(room_id=r.id, name=r.name, level=r.level) for r in rooms],
    )


async def public_challenge(ctx: Context) -> t.ChallengeOut:
    challenge = public_guard.make_challenge(ctx.settings.signing_key())
    return t.ChallengeOut(token=challenge.token, question=challenge.question)


async def guard(
    ctx: Context, form: str, challenge: ChallengeIn | None, *, ask: bool = True
) -> None:
    """The public forms' guard (server.domain.public_guard) for this request's address."""
    await public_guard.admit(
        ctx.session,
        form=form,
        client=_client(ctx),
        limit=ctx.settings.public_proposals_per_hour,
        key=ctx.settings.signing_key(),
        token=challenge.token if challenge else None,
        answer=challenge.answer if challenge else None,
        challenge=ask,
    )


async def public_propose(ctx: Context) -> t.PublicProposalOut:
    body: t.PublicProposalIn = ctx.body
    await guard(ctx, "proposal", body.challenge)
    held = await topic_calls.held_words(ctx.session, body.title, body.description, body.place)
    topic = await topics.propose_publicly(
        ctx.session,
        topics.PublicProposal(
            room_id=body.room_id,
            title=body.title,
            description=body.description,
            contact_name=body.contact.name,
            contact_phone=body.contact.phone,
            place=body.place,
            call_id=body.call_id,
        ),
        held_words=held,
    )
    return t.PublicProposalOut(proposal_id=topic.id, receipt=topic.receipt)


async def public_notices(ctx: Context) -> t.NoticeList:
    now = datetime.now(UTC)
    rows = await topics.public_notices(ctx.session, now)
    comments = await public_comments.counts(ctx.session, [row.id for row in rows])
    return t.NoticeList(
        notices=[
            t.NoticeOut(
                topic_id=row.id,
                title=row.title,
                room=row.room.name,
                noticed_at=row.noticed_at,
                meeting_at=row.meeting_at,
                days_left=topics.days_left(row, now),
                place=row.meeting_place,
                form=row.meeting_form,
                how_to_join=row.how_to_join,
                comments=comments.get(row.id, 0),
            )
            for row in rows
        ]
    )


async def public_vote(ctx: Context) -> t.VoteOut:
    body: t.VoteIn = ctx.body
    call_id = ctx.path_int("call_id")
    voter = topic_calls.voter_of(ctx.principal, body.phone)
    await guard(ctx, "vote", body.challenge)
    counted = await topic_calls.vote(ctx.session, call_id, body.topic_id, voter)
    call = await topic_calls.open_call(ctx.session, call_id, "vote")
    return t.VoteOut(counted=counted, shortlist=await _shortlist(ctx, call))


# -- topics for staff ----------------------------------------------------------------------


def _attachment_out(a: TopicAttachment) -> t.AttachmentOut:
    return t.AttachmentOut(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        research_id=a.research_id,
        url=f"/api/topics/{a.topic_id}/attachments/{a.id}",
    )


async def topic_out(ctx: Context, topic: Topic) -> t.TopicOut:
    await ctx.session.refresh(topic, ["room"])
    now = datetime.now(UTC)
    notice = None
    if topic.noticed_at is not None and topic.meeting_at is not None:
        notice = t.TopicNotice(
            noticed_at=topic.noticed_at,
            meeting_at=topic.meeting_at,
            place=topic.meeting_place,
            form=topic.meeting_form,
            how_to_join=topic.how_to_join,
            days_left=topics.days_left(topic, now),
        )
    meetings = await topics.meetings_of(ctx.session, topic.id)
    opening = await topics.opening_refusal(ctx.session, meetings[0].id) if meetings else None
    return t.TopicOut(
        topic_id=topic.id,
        id=topic.id,
        room_id=topic.room_id,
        room=topic.room.name,
        room_level=topic.room.level,
        title=topic.title,
        description=topic.description,
        place=topic.place,
        source=topic.source,
        status=topic.status,
        moderation=topic.moderation,
        proposer_name=topic.proposer_name,
        contact={"name": topic.contact_name, "phone": topic.contact_phone},
        receipt=topic.receipt,
        created_at=topic.created_at,
        exclusion=topic.exclusion,
        filing_required=topic.room.level == "township",
        notice_days=topic.room.notice_days,
        notice=notice,
        research=[
            t.ResearchOut(id=r.id, who=r.who, place=r.place, done_on=r.done_on, findings=r.findings)
            for r in topic.research
        ],
        meetings=[
            t.TopicMeeting(id=m.id, title=m.title, starts_at=m.starts_at, status=m.status)
            for m in meetings
        ],
        attachments=[
            _attachment_out(a) for a in await topic_files.attachments_of(ctx.session, topic.id)
        ],
        hints=[t.TopicHintOut.model_validate(h) for h in topics.hints_of(topic)],
        timeline=await _timeline(ctx, topic, meetings),
        hearings=[hearing_out(h) for h in await hearings.hearings_of(ctx.session, topic)],
        public_comments=[
            sc.StaffCommentOut(
                comment_id=c.id,
                name=c.name,
                text=c.text,
                at=c.at,
                moderation=c.moderation,
                held_reason=c.held_reason,
            )
            for c in await public_comments.of_topic(ctx.session, topic.id)
        ],
        opening=opening,
    )


def hearing_out(h: TopicHearing) -> sc.HearingOut:
    return sc.HearingOut(
        hearing_id=h.id,
        room_id=h.room_id,
        kind=h.kind,
        held_on=h.held_on,
        place=h.place,
        participants=[sc.HearingParticipantOut.model_validate(p) for p in h.participants],
        record=h.record,
        conclusions=[sc.ConclusionOut.model_validate(c) for c in h.conclusions],
    )


async def _timeline(ctx: Context, topic: Topic, meetings: list[Meeting]) -> list[t.StepOut]:
    """The topic's own steps, and after its meeting the outcome's adoption and implementation
    as they happen (submitted and closed are the topic's own steps, recorded when they happen)."""
    steps = [
        t.StepOut(step=step.step, at=step.at, by=step.by_name, note=step.note)
        for step in topic.steps
    ]
    for meeting in meetings:
        for step in await outcomes.topic_timeline(ctx.session, meeting.id):
            if step["step"] in ("adopted", "implemented"):
                steps.append(t.StepOut(**step))
    return sorted(steps, key=lambda s: s.at)  # every one read through UtcDateTime


async def _duplicates(rows: list[Topic]) -> dict[int, list[int]]:
    texts = [f"{row.title}。{row.description}" for row in rows]
    groups = await anyio.to_thread.run_sync(find_duplicates, texts)
    found: dict[int, list[int]] = {}
    for group in groups:
        ids = [rows[i].id for i in group.members]
        for topic_id in ids:
            found[topic_id] = [other for other in ids if other != topic_id]
    return found


def _summary(row: Topic, duplicates: list[int]) -> t.TopicSummary:
    return t.TopicSummary(
        topic_id=row.id,
        room_id=row.room_id,
        room=row.room.name,
        title=row.title,
        source=row.source,
        status=row.status,
        moderation=row.moderation,
        created_at=row.created_at,
        last_step=row.steps[-1].step if row.steps else "proposed",
        last_note=row.steps[-1].note if row.steps else "",
        hints=[t.TopicHintOut.model_validate(h) for h in topics.hints_of(row)],
        duplicates=duplicates,
    )


async def list_topics(ctx: Context) -> t.TopicList:
    status = ctx.request.query_params.get("status") or None
    rows = await topics.list_topics(
        ctx.session, ctx.principal, room_id=ctx.query_id("room_id"), status=status
    )
    duplicates = await _duplicates(rows)
    themes = await topics.screening_themes(rows)
    return t.TopicList(
        items=[_summary(row, duplicates.get(row.id, [])) for row in rows],
        themes=[
            t.ThemeGroupOut(label=g.label, keywords=g.keywords, topic_ids=g.topic_ids)
            for g in themes
        ],
    )


async def create_topic(ctx: Context) -> t.TopicOut:
    body: t.TopicIn = ctx.body
    topic = await topics.propose(ctx.session, ctx.principal, body.model_dump())
    return await topic_out(ctx, topic)


async def get_topic(ctx: Context) -> t.TopicOut:
    topic = await topics.read_topic(ctx.session, ctx.principal, ctx.path_int("topic_id"))
    return await topic_out(ctx, topic)


async def screen_proposal(ctx: Context) -> t.TopicOut:
    body: t.ScreenIn = ctx.body
    topic = await topics.screen(
        ctx.session,
        ctx.principal,
        ctx.path_int("topic_id"),
        decision=body.decision,
        reason=body.reason,
        exclusion=body.exclusion,
        method=body.method,
    )
    return await topic_out(ctx, topic)


async def review_topic(ctx: Context) -> t.TopicOut:
    body: t.ReviewIn = ctx.body
    topic = await topics.review(
        ctx.session,
        ctx.principal,
        ctx.path_int("topic_id"),
        decision=body.decision,
        reason=body.reason,
    )
    return await topic_out(ctx, topic)


async def file_topic(ctx: Context) -> t.TopicOut:
    body: t.NoteIn = ctx.body
    topic = await topics.file(ctx.session, ctx.principal, ctx.path_int("topic_id"), body.note)
    return await topic_out(ctx, topic)


async def comment_topic(ctx: Context) -> t.TopicOut:
    body: t.NoteIn = ctx.body
    topic = await topics.comment(ctx.session, ctx.principal, ctx.path_int("topic_id"), body.note)
    return await topic_out(ctx, topic)


async def notice_topic(ctx: Context) -> t.TopicOut:
    body: t.NoticeIn = ctx.body
    topic = await topics.notice(
        ctx.session,
        ctx.principal,
        ctx.path_int("topic_id"),
        meeting_at=body.meeting_at,
        place=body.place,
        form=body.form,
        how_to_join=body.how_to_join,
    )
    return await topic_out(ctx, topic)


async def add_research(ctx: Context) -> t.TopicOut:
    body: t.ResearchIn = ctx.body
    topic_id = ctx.path_int("topic_id")
    await topics.add_research(
        ctx.session,
        ctx.principal,
        topic_id,
        who_went=body.who,
        place=body.place,
        done_on=body.done_on,
        findings=body.findings,
    )
    return await topic_out(ctx, await topics.read_topic(ctx.session, ctx.principal, topic_id))


async def override_opening(ctx: Context) -> t.TopicOut:
    body: t.OverrideIn = ctx.body
    topic = await topics.override(
        ctx.session, ctx.principal, ctx.path_int("topic_id"), rules=body.rules, reason=body.reason
    )
    return await topic_out(ctx, topic)


async def export_topic_docx(ctx: Context) -> Response:
    name, data = await topics.topic_file_docx(ctx.session, ctx.principal, ctx.path_int("topic_id"))
    disposition = "attachment; filename=\"topic.docx\"; filename*=UTF-8''" + quote(name)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": disposition},
    )


def _filename(ctx: Context) -> str:
    return ctx.request.query_params.get("filename", "")[:300]


async def upload_attachment(ctx: Context) -> t.TopicOut:
    topic_id = ctx.path_int("topic_id")
    # Who asks is checked before a byte of the file is read.
    await topic_files.editable_topic(ctx.session, ctx.principal, topic_id)
    mb = ctx.settings.briefing_max_mb
    too_big = TooLarge(f"文件过大：每个议题附件不能超过 {mb} MB，请压缩后再上传")
    data = await read_upload(ctx.request, mb * 1024 * 1024, too_big)
    await topic_files.attach(
        ctx.session,
        ctx.principal,
        topic_id,
        filename=_filename(ctx),
        data=data,
        data_dir=ctx.settings.data_dir,
        research_id=ctx.query_id("research_id"),
        hearing_id=ctx.query_id("hearing_id"),
    )
    return await topic_out(ctx, await topics.read_topic(ctx.session, ctx.principal, topic_id))


async def public_attachment(ctx: Context) -> t.AttachmentOut:
    proposal_id = ctx.path_int("proposal_id")  # an id no row can have is refused first
    # The receipt proves the sender made the proposal: a rate limit, no question.
    await guard(ctx, "attachment", None, ask=False)
    topic = await topic_files.proposal_by_receipt(
        ctx.session, proposal_id, ctx.request.query_params.get("receipt", "")[:40]
    )
    mb = topic_files.PUBLIC_MAX_MB
    too_big = TooLarge(f"文件过大：每个附件不能超过 {mb} MB，请压缩照片后再上传")
    data = await read_upload(ctx.request, mb * 1024 * 1024, too_big)
    row = await topic_files.attach_publicly(
        ctx.session, topic, filename=_filename(ctx), data=data, data_dir=ctx.settings.data_dir
    )
    return _attachment_out(row)


async def download_attachment(ctx: Context) -> Response:
    got = await topic_files.read_attachment(
        ctx.session,
        ctx.principal,
        ctx.path_int("topic_id"),
        ctx.path_int("attachment_id"),
        data_dir=ctx.settings.data_dir,
    )
    return download(got, "attachment")


async def create_call(ctx: Context) -> t.CallOut:
    body: t.CallIn = ctx.body
    call = await topic_calls.create_call(
        ctx.session,
        ctx.principal,
        room_id=body.room_id,
        kind=body.kind,
        title=body.title,
        description=body.description,
        deadline=body.deadline,
        topic_ids=body.topic_ids,
    )
    return await _call_out(ctx, call)


async def moderation_queue(ctx: Context) -> t.ModerationQueue:
    rows = await topic_calls.moderation_queue(ctx.session, ctx.principal)
    held = await moderation.held_suggestions(ctx.session, ctx.principal)
    reports = await moderation.open_reports(ctx.session, ctx.principal)
    comments = await public_comments.held(ctx.session, ctx.principal)
    return t.ModerationQueue(
        items=[_summary(row, []) for row in rows],
        suggestions=[
            t.HeldSuggestionOut(
                suggestion_id=h.suggestion.id,
                meeting_id=h.suggestion.meeting_id,
                text=h.suggestion.text,
                name=h.suggestion.author_name,
                created_at=h.suggestion.created_at,
                words=h.words,
                premoderated=h.premoderated,
            )
            for h in held
        ],
        comments=[
            sc.HeldCommentOut(
                comment_id=c.id,
                topic_id=c.topic_id,
                name=c.name,
                text=c.text,
                held_reason=c.held_reason,
                at=c.at,
            )
            for c in comments
        ],
        reports=[
            t.ReportItem(
                report_id=r.id,
                target_type=r.target_type,
                target_id=r.target_id,
                room_id=r.room_id,
                text=await moderation.reported_text(ctx.session, r),
                reason=r.reason,
                reporter=r.reporter_name,
                at=r.at,
            )
            for r in reports
        ],
    )


async def report_abuse(ctx: Context) -> t.ReportOut:
    body: t.ReportIn = ctx.body
    if ctx.principal is None:
        # Without an account: limited per address like the other public forms, no question.
        await guard(ctx, "report", None, ask=False)
    row = await moderation.report(
        ctx.session,
        ctx.principal,
        target_type=body.target_type,
        target_id=body.target_id,
        reason=body.reason,
    )
    return t.ReportOut(report_id=row.id, status=row.status)


async def moderate_suggestion(ctx: Context) -> t.SuggestionDecisionOut:
    body: t.ModerateIn = ctx.body
    done = await moderation.moderate_suggestion(
        ctx.session,
        ctx.principal,
        ctx.path_int("suggestion_id"),
        decision=body.decision,
        reason=body.reason,
    )
    assert done.suggestion is not None
    if done.notice is not None:
        await announce(ctx, done.suggestion.meeting_id, done.notice)
    return t.SuggestionDecisionOut(
        suggestion_id=done.suggestion.id, moderation=done.suggestion.moderation
    )


async def decide_report(ctx: Context) -> t.ReportOut:
    body: t.ReportDecisionIn = ctx.body
    done = await moderation.decide_report(
        ctx.session,
        ctx.principal,
        ctx.path_int("report_id"),
        decision=body.decision,
        reason=body.reason,
    )
    assert done.report is not None
    return t.ReportOut(report_id=done.report.id, status=done.report.status)


async def moderate_topic(ctx: Context) -> t.TopicOut:
    body: t.ModerateIn = ctx.body
    topic = await topic_calls.moderate(
        ctx.session,
        ctx.principal,
        ctx.path_int("topic_id"),
        decision=body.decision,
        reason=body.reason,
    )
    return await topic_out(ctx, topic)


async def list_sensitive_words(ctx: Context) -> t.WordsOut:
    rows = await topic_calls.list_words(ctx.session, ctx.principal)
    return t.WordsOut(words=[r.word for r in rows])


async def set_sensitive_words(ctx: Context) -> t.WordsOut:
    body: t.WordsIn = ctx.body
    rows = await topic_calls.set_words(ctx.session, ctx.principal, body.words)
    return t.WordsOut(words=[r.word for r in rows])


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/public/portal",
        public_portal,
        "公开页面：正在征题和投票的议事室（无需登录）",
        response=t.PublicPortal,
        permission="public.read",
    ),
    Endpoint(
        "GET",
        "/api/public/challenge",
        public_challenge,
        "公开表单的验证问题（无需登录）",
        response=t.ChallengeOut,
        permission="public.read",
    ),
    Endpoint(
        "POST",
        "/api/public/proposals",
        public_propose,
        "居民提交议题建议（无需登录；按网络地址限频，联系方式不公开）",
        body=t.PublicProposalIn,
        response=t.PublicProposalOut,
        status=201,
        permission="public.propose",
    ),
    Endpoint(
        "POST",
        "/api/public/proposals/{proposal_id:int}/attachments",
        public_attachment,
        "为议题建议补充照片或文件（凭回执号 ?receipt=，文件名 ?filename=，每个不超过 5 MB）",
        response=t.AttachmentOut,
        status=201,
        permission="public.propose",
    ),
    Endpoint(
        "GET",
        "/api/public/notices",
        public_notices,
        "正在公示的议题（无需登录）",
        response=t.NoticeList,
        permission="public.read",
    ),
    Endpoint(
        "POST",
        "/api/public/votes/{call_id:int}",
        public_vote,
        "议题网络投票：每个手机号或账号只计一票（无需登录）",
        body=t.VoteIn,
        response=t.VoteOut,
        permission="public.vote",
    ),
    Endpoint(
        "GET",
        "/api/topics",
        list_topics,
        "议题列表（附第十一条筛选提示和疑似重复）",
        query={"room_id": "integer", "status": "string"},
        response=t.TopicList,
        permission="topic.list",
    ),
    Endpoint(
        "POST",
        "/api/topics",
        create_topic,
        "提出议题（群众出题、委员荐题、党政领导点题，或工作人员代为录入）",
        body=t.TopicIn,
        response=t.TopicOut,
        status=201,
        permission="topic.propose",
    ),
    Endpoint(
        "GET", TOPIC, get_topic, "议题及其全过程记录", response=t.TopicOut, permission="topic.read"
    ),
    Endpoint(
        "GET",
        TOPIC + "/docx",
        export_topic_docx,
        "议题材料（Word，含全过程记录、公示和调研）",
        permission="topic.read",
    ),
    Endpoint(
        "POST",
        TOPIC + "/attachments",
        upload_attachment,
        "上传议题、调研或听证会附件（图片、PDF、Word；?filename=，可选 research_id、hearing_id）",
        query={"filename": "string", "research_id": "integer", "hearing_id": "integer"},
        response=t.TopicOut,
        status=201,
        permission="topic.research",
    ),
    Endpoint(
        "GET",
        TOPIC + "/attachments/{attachment_id:int}",
        download_attachment,
        "下载议题附件",
        permission="topic.read",
    ),
    Endpoint(
        "POST",
        TOPIC + "/screen",
        screen_proposal,
        "议题筛选：列入拟上会议题，或依第十一条不列入并写明理由",
        body=t.ScreenIn,
        response=t.TopicOut,
        permission="topic.screen",
    ),
    Endpoint(
        "POST",
        TOPIC + "/review",
        review_topic,
        "同级党组织审定：同意、退回（写明理由）或不予采用",
        body=t.ReviewIn,
        response=t.TopicOut,
        permission="topic.approve",
    ),
    Endpoint(
        "POST",
        TOPIC + "/file",
        file_topic,
        "县（市、区）政协备案（镇、街道议事室的议题）",
        body=t.NoteIn,
        response=t.TopicOut,
        permission="topic.file",
    ),
    Endpoint(
        "POST",
        TOPIC + "/comments",
        comment_topic,
        "县（市、区）政协评注备案议题",
        body=t.NoteIn,
        response=t.TopicOut,
        permission="topic.comment",
    ),
    Endpoint(
        "POST",
        TOPIC + "/notice",
        notice_topic,
        "公示议题：会议时间、地点、形式和参与方式",
        body=t.NoticeIn,
        response=t.TopicOut,
        permission="topic.notice",
    ),
    Endpoint(
        "POST",
        TOPIC + "/research",
        add_research,
        "记录调研情况（第十五条）",
        body=t.ResearchIn,
        response=t.TopicOut,
        status=201,
        permission="topic.research",
    ),
    Endpoint(
        "POST",
        TOPIC + "/override",
        override_opening,
        "记录公示未满期限或尚无调研仍开会的书面理由",
        body=t.OverrideIn,
        response=t.TopicOut,
        permission="topic.override",
    ),
    Endpoint(
        "POST",
        TOPIC + "/moderate",
        moderate_topic,
        "审核公众提交：通过或不予展示",
        body=t.ModerateIn,
        response=t.TopicOut,
        permission="topic.screen",
    ),
    Endpoint(
        "POST",
        "/api/topic-calls",
        create_call,
        "发布面向社会征题或议题网络投票（带截止时间）",
        body=t.CallIn,
        response=t.CallOut,
        status=201,
        permission="topic.call",
    ),
    Endpoint(
        "GET",
        "/api/moderation",
        moderation_queue,
        "审核队列：待审核的公众提交、被暂缓的意见建议和公众留言、待处理的举报",
        response=t.ModerationQueue,
        permission="topic.list",
    ),
    Endpoint(
        "POST",
        "/api/reports",
        report_abuse,
        "举报能看到的议题、意见建议或公众留言（写明理由；无需登录的按网络地址限频）",
        body=t.ReportIn,
        response=t.ReportOut,
        status=201,
        permission="report.create",
    ),
    Endpoint(
        "POST",
        "/api/moderation/suggestions/{suggestion_id:int}",
        moderate_suggestion,
        "审核含敏感词被暂缓的意见建议：通过（进入主题归类）或不予展示",
        body=t.ModerateIn,
        response=t.SuggestionDecisionOut,
        permission="moderation.decide",
    ),
    Endpoint(
        "POST",
        "/api/moderation/reports/{report_id:int}",
        decide_report,
        "处理举报：属实撤下或不予采纳（写明理由，记入操作日志）",
        body=t.ReportDecisionIn,
        response=t.ReportOut,
        permission="moderation.decide",
    ),
    Endpoint(
        "GET",
        "/api/moderation/words",
        list_sensitive_words,
        "敏感词表",
        response=t.WordsOut,
        permission="moderation.words",
    ),
    Endpoint(
        "PUT",
        "/api/moderation/words",
        set_sensitive_words,
        "替换敏感词表",
        body=t.WordsIn,
        response=t.WordsOut,
        permission="moderation.words",
    ),
]
