"""The JSON API of the yearly assessment: rooms' activities and outcomes, the dashboard, the
stored rules, excellent rooms, member duty records and their export as XLSX or CSV.
Rules are server.domain.assessment's; this parses the year and shapes JSON or a file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
from pydantic import BaseModel, Field, StringConstraints
from starlette.responses import Response

from server.domain import assessment, assessment_report, duty_menu
from server.domain.errors import Invalid
from server.http.framework import Context, Endpoint
from server.http.schemas import Input

YEAR_QUERY = {"year": "string"}
Level = Literal["township", "village"]
DutyKind = Literal[
    "invited", "attended", "spoke", "speech_minutes", "voted", "suggestion", "training"
]


class RoomRow(BaseModel):
    room_id: int
    name: str
    level: str
    activities: int
    required: int
    behind: bool
    outcomes: int
    adopted: int
    implemented: int


class Assessment(BaseModel):
    rooms: list[RoomRow]


class AwardOut(BaseModel):
    room_id: int
    evidence: str
    by_name: str
    at: datetime


class Dashboard(BaseModel):
    year: int
    months_left: int
    rooms: list[RoomRow]
    activities_by_month: list[int]
    items: int
    adoption_rate: float | None
    implementation_rate: float | None
    participation: dict[str, int]
    awards: list[AwardOut]


class DutyRuleIO(BaseModel):
    points: Annotated[float, Field(ge=0, le=1000)]
    cap: Annotated[float, Field(ge=0, le=100_000)] | None = None


class RulesOut(BaseModel):
    required: dict[str, int]
    duty: dict[str, DutyRuleIO]


class RulesIn(Input):
    required: dict[Level, Annotated[int, Field(ge=0, le=365)]] = Field(default_factory=dict)
    duty: dict[DutyKind, DutyRuleIO] = Field(default_factory=dict)


class AwardIn(Input):
    year: Annotated[int, Field(ge=assessment.FIRST_YEAR, le=assessment.LAST_YEAR)]
    evidence: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=4000)
    ]


class DutyMeeting(BaseModel):
    """One meeting of a member's year: were they there, how much did they take part."""

    meeting_id: int
    title: str
    attended: bool
    speeches: int
    speech_seconds: int
    polls_voted: int
    suggestions: int


class DutyOut(BaseModel):
    person_id: int
    name: str
    counts: dict[str, float]
    points: dict[str, float]
    score: float
    meetings: list[DutyMeeting]


class DutyList(BaseModel):
    items: list[DutyOut]


def year_of(ctx: Context) -> int:
    raw = ctx.request.query_params.get("year")
    if raw is None or raw == "":
        return datetime.now(UTC).astimezone(assessment.BEIJING).year
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise Invalid("year 应为四位年份，例如 year=2026", field="year")
    return assessment.check_year(int(raw))


async def get_assessment(ctx: Context) -> Assessment:
    rows = await assessment.room_rows(ctx.session, ctx.principal, year_of(ctx))
    return Assessment.model_validate({"rooms": rows})


async def get_dashboard(ctx: Context) -> Dashboard:
    found = await assessment.dashboard(ctx.session, ctx.principal, year_of(ctx), datetime.now(UTC))
    return Dashboard.model_validate(found)


async def get_rules(ctx: Context) -> RulesOut:
    return RulesOut.model_validate(await assessment.rules(ctx.session, ctx.principal))


async def put_rules(ctx: Context) -> RulesOut:
    body: RulesIn = ctx.body
    found = await assessment.set_rules(
        ctx.session,
        ctx.principal,
        {str(k): v for k, v in body.required.items()},
        {k: (v.points, v.cap) for k, v in body.duty.items()},
    )
    return RulesOut.model_validate(found)


async def award_room(ctx: Context) -> AwardOut:
    body: AwardIn = ctx.body
    found = await assessment.award(
        ctx.session, ctx.principal, ctx.path_int("room_id"), body.year, body.evidence
    )
    return AwardOut(
        room_id=found.room_id, evidence=found.evidence, by_name=found.by_name, at=found.at
    )


def duty_out(record: assessment.DutyRecord) -> DutyOut:
    return DutyOut(
        person_id=record.person_id,
        name=record.name,
        counts=record.counts,
        points=record.points,
        score=record.score,
        meetings=record.meetings,
    )


async def office_duty(ctx: Context) -> DutyList:
    found = await assessment.office_duty(ctx.session, ctx.principal, year_of(ctx))
    return DutyList(items=[duty_out(r) for r in found])


async def my_duty(ctx: Context) -> DutyOut:
    return duty_out(await assessment.my_duty(ctx.session, ctx.principal, year_of(ctx)))


# --- export ---------------------------------------------------------------------------------

ROOM_COLUMNS = [
    ("room_id", "编号"),
    ("name", "协商议事室"),
    ("level", "层级"),
    ("activities", "活动次数"),
    ("required", "应办次数"),
    ("behind", "未达标"),
    ("outcomes", "报送成果"),
    ("adopted", "采纳建议"),
    ("implemented", "落实建议"),
]
DUTY_COLUMNS = (
    [("person_id", "编号"), ("name", "委员")]
    + [
        (k, n)
        for k, n in [
            ("invited", "受邀"),
            ("attended", "出席"),
            ("spoke", "发言"),
            ("speech_minutes", "发言分钟"),
            ("voted", "表决"),
            ("suggestion", "意见建议"),
        ]
    ]
    + [("score", "得分")]
)

