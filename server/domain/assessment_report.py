"""The yearly report of a county (or city) CPPCC on its consultation rooms, written from the
same figures the assessment dashboard shows: activities per room, rooms behind, outcomes and
their rates, excellent rooms, members' participation, training and publicity.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import OrgUnit
from server.db.models_outcomes import PublicityItem, TrainingSession
from server.documents.assessment_docx import Part, Table, YearlyReport, render_yearly_report_docx
from server.domain import assessment
from server.domain.errors import Invalid
from server.policy import Target

LEVEL_WORDS = {"township": "镇（街道、园区）", "village": "村（社区、企事业单位）"}
CATEGORY_WORDS = {
    "member": "委员",
    "stakeholder": "利益相关方代表",
    "official": "有关负责人",
    "guest": "其他人员",
}
CHANNEL_WORDS = {
    "portal": "门户网站",
    "wechat": "微信公众号",
    "press": "报刊",
    "app": "委员履职APP",
}
REPORTING_LEVELS = ("county", "city")


def percent(rate: float | None) -> str:
    """A rate as the report prints it (the dashboard's rate, one decimal)."""
    return "—" if rate is None else f"{rate:.1%}"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def issuer_of(session: AsyncSession, unit: OrgUnit) -> str:
    """The office that issues the report: 政协盐城市亭湖区委员会办公室."""
    parent = await session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    prefix = parent.name if parent is not None and parent.level == "city" else ""
    return f"政协{prefix}{unit.name}委员会办公室"


async def yearly_report(
    session: AsyncSession, principal: Principal | None, org_unit_id: int, year: int, now: datetime
) -> tuple[str, bytes]:
    """The report as DOCX and its file name, for the CPPCC office of the county or above."""
    assessment.check_year(year)
    await policy.authorize(session, principal, "assessment.report", Target(org_unit_id=org_unit_id))
    unit, reach = await assessment.area(session, org_unit_id)
    if unit.level not in REPORTING_LEVELS:
        raise Invalid("年度报告按县（市、区）或市出具，请选择县（市、区）或市", field="org_unit_id")
    found = await assessment.figures(session, reach, year, now)
    duty = await assessment.duty_within(session, reach, year)
    trainings = list(
        await session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.org_unit_id.in_(reach.org_unit_ids),
                TrainingSession.held_on >= date(year, 1, 1),
                TrainingSession.held_on <= date(year, 12, 31),
            )
            .order_by(TrainingSession.held_on, TrainingSession.id)
        )
    )
    publicity = list(
        await session.scalars(
            select(PublicityItem)
            .where(
                PublicityItem.room_id.in_(reach.room_ids),
                PublicityItem.published_on >= date(year, 1, 1),
                PublicityItem.published_on <= date(year, 12, 31),
            )
            .order_by(PublicityItem.published_on, PublicityItem.id)
        )
    )
    report = YearlyReport(
        title=f"{unit.name}“有事好商量”协商议事室{year}年度工作报告",
        opening=[_opening(unit.name, year, found)],
        parts=[
            _activities(found),
            _behind(found),
            _outcomes(found),
            _excellent(found),
            _participation(found, duty),
            _training_and_publicity(trainings, publicity),
        ],
        issuer=await issuer_of(session, unit),
        dated=chinese_date(now.astimezone(assessment.BEIJING).date()),
    )
    data = await anyio.to_thread.run_sync(render_yearly_report_docx, report)
    return f"{unit.name}{year}年度协商议事室工作报告.docx", data


def _opening(name: str, year: int, found: dict[str, Any]) -> str:
    rooms = found["rooms"]
    townships = sum(1 for r in rooms if r["level"] == "township")
    held = sum(r["activities"] for r in rooms)
    return (
        f"{year}年，{name}共有“有事好商量”协商议事室{len(rooms)}个，其中镇（街道、园区）"
        f"{townships}个、村（社区、企事业单位）{len(rooms) - townships}个，"
        f"全年举办协商议事活动{held}次。现将有关情况报告如下。"
    )


def _activities(found: dict[str, Any]) -> Part:
    rows = [
        [
            str(n),
            r["name"],
            LEVEL_WORDS.get(r["level"], r["level"]),
            str(r["activities"]),
            str(r["required"]),
            "未达标" if r["behind"] else "达标",
        ]
        for n, r in enumerate(found["rooms"], start=1)
    ]
    by_month = "、".join(f"{m}月{c}次" for m, c in enumerate(found["activities_by_month"], 1) if c)
    return Part(
        "各协商议事室活动情况",
        [f"按月份：{by_month or '全年尚无活动'}。"],
        Table(
            ["序号", "协商议事室", "层级", "活动次数", "应办次数", "完成情况"],
            rows,
            [2, 9, 6, 3, 3, 3],
        ),
    )


