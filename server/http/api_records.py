"""The JSON API of a meeting's written record: transcript, minutes, recommendation report.

Each endpoint parses, lets server.domain.transcripts / records decide, and shapes JSON or a file.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel
from starlette.responses import Response

from nlp.transcript import MAX_BYTES
from server.db.models_records import RecordVersion, TranscriptSegment
from server.documents.pdf import SHIPPED_FONTS_CONF, PdfConverter
from server.domain import records, transcripts
from server.domain.asr import installed_engines
from server.domain.errors import Invalid
from server.domain.records import Format, Kind
from server.http import schemas as s
from server.http import schemas_records as r
from server.http.framework import Context, Endpoint, Handler
from server.http.uploads import read_upload
from server.settings import Settings

MEETING = "/api/meetings/{meeting_id:int}"


def segment_out(seg: TranscriptSegment) -> r.SegmentOut:
    return r.SegmentOut(
        id=seg.id,
        position=seg.position,
        participant_id=seg.participant_id,
        speaker_name=seg.speaker_name,
        unmatched=seg.unmatched,
        start_s=seg.start_s,
        end_s=seg.end_s,
        text=seg.text,
        source=seg.source,
        speech_id=seg.speech_id,
        agenda_item_id=seg.agenda_item_id,
        updated_at=seg.updated_at,
        updated_by=seg.updated_by,
    )


def transcript_out(view: transcripts.TranscriptView) -> r.TranscriptOut:
    return r.TranscriptOut(
        meeting_id=view.meeting_id,
        record_started_at=view.record_started_at,
        segments=[segment_out(seg) for seg in view.segments],
        unmatched=view.unmatched,
    )


def import_out(result: transcripts.ImportResult) -> r.TranscriptImportOut:
    return r.TranscriptImportOut(
        format=result.format,
        imported=result.imported,
        aligned=result.aligned,
        unmatched=result.unmatched,
        transcript=transcript_out(result.view),
    )


def _summary_fields(v: RecordVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "status": v.status,
        "note": v.note,
        "based_on": v.based_on,
        "author_id": v.author_id,
        "author_name": v.author_name,
        "created_at": v.created_at,
        "signed_by": v.signed_by,
        "signed_by_name": v.signed_by_name,
        "signed_at": v.signed_at,
    }


def version_out(v: RecordVersion) -> r.MinutesVersionOut | r.ReportVersionOut:
    if v.kind == "minutes":
        return r.MinutesVersionOut.model_validate({**_summary_fields(v), "draft": v.draft})
    return r.ReportVersionOut.model_validate({**_summary_fields(v), "draft": v.draft})


def _number(ctx: Context) -> int:
    return ctx.path_int("number")


# --- transcript -----------------------------------------------------------------------------


async def get_transcript(ctx: Context) -> r.TranscriptOut:
    view = await transcripts.read_transcript_view(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    return transcript_out(view)


async def build_transcript(ctx: Context) -> r.RebuildOut:
    view, added = await transcripts.build_from_record(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    return r.RebuildOut(added=added, transcript=transcript_out(view))


async def add_segment(ctx: Context) -> r.SegmentOut:
    body: r.SegmentIn = ctx.body
    seg = await transcripts.add_segment(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), body.model_dump()
    )
    return segment_out(seg)


async def update_segment(ctx: Context) -> r.SegmentOut:
    body: r.SegmentPatch = ctx.body
    seg = await transcripts.update_segment(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("segment_id"),
        body.model_dump(exclude_unset=True),
    )
    return segment_out(seg)


async def delete_segment(ctx: Context) -> s.Ok:
    await transcripts.delete_segment(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), ctx.path_int("segment_id")
    )
    return s.Ok()


async def _upload(ctx: Context) -> bytes:
    """The raw request body, refused early when it is over the transcript size limit."""
    limit_mb = MAX_BYTES // (1024 * 1024)
    too_big = Invalid(f"文件过大，发言记录文件不能超过 {limit_mb} MB。")
    return await read_upload(ctx.request, MAX_BYTES, too_big)


async def import_transcript(ctx: Context) -> r.TranscriptImportOut:
    mode = ctx.request.query_params.get("mode", "replace")
    if mode not in ("replace", "append"):
        raise Invalid("mode 只能是 replace（替换全部发言记录）或 append（追加在后面）")
    filename = ctx.request.query_params.get("filename", "")[:200]
    # Check who asks before reading up to 10 MB from them.
    await transcripts.editable_meeting(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    data = await _upload(ctx)
    result = await transcripts.import_file(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        data,
        filename,
        mode="append" if mode == "append" else "replace",
    )
    return import_out(result)


async def transcribe(ctx: Context) -> r.TranscriptImportOut:
    body: r.AsrIn = ctx.body
    result = await transcripts.transcribe_recording(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        engines=installed_engines(),
        recordings=ctx.settings.data_dir / "recordings",
        engine=body.engine,
        recording=body.recording,
        mode=body.mode,
    )
    return import_out(result)


async def asr_engines(ctx: Context) -> r.AsrEngines:
    return r.AsrEngines(engines=sorted(installed_engines()))


# --- minutes and recommendation report ------------------------------------------------------


def _list(kind: Kind) -> Handler:
    async def handler(ctx: Context) -> r.VersionList:
        rows = await records.list_versions(
            ctx.session, ctx.principal, ctx.path_int("meeting_id"), kind
        )
        return r.VersionList(
            items=[r.VersionSummary.model_validate(_summary_fields(v)) for v in rows]
        )

    handler.__name__ = f"list_{kind}"
    return handler


def _get(kind: Kind) -> Handler:
    async def handler(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
        version = await records.get_version(
            ctx.session, ctx.principal, ctx.path_int("meeting_id"), kind, _number(ctx)
        )
        return version_out(version)

    handler.__name__ = f"get_{kind}"
    return handler


def _sign(kind: Kind) -> Handler:
    async def handler(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
        version = await records.sign(
            ctx.session, ctx.principal, ctx.path_int("meeting_id"), kind, _number(ctx)
        )
        return version_out(version)

    handler.__name__ = f"sign_{kind}"
    return handler


def pdf_converter(settings: Settings) -> PdfConverter:
    """The PDF export as HSL_PDF_* configure it."""
    return PdfConverter(
        office=settings.pdf_office,
        timeout_s=settings.pdf_timeout_s,
        fonts_conf=settings.pdf_fontconfig or SHIPPED_FONTS_CONF,
    )


def _export(kind: Kind, fmt: Format) -> Handler:
    async def handler(ctx: Context) -> Response:
        rendered = await records.render(
            ctx.session,
            ctx.principal,
            ctx.path_int("meeting_id"),
            kind,
            _number(ctx),
            fmt,
            pdf_converter(ctx.settings),
        )
        fallback = f"{kind}-{ctx.path_int('meeting_id')}-v{_number(ctx)}.{fmt}"
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''" + quote(
            rendered.filename
        )
        return Response(
            rendered.content,
            media_type=rendered.media_type,
            headers={"Content-Disposition": disposition},
        )

    handler.__name__ = f"export_{kind}_{fmt}"
    return handler


async def draft_minutes(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
    body: r.DraftIn = ctx.body
    version = await records.draft_minutes_version(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), body.note
    )
    return version_out(version)


async def edit_minutes(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
    body: r.MinutesEditIn = ctx.body
    version = await records.save_edited(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        "minutes",
        _number(ctx),
        body.draft.model_dump(mode="json"),
        body.note,
    )
    return version_out(version)


async def draft_recommendations(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
    body: r.ReportDraftIn = ctx.body
    version = await records.draft_report_version(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), body.minutes_version, body.note
    )
    return version_out(version)


async def edit_recommendations(ctx: Context) -> r.MinutesVersionOut | r.ReportVersionOut:
    body: r.ReportEditIn = ctx.body
    version = await records.save_edited(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        "recommendations",
        _number(ctx),
        body.draft.model_dump(mode="json"),
        body.note,
    )
    return version_out(version)


READ, EDIT, SIGN = "record.read", "record.edit", "record.sign"


def _version_endpoints(
    kind: Kind,
    name: str,
    draft_handler: Handler,
    draft_in: type[BaseModel],
    edit_handler: Handler,
    edit_in: type[BaseModel],
) -> list[Endpoint]:
    base = f"{MEETING}/{kind}"
    one = f"{base}/{{number:int}}"
    out = r.MinutesVersionOut if kind == "minutes" else r.ReportVersionOut
    return [
        Endpoint("GET", base, _list(kind), f"{name}版本列表", None, r.VersionList, permission=READ),
        Endpoint(
            "POST",
            base,
            draft_handler,
            f"起草{name}（新版本）",
            draft_in,
            out,
            status=201,
            permission=EDIT,
        ),
        Endpoint("GET", one, _get(kind), f"{name}某一版本", None, out, permission=READ),
        Endpoint(
            "PUT",
            one,
            edit_handler,
            f"修改{name}（存为新版本）",
            edit_in,
            out,
            status=201,
            permission=EDIT,
        ),
        Endpoint(
            "POST", f"{one}/sign", _sign(kind), f"主持人签发{name}", None, out, permission=SIGN
        ),
        Endpoint(
            "GET", f"{one}/docx", _export(kind, "docx"), f"下载{name}（Word）", permission=READ
        ),
        Endpoint(
            "GET", f"{one}/md", _export(kind, "md"), f"下载{name}（Markdown）", permission=READ
        ),
        Endpoint("GET", f"{one}/pdf", _export(kind, "pdf"), f"下载{name}（PDF）", permission=READ),
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        f"{MEETING}/transcript",
        get_transcript,
        "发言记录",
        None,
        r.TranscriptOut,
        permission="transcript.read",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/transcript",
        build_transcript,
        "按会议发言（floor 事件）生成发言记录段落",
        None,
        r.RebuildOut,
        permission="transcript.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/transcript/segments",
        add_segment,
        "新增发言记录段落",
        r.SegmentIn,
        r.SegmentOut,
        status=201,
        permission="transcript.edit",
    ),
    Endpoint(
        "PATCH",
        f"{MEETING}/transcript/{{segment_id:int}}",
        update_segment,
        "修改发言记录段落（文字、发言人、时间）",
        r.SegmentPatch,
        r.SegmentOut,
        permission="transcript.edit",
    ),
    Endpoint(
        "DELETE",
        f"{MEETING}/transcript/{{segment_id:int}}",
        delete_segment,
        "删除发言记录段落",
        None,
        s.Ok,
        permission="transcript.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/transcript/import",
        import_transcript,
        "导入发言记录文件（请求体为文件内容）",
        None,
        r.TranscriptImportOut,
        {"filename": "string", "mode": "string"},
        permission="transcript.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/transcript/asr",
        transcribe,
        "由会议录音语音识别生成发言记录",
        r.AsrIn,
        r.TranscriptImportOut,
        permission="transcript.edit",
    ),
    Endpoint(
        "GET",
        "/api/asr/engines",
        asr_engines,
        "已安装的语音识别引擎",
        None,
        r.AsrEngines,
        permission="asr.read",
    ),
    *_version_endpoints(
        "minutes", "会议纪要", draft_minutes, r.DraftIn, edit_minutes, r.MinutesEditIn
    ),
    *_version_endpoints(
        "recommendations",
        "协商建议",
        draft_recommendations,
        r.ReportDraftIn,
        edit_recommendations,
        r.ReportEditIn,
    ),
]
