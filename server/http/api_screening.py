"""The JSON API of screening by questionnaire and by hearing (第十三条), and of the public's
comments on a topic under notice (第十四条); the public parts need no account and pass the
public forms' guard."""

from __future__ import annotations

from server.db.models_screening import PublicComment
from server.db.models_topics import TopicCall
from server.domain import hearings, public_comments, questionnaires, topic_calls
from server.http import schemas_screening as sc
from server.http.api_topics import guard, hearing_out
from server.http.framework import Context, Endpoint
from server.http.schemas_topics import ModerateIn

QUESTIONNAIRE = "/api/questionnaires/{call_id:int}"
COMMENTS = "/api/public/notices/{topic_id:int}/comments"


# -- questionnaires -------------------------------------------------------------------------


def _results(done: questionnaires.Results) -> list[sc.QuestionTallyOut]:
    return [
        sc.QuestionTallyOut(
            kind=q.kind,
            prompt=q.prompt,
            topics=[
                sc.TopicTallyOut(
                    topic_id=r.topic_id,
                    title=r.title,
                    count=r.count,
                    first=r.first,
                    points=r.points,
                )
                for r in q.topics
            ],
            options=[sc.OptionTallyOut(label=label, count=n) for label, n in q.options],
            texts=q.texts,
        )
        for q in done.questions
    ]


def _questionnaire_out(
    call: TopicCall, respondents: int, done: questionnaires.Results | None = None
) -> sc.QuestionnaireOut:
    return sc.QuestionnaireOut(
        call_id=call.id,
        room_id=call.room_id,
        room=call.room.name,
        title=call.title,
        description=call.description,
        deadline=call.deadline,
        recorded_at=call.recorded_at,
        respondents=respondents,
        questions=[sc.QuestionOut.model_validate(q) for q in call.questions],
        results=_results(done) if done is not None else [],
    )


async def create_questionnaire(ctx: Context) -> sc.QuestionnaireOut:
    body: sc.QuestionnaireIn = ctx.body
    call = await questionnaires.create(
        ctx.session,
        ctx.principal,
        room_id=body.room_id,
        title=body.title,
        description=body.description,
        deadline=body.deadline,
        topic_ids=body.topic_ids,
        questions=[q.model_dump() for q in body.questions],
    )
    return _questionnaire_out(call, 0)


async def list_questionnaires(ctx: Context) -> sc.QuestionnaireList:
    rows = await questionnaires.list_for(ctx.session, ctx.principal, ctx.query_id("room_id"))
    return sc.QuestionnaireList(
        items=[
            _questionnaire_out(call, await questionnaires.respondents(ctx.session, call.id))
            for call in rows
        ]
    )


async def questionnaire_results(ctx: Context) -> sc.QuestionnaireOut:
    done = await questionnaires.results(ctx.session, ctx.principal, ctx.path_int("call_id"))
    return _questionnaire_out(done.call, done.respondents, done)


async def record_questionnaire(ctx: Context) -> sc.QuestionnaireOut:
    done = await questionnaires.record_result(ctx.session, ctx.principal, ctx.path_int("call_id"))
    return _questionnaire_out(done.call, done.respondents, done)


async def public_answer(ctx: Context) -> sc.AnswerOut:
    body: sc.QuestionnaireAnswerIn = ctx.body
    call_id = ctx.path_int("call_id")
    voter = topic_calls.voter_of(ctx.principal, body.phone)
    await guard(ctx, "questionnaire", body.challenge)
    counted = await questionnaires.answer(ctx.session, call_id, voter, body.answers)
    return sc.AnswerOut(
        counted=counted, respondents=await questionnaires.respondents(ctx.session, call_id)
    )


# -- hearings -------------------------------------------------------------------------------


async def record_hearing(ctx: Context) -> sc.HearingOut:
    body: sc.HearingIn = ctx.body
    hearing = await hearings.record(
        ctx.session,
        ctx.principal,
        room_id=body.room_id,
        kind=body.kind,
        held_on=body.held_on,
        place=body.place,
        participants=[hearings.Participant(p.name, p.category) for p in body.participants],
        record_text=body.record,
        conclusions=[
            hearings.Conclusion(c.topic_id, c.conclusion, c.note) for c in body.conclusions
        ],
    )
    return hearing_out(hearing)