MENU_COLUMNS = [
    ("person_id", "编号"),
    ("name", "委员"),
    ("planned", "计划次数"),
    ("done", "已完成"),
    ("behind", "未完成菜单"),
    ("lines", "菜单明细"),
]


def _menu_lines(menu: dict[str, Any]) -> str:
    return "；".join(
        f"{duty_menu.KIND_NAMES[ln['kind']]}"
        + (f"（{ln['room_name']}）" if ln["room_name"] else "")
        + f" {ln['done']}/{ln['target']}"
        for ln in menu["lines"]
    )


def _neutral(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def table_rows(table: str, found: list[Any]) -> tuple[list[str], list[list[Any]]]:
    if table == "rooms":
        return [n for _, n in ROOM_COLUMNS], [
            [_neutral(r[k]) for k, _ in ROOM_COLUMNS] for r in found
        ]
    if table == "menu":
        return [n for _, n in MENU_COLUMNS], [
            [_neutral(_menu_lines(m) if k == "lines" else m[k]) for k, _ in MENU_COLUMNS]
            for m in found
        ]
    rows = []
    for record in found:
        flat = {"person_id": record.person_id, "name": record.name, "score": record.score}
        flat.update(record.counts)
        rows.append([_neutral(flat[k]) for k, _ in DUTY_COLUMNS])
    return [n for _, n in DUTY_COLUMNS], rows


def render(fmt: str, title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode()  # the BOM lets Excel read it as UTF-8
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


TABLE_TITLES = {"rooms": "协商议事室考核", "duty": "委员履职", "menu": "委员履职菜单"}
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def export_assessment(ctx: Context) -> Response:
    year = year_of(ctx)
    table = ctx.request.query_params.get("table", "rooms")
    fmt = ctx.request.query_params.get("format", "xlsx")
    if table not in TABLE_TITLES:
        raise Invalid(
            "table 只能是 rooms（协商议事室）、duty（委员履职）或 menu（履职菜单）", field="table"
        )
    if fmt not in MEDIA:
        raise Invalid("format 只能是 xlsx 或 csv", field="format")
    found: list[Any]
    if table == "rooms":
        found = await assessment.room_rows(ctx.session, ctx.principal, year)
    elif table == "menu":
        found = await duty_menu.office_menus(ctx.session, ctx.principal, year, datetime.now(UTC))
    else:
        found = await assessment.office_duty(ctx.session, ctx.principal, year)
    header, rows = table_rows(table, found)
    title = f"{year}年{TABLE_TITLES[table]}"
    content = await anyio.to_thread.run_sync(render, fmt, title, header, rows)
    name = f"{title}.{fmt}"
    disposition = (
        f"attachment; filename=\"assessment-{table}-{year}.{fmt}\"; filename*=UTF-8''" + quote(name)
    )
    return Response(content, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def yearly_report(ctx: Context) -> Response:
    org_unit_id = ctx.query_id("org_unit_id")
    if org_unit_id is None:
        raise Invalid("请用 org_unit_id 指定县（市、区）或市", field="org_unit_id")
    name, data = await assessment_report.yearly_report(
        ctx.session, ctx.principal, org_unit_id, year_of(ctx), datetime.now(UTC)
    )
    disposition = "attachment; filename=\"assessment-report.docx\"; filename*=UTF-8''" + quote(name)
    return Response(data, media_type=DOCX, headers={"Content-Disposition": disposition})


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/assessment",
        get_assessment,
        "年度考核：范围内每个协商议事室的活动次数与成果",
        None,
        Assessment,
        YEAR_QUERY,
        permission="assessment.read",
    ),
    Endpoint(
        "GET",
        "/api/assessment/dashboard",
        get_dashboard,
        "考核看板：按月活动、采纳落实率、参与界别、优秀协商议事室",
        None,
        Dashboard,
        YEAR_QUERY,
        permission="assessment.read",
    ),
    Endpoint(
        "GET",
        "/api/assessment/export",
        export_assessment,
        "导出考核表、委员履职表或履职菜单表（format=xlsx|csv，table=rooms|duty|menu）",
        None,
        None,
        {"year": "string", "table": "string", "format": "string"},
        permission="assessment.read",
    ),
    Endpoint(
        "GET",
        "/api/assessment/report.docx",
        yearly_report,
        "县（市、区）或市的年度协商议事室工作报告（公文格式 DOCX）",
        None,
        None,
        {"year": "string", "org_unit_id": "integer"},
        permission="assessment.report",
    ),
    Endpoint(
        "GET",
        "/api/assessment/rules",
        get_rules,
        "考核要求和履职计分规则",
        None,
        RulesOut,
        permission="assessment.read",
    ),
    Endpoint(
        "PUT",
        "/api/assessment/rules",
        put_rules,
        "修改考核要求和履职计分规则",
        RulesIn,
        RulesOut,
        permission="assessment.rules",
    ),
    Endpoint(
        "GET",
        "/api/assessment/duty",
        office_duty,
        "范围内委员的年度履职记录",
        None,
        DutyList,
        YEAR_QUERY,
        permission="assessment.read",
    ),
    Endpoint(
        "POST",
        "/api/rooms/{room_id:int}/awards",
        award_room,
        "评为优秀协商议事室（附评选依据）",
        AwardIn,
        AwardOut,
        permission="room.award",
    ),
    Endpoint(
        "GET",
        "/api/me/duty",
        my_duty,
        "本人的年度履职记录",
        None,
        DutyOut,
        YEAR_QUERY,
        permission="duty.mine",
    ),
]
