"""What follows a meeting (第十七条—第二十一条): the numbered outcome submitted from the signed-off
recommendation report, each item's adoption, progress and feedback, escalation, follow-up,
reminders of overdue items, and what is published. Every rule about outcomes lives here.

Theory of operation. Staff of the room submit one outcome per meeting from a signed-off
协商建议; its items each name a responsible org unit and a due date. The unit's account (a
`unit_officer` grant over it) or the room's team on its behalf then records, per item, in this
order: a decision (采纳 / 部分采纳 / 暂不采纳, with reasons unless adopted outright), progress
(adopted items only, in percent), and the final feedback, which closes the item (an adopted
item only at 100%). Escalation (向上反映), follow-up (民主监督、视察、民主评议) and the
explanation to dissenters (解释说明) are the room team's records. An open item past its due
date is overdue; `remind_overdue` tells its unit's accounts at most once a (Beijing) day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import notify, policy
from server.auth import Principal
from server.db.engine import Database
from server.db.models import Meeting, OrgUnit
from server.db.models_outcomes import (
    DECISIONS,
    ESCALATION_LEVELS,
    FOLLOW_UP_METHODS,
    Outcome,
    OutcomeItem,
    OutcomeRecord,
)
from server.db.models_records import RecordVersion
from server.domain import audit, topics
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting
from server.notify import Notice
from server.policy import Target
from server.settings import Settings

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DEFAULT_RECIPIENTS = ("中共{unit}委员会", "{unit}人民政府")
DEFAULT_DAYS_TO_ANSWER = 30
MAX_ITEMS = 50
DECISION_NAMES = {"adopted": "采纳", "partly_adopted": "部分采纳", "not_adopted": "暂不采纳"}
FOLLOW_UP_NAMES = {"oversight": "民主监督", "inspection": "视察", "review": "民主评议"}
LEVEL_NAMES = {"county": "县（市、区）政协", "city": "市政协"}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def today(now: datetime) -> date:
    """The calendar day in Beijing: due dates and the once-a-day reminder count by it."""
    return now.astimezone(BEIJING).date()


async def meeting_topic_id(session: AsyncSession, meeting_id: int) -> int | None:
    """The topic (议题) the meeting consulted on, if it came from one: the one place that
    looks it up."""
    topic_id: int | None = await session.scalar(
        select(Meeting.topic_id).where(Meeting.id == meeting_id)
    )
    return topic_id


async def _topic_moves_on(
    session: AsyncSession, meeting_id: int, step: str, by: Principal | None, note: str
) -> None:
    """Carry the outcome's progress into its topic's timeline (submitted, closed), where the
    topic service's rules allow the step; a meeting without a topic has nothing to carry."""
    topic_id = await meeting_topic_id(session, meeting_id)
    if topic_id is not None and await topics.may_take(session, topic_id, step):
        await topics.record_step(session, topic_id, step, by, note)


async def topic_timeline(session: AsyncSession, meeting_id: int) -> list[dict[str, Any]]:
    """The steps the topic's timeline continues with after its meeting, in the shape of
    CONTRACT.md (`{"step", "at", "by", "note"}`): submitted, then the first adoption, the
    item that made every adopted item implemented, and the last feedback that closed them
    all (fed_back). The topic's page shows the adoption and implementation from it."""
    outcome = await session.scalar(select(Outcome).where(Outcome.meeting_id == meeting_id))
    if outcome is None:
        return []
    steps = [
        {
            "step": "submitted",
            "at": outcome.submitted_at,
            "by": outcome.submitted_by_name,
            "note": code_of(outcome),
        }
    ]
    history = await records_of(session, [i.id for i in outcome.items])
    decisions = sorted(
        (r for rows in history.values() for r in rows if r.kind == "decision"), key=lambda r: r.at
    )
    adopted = [r for r in decisions if r.data.get("decision") in ("adopted", "partly_adopted")]
    if adopted:
        steps.append({"step": "adopted", "at": adopted[0].at, "by": adopted[0].by_name, "note": ""})
    taken = [i for i in outcome.items if i.decision in ("adopted", "partly_adopted")]
    if taken and all(i.closed_at is not None for i in taken):
        last = max(taken, key=lambda i: i.closed_at or outcome.submitted_at)
        steps.append({"step": "implemented", "at": last.closed_at, "by": "", "note": ""})
    if outcome.items and all(i.closed_at is not None for i in outcome.items):
        feedback = [r for rows in history.values() for r in rows if r.kind == "feedback"]
        final = max(feedback, key=lambda r: r.at)
        steps.append({"step": "fed_back", "at": final.at, "by": final.by_name, "note": ""})
    return steps