def _behind(found: dict[str, Any]) -> Part:
    behind = [r for r in found["rooms"] if r["behind"]]
    if not behind:
        return Part("未达到活动次数要求的协商议事室", ["各协商议事室均已达到全年活动次数要求。"])
    lines = [
        f"{r['name']}：已举办{r['activities']}次，应办{r['required']}次，"
        f"尚差{r['required'] - r['activities']}次。"
        for r in behind
    ]
    months = found["months_left"]
    tail = f"本年度还剩{months}个月，请督促上述议事室按要求开展活动。" if months else ""
    return Part(
        "未达到活动次数要求的协商议事室",
        [f"共{len(behind)}个协商议事室未达到要求（第二十二条）。", *lines]
        + ([tail] if tail else []),
    )


def _outcomes(found: dict[str, Any]) -> Part:
    rooms = found["rooms"]
    submitted = sum(r["outcomes"] for r in rooms)
    adopted = sum(r["adopted"] for r in rooms)
    implemented = sum(r["implemented"] for r in rooms)
    summary = (
        f"全年报送协商成果{submitted}份，提出建议{found['items']}条；其中采纳（含部分采纳）"
        f"{adopted}条，采纳率{percent(found['adoption_rate'])}；已落实{implemented}条，"
        f"落实率{percent(found['implementation_rate'])}。"
    )
    rows = [
        [r["name"], str(r["outcomes"]), str(r["adopted"]), str(r["implemented"])]
        for r in rooms
        if r["outcomes"]
    ]
    header = ["协商议事室", "报送成果", "采纳建议", "落实建议"]
    table = Table(header, rows, [9, 3, 3, 3]) if rows else None
    return Part("协商成果报送、采纳和落实情况", [summary], table)


def _excellent(found: dict[str, Any]) -> Part:
    names = {r["room_id"]: r["name"] for r in found["rooms"]}
    lines = [
        f"{names.get(a['room_id'], a['room_id'])}：{a['evidence']}（{a['by_name']}评定）"
        for a in found["awards"]
    ]
    if not lines:
        return Part("优秀协商议事室", ["本年度尚未评选优秀协商议事室。"])
    return Part(
        "优秀协商议事室", [f"本年度评选优秀协商议事室{len(lines)}个（第二十六条）。", *lines]
    )


def _participation(found: dict[str, Any], duty: list[assessment.DutyRecord]) -> Part:
    def total(kind: str) -> float:
        return sum(r.counts[kind] for r in duty)

    counts = found["participation"]
    by_category = "、".join(f"{CATEGORY_WORDS.get(c, c)}{n}人次" for c, n in counts.items() if n)
    lines = [f"参加协商议事活动的人员中，{by_category or '尚无参会记录'}。"]
    if duty:
        average = sum(r.score for r in duty) / len(duty)
        lines.append(
            f"{len(duty)}名委员有履职记录：受邀{total('invited'):g}人次，出席{total('attended'):g}"
            f"人次，发言{total('spoke'):g}人次、共{round(total('speech_minutes'), 1):g}分钟，"
            f"参加表决{total('voted'):g}次，提出意见建议{total('suggestion'):g}条，"
            f"参加培训{total('training'):g}人次；履职平均得分{average:.1f}分（第二十六条）。"
        )
    else:
        lines.append("本年度尚无委员履职记录。")
    return Part("委员参与情况", lines)


def _training_and_publicity(
    trainings: list[TrainingSession], publicity: list[PublicityItem]
) -> Part:
    lines = [f"举办专题培训{len(trainings)}期（第二十四条）。"]
    lines += [
        f"{chinese_date(t.held_on)}，{t.title}（{t.place}），{len(t.attendees)}人参加。"
        for t in trainings
    ]
    lines.append(f"刊发宣传报道{len(publicity)}篇（第二十五条）。")
    lines += [
        f"{chinese_date(p.published_on)}，{CHANNEL_WORDS.get(p.channel, p.channel)}：{p.title}。"
        for p in publicity
    ]
    return Part("培训和宣传", lines)
