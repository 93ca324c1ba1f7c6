"""The JSON API of what follows a meeting: submitting the outcome, answering its items, and
the public list of published outcomes. Rules are server.domain.outcomes'; this shapes JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from starlette.responses import Response

from server.db.models_outcomes import Outcome, OutcomeAttachment, OutcomeItem, OutcomeRecord
from server.domain import outcome_files, outcomes
from server.domain.errors import Invalid
from server.http.framework import Context, Endpoint
from server.http.schemas import Id, Input, Title
from server.http.uploads import TooLarge, download, read_upload

MEETING = "/api/meetings/{meeting_id:int}/outcome"
ITEM = "/api/outcome-items/{item_id:int}"

Recipient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ItemText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Decision = Literal["adopted", "partly_adopted", "not_adopted"]


class ItemIn(Input):
    text: ItemText
    unit_id: Id
    due_on: date


class SubmitIn(Input):
    report_version: Annotated[int, Field(ge=1, le=10_000)] | None = None
    title: Title
    recipients: Annotated[list[Recipient], Field(min_length=1, max_length=10)]
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=outcomes.MAX_ITEMS)]


class PublishChoice(Input):
    item_id: Id
    published: bool


class PublishIn(Input):
    items: Annotated[list[PublishChoice], Field(min_length=1, max_length=outcomes.MAX_ITEMS)]


class RecordIn(Input):
    kind: Literal["decision", "progress", "feedback", "escalation", "follow_up", "explanation"]
    note: Note = ""
    decision: Decision | None = None
    percent: Annotated[int, Field(ge=0, le=100)] | None = None
    on: date | None = None
    to: Literal["county", "city"] | None = None
    method: Literal["oversight", "inspection", "review"] | None = None


class ProgressFileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by_name: str
    uploaded_at: datetime
    url: str


class RecordOut(BaseModel):
    id: int
    kind: Literal[
        "decision", "progress", "feedback", "escalation", "follow_up", "explanation", "reminder"
    ]
    at: datetime
    by_name: str
    note: str
    data: dict[str, object]
    attachments: list[ProgressFileOut] = []


class ItemOut(BaseModel):
    id: int
    outcome_id: int
    outcome_code: str
    outcome_title: str
    meeting_id: int
    room: str
    position: int
    text: str
    unit_id: int
    unit_name: str
    due_on: date
    decision: Decision | None
    decision_reason: str | None
    progress: int
    feedback: str | None
    closed_at: datetime | None
    escalated_to: Literal["county", "city"] | None
    published: bool
    overdue: bool
    reminded_on: date | None
    may_answer: bool
    records: list[RecordOut]


class ItemList(BaseModel):
    items: list[ItemOut]


class OutcomeOut(BaseModel):
    id: int
    code: str
    meeting_id: int
    topic_id: int | None
    title: str
    recipients: list[str]
    report_version: int
    submitted_at: datetime
    submitted_by_name: str
    items: list[ItemOut]


class ProposedItem(BaseModel):
    text: str
    unit_id: int | None
    unit_name: str
    due_on: date


class ProposalOut(BaseModel):
    report_version: int
    title: str
    recipients: list[str]
    items: list[ProposedItem]


class PublicItem(BaseModel):
    text: str
    unit: str
    decision: Decision | None
    progress: int
    feedback: str | None


class PublicOutcome(BaseModel):
    outcome_id: int
    topic_id: int | None
    title: str
    items: list[PublicItem]


class PublicOutcomes(BaseModel):
    outcomes: list[PublicOutcome]


def attachment_out(a: OutcomeAttachment) -> ProgressFileOut:
    return ProgressFileOut(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        uploaded_by_name=a.uploaded_by_name,
        uploaded_at=a.uploaded_at,
        url=f"/api/outcome-items/{a.item_id}/attachments/{a.id}",
    )


def record_out(row: OutcomeRecord, files: list[OutcomeAttachment] | None = None) -> RecordOut:
    return RecordOut(
        id=row.id,
        kind=row.kind,
        at=row.at,
        by_name=row.by_name,
        note=row.note,
        data=row.data,
        attachments=[attachment_out(a) for a in files or []],
    )


async def items_out(ctx: Context, items: list[OutcomeItem]) -> list[ItemOut]:
    now = outcomes.utc_now()
    history = await outcomes.records_of(ctx.session, [i.id for i in items])
    files = await outcome_files.attachments_of(ctx.session, [i.id for i in items])
    shaped = []
    for item in items:
        outcome = item.outcome
        shaped.append(
            ItemOut(
                id=item.id,
                outcome_id=outcome.id,
                outcome_code=outcomes.code_of(outcome),
                outcome_title=outcome.title,
                meeting_id=outcome.meeting_id,
                room=outcome.meeting.room.name,
                position=item.position,
                text=item.text,
                unit_id=item.unit_id,
                unit_name=item.unit.name,
                due_on=item.due_on,
                decision=item.decision,
                decision_reason=item.decision_reason,
                progress=item.progress,
                feedback=item.feedback,
                closed_at=item.closed_at,
                escalated_to=item.escalated_to,
                published=item.published,
                overdue=outcomes.is_overdue(item, now),
                reminded_on=item.reminded_on,
                may_answer=await outcomes.may_answer(ctx.session, ctx.principal, item),
                records=[record_out(r, files.get(r.id)) for r in history[item.id]],
            )
        )
    return shaped


async def outcome_out(ctx: Context, outcome: Outcome) -> OutcomeOut:
    return OutcomeOut(
        id=outcome.id,
        code=outcomes.code_of(outcome),
        meeting_id=outcome.meeting_id,
        topic_id=await outcomes.meeting_topic_id(ctx.session, outcome.meeting_id),
        title=outcome.title,
        recipients=list(outcome.recipients),
        report_version=outcome.report_version,
        submitted_at=outcome.submitted_at,
        submitted_by_name=outcome.submitted_by_name,
        items=await items_out(ctx, list(outcome.items)),
    )


async def get_outcome(ctx: Context) -> OutcomeOut:
    outcome = await outcomes.of_meeting(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    return await outcome_out(ctx, outcome)


async def outcome_proposal(ctx: Context) -> ProposalOut:
    found = await outcomes.proposal(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), outcomes.utc_now()
    )
    return ProposalOut.model_validate(found)


async def submit_outcome(ctx: Context) -> OutcomeOut:
    body: SubmitIn = ctx.body
    outcome = await outcomes.submit(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        report_version=body.report_version,
        title=body.title,
        recipients=body.recipients,
        items=[outcomes.ItemDraft(i.text, i.unit_id, i.due_on) for i in body.items],
        now=outcomes.utc_now(),
    )
    return await outcome_out(ctx, outcome)


async def publish_outcome(ctx: Context) -> OutcomeOut:
    body: PublishIn = ctx.body
    outcome = await outcomes.publish(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        {c.item_id: c.published for c in body.items},
    )
    return await outcome_out(ctx, outcome)


def _flag(ctx: Context, name: str) -> bool:
    raw = ctx.request.query_params.get(name, "")
    if raw not in ("", "0", "1", "true", "false"):
        raise Invalid(f"查询参数 {name} 只能是 1 或 0")
    return raw in ("1", "true")


async def list_outcome_items(ctx: Context) -> ItemList:
    items = await outcomes.visible_items(
        ctx.session, ctx.principal, overdue_only=_flag(ctx, "overdue"), now=outcomes.utc_now()
    )
    return ItemList(items=await items_out(ctx, items))


async def get_outcome_item(ctx: Context) -> ItemOut:
    item = await outcomes.readable_item(ctx.session, ctx.principal, ctx.path_int("item_id"))
    return (await items_out(ctx, [item]))[0]


async def add_outcome_record(ctx: Context) -> ItemOut:
    body: RecordIn = ctx.body
    item = await outcomes.add_record(
        ctx.session,
        ctx.principal,
        ctx.path_int("item_id"),
        outcomes.RecordIn(**body.model_dump()),
        outcomes.utc_now(),
    )
    return (await items_out(ctx, [item]))[0]


async def upload_progress_file(ctx: Context) -> ItemOut:
    item_id, record_id = ctx.path_int("item_id"), ctx.path_int("record_id")
    # Who asks, and for which entry, is checked before a byte of the file is read.
    await outcome_files.progress_entry(ctx.session, ctx.principal, item_id, record_id)
    mb = ctx.settings.briefing_max_mb
    too_big = TooLarge(f"文件过大：每个落实进度附件不能超过 {mb} MB，请压缩后再上传")
    data = await read_upload(ctx.request, mb * 1024 * 1024, too_big)
    await outcome_files.attach(
        ctx.session,
        ctx.principal,
        item_id,
        record_id,
        filename=ctx.request.query_params.get("filename", "")[:300],
        data=data,
        data_dir=ctx.settings.data_dir,
    )
    item = await outcomes.readable_item(ctx.session, ctx.principal, item_id)
    return (await items_out(ctx, [item]))[0]


async def download_progress_file(ctx: Context) -> Response:
    got = await outcome_files.read_attachment(
        ctx.session,
        ctx.principal,
        ctx.path_int("item_id"),
        ctx.path_int("attachment_id"),
        data_dir=ctx.settings.data_dir,
    )
    return download(got, "progress")


async def public_outcomes(ctx: Context) -> PublicOutcomes:
    return PublicOutcomes.model_validate({"outcomes": await outcomes.public_outcomes(ctx.session)})


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        MEETING,
        get_outcome,
        "本次会议的协商成果",
        None,
        OutcomeOut,
        permission="outcome.read",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/proposal",
        outcome_proposal,
        "由已签发的协商建议生成的报送草稿",
        None,
        ProposalOut,
        permission="outcome.submit",
    ),
    Endpoint(
        "POST",
        MEETING,
        submit_outcome,
        "报送协商成果（由已签发的协商建议）",
        SubmitIn,
        OutcomeOut,
        status=201,
        permission="outcome.submit",
    ),
    Endpoint(
        "PUT",
        f"{MEETING}/published",
        publish_outcome,
        "选择在公开页面展示的建议",
        PublishIn,
        OutcomeOut,
        permission="outcome.publish",
    ),
    Endpoint(
        "GET",
        "/api/outcome-items",
        list_outcome_items,
        "经办的协商建议事项（overdue=1 只看超期）",
        None,
        ItemList,
        {"overdue": "string"},
        permission="outcome.items",
    ),
    Endpoint(
        "GET",
        ITEM,
        get_outcome_item,
        "一条协商建议及其办理记录",
        None,
        ItemOut,
        permission="outcome.items",
    ),
    Endpoint(
        "POST",
        f"{ITEM}/records",
        add_outcome_record,
        "记录采纳、进度、反馈、向上反映、跟踪督办或解释说明",
        RecordIn,
        ItemOut,
        status=201,
        permission="outcome.items",
    ),
    Endpoint(
        "POST",
        f"{ITEM}/records/{{record_id:int}}/attachments",
        upload_progress_file,
        "为落实进度附上图片或文件（请求体为文件内容，?filename= 为文件名）",
        None,
        ItemOut,
        {"filename": "string"},
        status=201,
        permission="outcome.items",
    ),
    Endpoint(
        "GET",
        f"{ITEM}/attachments/{{attachment_id:int}}",
        download_progress_file,
        "下载落实进度的附件",
        None,
        None,
        permission="outcome.items",
    ),
    Endpoint(
        "GET",
        "/api/public/outcomes",
        public_outcomes,
        "公开的协商成果及办理情况",
        None,
        PublicOutcomes,
        permission="outcome.public",
    ),
]