# --- submission -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDraft:
    """An item as staff submit it: the recommendation, the unit responsible, the due date."""

    text: str
    unit_id: int
    due_on: date


async def _signed_report(
    session: AsyncSession, meeting_id: int, number: int | None
) -> RecordVersion:
    query = select(RecordVersion).where(
        RecordVersion.meeting_id == meeting_id,
        RecordVersion.kind == "recommendations",
        RecordVersion.status == "signed",
    )
    if number is not None:
        query = query.where(RecordVersion.number == number)
    version = await session.scalar(query.order_by(RecordVersion.number.desc()).limit(1))
    if version is None:
        if number is not None:
            raise Conflict(f"协商建议第 {number} 版尚未由主持人签发，签发后才能报送")
        raise Conflict("本次会议还没有签发的协商建议：请先起草协商建议并由主持人签发，再报送")
    return version


async def proposal(
    session: AsyncSession, principal: Principal | None, meeting_id: int, now: datetime
) -> dict[str, Any]:
    """What the submission form starts from: the latest signed report's items, each with
    the org unit its drafted `unit` names (when one matches) and a due date a month ahead."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "outcome.submit", Target(meeting=meeting))
    report = await _signed_report(session, meeting_id, None)
    units = {u.name: u.id for u in await session.scalars(select(OrgUnit))}
    due = today(now) + timedelta(days=DEFAULT_DAYS_TO_ANSWER)
    township = meeting.room.org_unit.name
    items = []
    for item in report.draft.get("items") or []:
        named = str(item.get("unit") or "")
        unit_id = units.get(named) or next(
            (i for n, i in units.items() if named and named in n), None
        )
        items.append(
            {
                "text": str(item.get("text") or ""),
                "unit_id": unit_id,
                "unit_name": named,
                "due_on": due,
            }
        )
    return {
        "report_version": report.number,
        "title": str(report.draft.get("title") or f"{meeting.title}协商建议"),
        "recipients": [r.format(unit=township) for r in DEFAULT_RECIPIENTS],
        "items": items,
    }


async def submit(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    report_version: int | None,
    title: str,
    recipients: Sequence[str],
    items: Sequence[ItemDraft],
    now: datetime,
) -> Outcome:
    """Submit (报送) the meeting's outcome from a signed-off report: numbered per room and year."""
    meeting = await get_meeting(session, meeting_id)
    who = await policy.authorize(session, principal, "outcome.submit", Target(meeting=meeting))
    report = await _signed_report(session, meeting_id, report_version)
    if await session.scalar(select(Outcome.id).where(Outcome.meeting_id == meeting_id)):
        raise Conflict("本次会议的协商成果已经报送，请在成果页面跟踪办理情况")
    if not items:
        raise Invalid("协商成果至少要有一条建议", field="items")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"一份协商成果最多 {MAX_ITEMS} 条建议", field="items")
    if not [r for r in recipients if r.strip()]:
        raise Invalid("请填写报送对象（如党委、政府或委托协商的部门）", field="recipients")
    for n, item in enumerate(items):
        if await session.get(OrgUnit, item.unit_id) is None:
            raise Invalid(
                f"第 {n + 1} 条建议的责任单位不存在，请重新选择", field=f"items.{n}.unit_id"
            )
        if item.due_on < today(now):
            raise Invalid(
                f"第 {n + 1} 条建议的办理时限已过，请选择今天以后的日期", field=f"items.{n}.due_on"
            )
    year = today(now).year
    last = await session.scalar(
        select(func.max(Outcome.serial)).where(
            Outcome.room_id == meeting.room_id, Outcome.year == year
        )
    )
    outcome = Outcome(
        meeting_id=meeting_id,
        room_id=meeting.room_id,
        year=year,
        serial=(last or 0) + 1,
        title=title,
        recipients=[r.strip() for r in recipients if r.strip()],
        report_version=report.number,
        submitted_at=now,
        submitted_by=who.person.id if who.person else None,
        submitted_by_name=who.name,
        items=[
            OutcomeItem(
                position=n,
                text=i.text,
                unit_id=i.unit_id,
                due_on=i.due_on,
                progress=0,
                published=False,
            )
            for n, i in enumerate(items, start=1)
        ],
    )
    session.add(outcome)
    await audit.record(session, who, "outcome.submit", "meeting", meeting_id, report=report.number)
    await _topic_moves_on(session, meeting_id, "submitted", principal, f"报送协商成果：{title}")
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict("其他人刚刚报送了协商成果，请刷新后查看") from None
    return await _outcome(session, outcome.id)