# -- public comments ------------------------------------------------------------------------


def _comment_out(c: PublicComment) -> sc.CommentOut:
    return sc.CommentOut(comment_id=c.id, name=c.name, text=c.text, at=c.at)


async def public_comment_list(ctx: Context) -> sc.CommentList:
    rows = await public_comments.shown(ctx.session, ctx.path_int("topic_id"))
    return sc.CommentList(comments=[_comment_out(c) for c in rows])


async def public_comment(ctx: Context) -> sc.CommentSent:
    body: sc.CommentIn = ctx.body
    topic_id = ctx.path_int("topic_id")
    client_id = str(body.client_id) if body.client_id else None
    # A retry of a comment already kept answers as the first send did, without the guard.
    row = await public_comments.already_sent(ctx.session, topic_id, client_id)
    if row is None:
        await guard(ctx, "comment", body.challenge)
        held = await topic_calls.held_words(ctx.session, body.name, body.text)
        row = await public_comments.write(
            ctx.session,
            topic_id,
            name=body.name,
            text=body.text,
            held_words=held,
            client_id=client_id,
        )
    return sc.CommentSent(comment_id=row.id, held=row.moderation == "held")


async def moderate_comment(ctx: Context) -> sc.CommentDecisionOut:
    body: ModerateIn = ctx.body
    row = await public_comments.moderate(
        ctx.session,
        ctx.principal,
        ctx.path_int("comment_id"),
        decision=body.decision,
        reason=body.reason,
    )
    return sc.CommentDecisionOut(comment_id=row.id, moderation=row.moderation)


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST",
        "/api/questionnaires",
        create_questionnaire,
        "发布议题筛选问卷（第十三条：排序或选择议题、单选、多选、简答；带截止时间）",
        body=sc.QuestionnaireIn,
        response=sc.QuestionnaireOut,
        status=201,
        permission="topic.call",
    ),
    Endpoint(
        "GET",
        "/api/questionnaires",
        list_questionnaires,
        "议题筛选问卷列表（含作答人数）",
        query={"room_id": "integer"},
        response=sc.QuestionnaireList,
        permission="topic.list",
    ),
    Endpoint(
        "GET",
        QUESTIONNAIRE,
        questionnaire_results,
        "问卷统计结果（逐题，附简答内容）",
        response=sc.QuestionnaireOut,
        permission="topic.read",
    ),
    Endpoint(
        "POST",
        QUESTIONNAIRE + "/record",
        record_questionnaire,
        "结束问卷并把结果记入每个议题的全过程记录，作为筛选依据",
        response=sc.QuestionnaireOut,
        permission="topic.screen",
    ),
    Endpoint(
        "POST",
        "/api/public/questionnaires/{call_id:int}",
        public_answer,
        "填写议题筛选问卷：每个手机号或账号只计一份（无需登录）",
        body=sc.QuestionnaireAnswerIn,
        response=sc.AnswerOut,
        permission="public.answer",
    ),
    Endpoint(
        "POST",
        "/api/hearings",
        record_hearing,
        "记录筛选议题的听证会、座谈会（时间、地点、参加人、记录和对每个议题的结论）",
        body=sc.HearingIn,
        response=sc.HearingOut,
        status=201,
        permission="topic.hearing",
    ),
    Endpoint(
        "GET",
        COMMENTS,
        public_comment_list,
        "公示议题下的公众留言（无需登录，纯文本）",
        response=sc.CommentList,
        permission="public.read",
    ),
    Endpoint(
        "POST",
        COMMENTS,
        public_comment,
        "对公示中的议题留言（无需登录；按网络地址限频，含敏感词的先审核）",
        body=sc.CommentIn,
        response=sc.CommentSent,
        status=201,
        permission="public.comment",
    ),
    Endpoint(
        "POST",
        "/api/moderation/comments/{comment_id:int}",
        moderate_comment,
        "审核被暂缓的公众留言：通过或不予展示",
        body=ModerateIn,
        response=sc.CommentDecisionOut,
        permission="moderation.decide",
    ),
]