def code_of(outcome: Outcome) -> str:
    """The outcome's number as printed: 协商成果〔2026〕3号 (per room and year)."""
    return f"协商成果〔{outcome.year}〕{outcome.serial}号"


async def _outcome(session: AsyncSession, outcome_id: int) -> Outcome:
    outcome = await session.get(Outcome, outcome_id, populate_existing=True)
    if outcome is None:
        raise NotFound("找不到该协商成果")
    return outcome


async def of_meeting(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> Outcome:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "outcome.read", Target(meeting=meeting))
    outcome = await session.scalar(select(Outcome).where(Outcome.meeting_id == meeting_id))
    if outcome is None:
        raise NotFound("本次会议还没有报送协商成果")
    return outcome


async def publish(
    session: AsyncSession, principal: Principal | None, meeting_id: int, choices: Mapping[int, bool]
) -> Outcome:
    """Staff choose which items the public portal shows (第十九条 以适当方式向社会公开)."""
    meeting = await get_meeting(session, meeting_id)
    who = await policy.authorize(session, principal, "outcome.publish", Target(meeting=meeting))
    outcome = await session.scalar(select(Outcome).where(Outcome.meeting_id == meeting_id))
    if outcome is None:
        raise NotFound("本次会议还没有报送协商成果")
    by_id = {item.id: item for item in outcome.items}
    unknown = [i for i in choices if i not in by_id]
    if unknown:
        raise Invalid(f"建议 {unknown[0]} 不属于本次会议的协商成果", field="items")
    for item_id, published in choices.items():
        by_id[item_id].published = published
    await audit.record(
        session,
        who,
        "outcome.publish",
        "meeting",
        meeting_id,
        items={str(k): v for k, v in choices.items()},
    )
    await session.commit()
    return await _outcome(session, outcome.id)


# --- items and their records ----------------------------------------------------------------


def is_overdue(item: OutcomeItem, now: datetime) -> bool:
    """Open (no final feedback yet) and past its due date."""
    return item.closed_at is None and item.due_on < today(now)


async def _item(session: AsyncSession, item_id: int) -> OutcomeItem:
    item = await session.get(OutcomeItem, item_id, populate_existing=True)
    if item is None:
        raise NotFound("找不到该条协商建议")
    return item


async def may_answer(session: AsyncSession, principal: Principal | None, item: OutcomeItem) -> bool:
    """Whether the principal may record the item's decision, progress and feedback."""
    target = Target(org_unit_id=item.unit_id, meeting=item.outcome.meeting)
    return await policy.allows(session, principal, "outcome.answer", target)


async def readable_item(
    session: AsyncSession, principal: Principal | None, item_id: int
) -> OutcomeItem:
    """One item, for its unit's accounts and the room's team (and the office above it)."""
    policy.authorize_now("outcome.items", principal)
    item = await _item(session, item_id)
    meeting = item.outcome.meeting
    if not await may_answer(session, principal, item):
        await policy.authorize(session, principal, "outcome.read", Target(meeting=meeting))
    return item


async def visible_items(
    session: AsyncSession, principal: Principal | None, *, overdue_only: bool, now: datetime
) -> list[OutcomeItem]:
    """The items the principal works on: a unit's account sees its unit's items only; the
    room's team and the CPPCC office above it see their rooms' items."""
    policy.authorize_now("outcome.items", principal)
    answering = await policy.reach(session, principal, {"unit_officer", "cppcc_staff"})
    organising = await policy.reach(session, principal, policy.ORGANISERS)
    query = select(OutcomeItem).join(Outcome).order_by(OutcomeItem.due_on, OutcomeItem.id)
    if not (answering.everywhere or organising.everywhere):
        query = query.where(
            OutcomeItem.unit_id.in_(answering.org_unit_ids)
            | Outcome.room_id.in_(organising.room_ids)
        )
    items = list(await session.scalars(query))
    return [i for i in items if is_overdue(i, now)] if overdue_only else items


async def records_of(
    session: AsyncSession, item_ids: Sequence[int]
) -> dict[int, list[OutcomeRecord]]:
    rows = await session.scalars(
        select(OutcomeRecord).where(OutcomeRecord.item_id.in_(item_ids)).order_by(OutcomeRecord.id)
    )
    found: dict[int, list[OutcomeRecord]] = {i: [] for i in item_ids}
    for row in rows:
        found[row.item_id].append(row)
    return found


@dataclass(frozen=True)
class RecordIn:
    """One record on an item, as a form sends it; which fields count depends on `kind`."""

    kind: str
    note: str = ""
    decision: str | None = None
    percent: int | None = None
    on: date | None = None
    to: str | None = None
    method: str | None = None


Apply = Callable[[OutcomeItem, RecordIn, datetime], dict[str, Any]]


def _decide(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if rec.decision not in DECISIONS:
        raise Invalid("请选择采纳、部分采纳或暂不采纳", field="decision")
    if rec.decision != "adopted" and len(rec.note.strip()) < 2:
        raise Invalid(f"{DECISION_NAMES[rec.decision]}须说明理由，请填写", field="note")
    if item.progress > 0 and rec.decision == "not_adopted":
        raise Conflict("这条建议已在落实中，不能改为暂不采纳")
    item.decision = rec.decision
    item.decision_reason = rec.note.strip() or None
    item.decided_at = now
    return {"decision": rec.decision}


def _progress(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if item.decision not in ("adopted", "partly_adopted"):
        raise Conflict("请先答复采纳情况：采纳或部分采纳的建议才需要报告落实进度")
    if rec.percent is None or not 0 <= rec.percent <= 100:
        raise Invalid("进度是 0 到 100 之间的百分数", field="percent")
    if not rec.note.strip():
        raise Invalid("请简要说明落实情况", field="note")
    item.progress = rec.percent
    return {"percent": rec.percent, "on": (rec.on or today(now)).isoformat()}


def _feedback(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if item.decision is None:
        raise Conflict("请先答复采纳情况，再填写办理结果反馈")
    if item.decision != "not_adopted" and item.progress < 100:
        raise Conflict("落实进度到 100% 后才能反馈办理结果；请先更新进度")
    if len(rec.note.strip()) < 2:
        raise Invalid("请填写办理结果反馈", field="note")
    item.feedback = rec.note.strip()
    item.closed_at = now
    return {}


def _escalate(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if rec.to not in ESCALATION_LEVELS:
        raise Invalid("请选择向县（市、区）政协还是市政协反映", field="to")
    if len(rec.note.strip()) < 2:
        raise Invalid("请写明反映的情况", field="note")
    item.escalated_to = rec.to
    return {"to": rec.to}


def _follow_up(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if rec.method not in FOLLOW_UP_METHODS:
        raise Invalid("请选择民主监督、视察或民主评议", field="method")
    if len(rec.note.strip()) < 2:
        raise Invalid("请记录跟踪办理的情况", field="note")
    return {"method": rec.method, "on": (rec.on or today(now)).isoformat()}


def _explain(item: OutcomeItem, rec: RecordIn, now: datetime) -> dict[str, Any]:
    if len(rec.note.strip()) < 2:
        raise Invalid("请记录向持不同意见群众所做的解释说明", field="note")
    return {}


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: who may add it (a permission) and what it changes."""

    permission: str
    apply: Apply
    closed_ok: bool = False  # may be added after the final feedback


RECORD_KINDS: dict[str, RecordKind] = {
    "decision": RecordKind("outcome.answer", _decide),
    "progress": RecordKind("outcome.answer", _progress),
    "feedback": RecordKind("outcome.answer", _feedback),
    "escalation": RecordKind("outcome.follow", _escalate, closed_ok=True),
    "follow_up": RecordKind("outcome.follow", _follow_up, closed_ok=True),
    "explanation": RecordKind("outcome.follow", _explain, closed_ok=True),
}


async def add_record(
    session: AsyncSession, principal: Principal | None, item_id: int, rec: RecordIn, now: datetime
) -> OutcomeItem:
    """Record a decision, progress, feedback, escalation, follow-up or explanation."""
    policy.authorize_now("outcome.items", principal)
    item = await _item(session, item_id)
    kind = RECORD_KINDS.get(rec.kind)
    if kind is None:
        raise Invalid("不认识的记录类型", field="kind")
    meeting = item.outcome.meeting
    if kind.permission == "outcome.answer":
        target = Target(org_unit_id=item.unit_id, meeting=meeting)
    else:
        target = Target(meeting=meeting)
    who = await policy.authorize(session, principal, kind.permission, target)
    if item.closed_at is not None and not kind.closed_ok:
        raise Conflict("这条建议已经反馈办理结果，不能再修改")
    data = kind.apply(item, rec, now)
    session.add(
        OutcomeRecord(
            item_id=item.id,
            kind=rec.kind,
            at=now,
            by_id=who.person.id if who.person else None,
            by_name=who.name,
            note=rec.note.strip(),
            data=data,
        )
    )
    open_items = select(func.count()).where(
        OutcomeItem.outcome_id == item.outcome_id, OutcomeItem.closed_at.is_(None)
    )
    if rec.kind == "feedback" and not await session.scalar(open_items):
        await _topic_moves_on(
            session, meeting.id, "closed", principal, "协商建议均已反馈办理结果，议题办结"
        )
    await session.commit()
    return await _item(session, item_id)


# --- reminders ------------------------------------------------------------------------------

Deliver = Callable[[Notice], Awaitable[list[str]]]


@dataclass(frozen=True)
class Reminder:
    item_id: int
    people: list[str]
    channels: list[str]


async def remind_overdue(session: AsyncSession, deliver: Deliver, now: datetime) -> list[Reminder]:
    """Tell the accounts of each overdue item's unit, at most once a Beijing day per item;
    each reminder is kept on the item (shown in the product) with the channels that took it."""
    day = today(now)
    due = await session.scalars(
        select(OutcomeItem)
        .where(OutcomeItem.closed_at.is_(None), OutcomeItem.due_on < day)
        .where((OutcomeItem.reminded_on.is_(None)) | (OutcomeItem.reminded_on < day))
        .order_by(OutcomeItem.id)
    )
    sent: list[Reminder] = []
    for item in list(due):
        owners = await policy.holders(session, "unit_officer", item.unit_id)
        channels: set[str] = set()
        for person in owners:
            late = (day - item.due_on).days
            notice = Notice(
                name=person.name,
                email=person.email,
                phone=person.phone,
                subject="协商建议办理已超期",
                text=f"{code_of(item.outcome)}第 {item.position} 条建议（{item.text[:40]}）"
                f"办理时限为 {item.due_on.isoformat()}，已超期 {late} 天，请尽快答复办理情况。",
            )
            channels.update(await deliver(notice))
        item.reminded_on = day
        names = [p.name for p in owners]
        session.add(
            OutcomeRecord(
                item_id=item.id,
                kind="reminder",
                at=now,
                by_id=None,
                by_name=audit.SYSTEM_NAME,
                note="超期提醒",
                data={"people": names, "channels": sorted(channels)},
            )
        )
        sent.append(Reminder(item.id, names, sorted(channels)))
    await session.commit()
    return sent


async def remind_overdue_now(settings: Settings) -> list[Reminder]:
    """`remind_overdue` by the real clock and the configured e-mail and SMS (`hsl outcomes
    remind`, run daily by cron or a systemd timer; a second run the same day sends nothing)."""
    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            return await remind_overdue(
                session, lambda notice: notify.deliver(settings, notice), utc_now()
            )
    finally:
        await db.close()


# --- the public portal ----------------------------------------------------------------------


async def public_outcomes(session: AsyncSession) -> list[dict[str, Any]]:
    """Outcomes with at least one item staff chose to publish, and those items only."""
    rows = await session.scalars(
        select(Outcome)
        .where(Outcome.id.in_(select(OutcomeItem.outcome_id).where(OutcomeItem.published)))
        .order_by(Outcome.submitted_at.desc(), Outcome.id.desc())
    )
    found = []
    for outcome in rows:
        found.append(
            {
                "outcome_id": outcome.id,
                "topic_id": await meeting_topic_id(session, outcome.meeting_id),
                "title": outcome.title,
                "items": [
                    {
                        "text": item.text,
                        "unit": item.unit.name,
                        "decision": item.decision,
                        "progress": item.progress,
                        "feedback": item.feedback,
                    }
                    for item in outcome.items
                    if item.published
                ],
            }
        )
    return found
