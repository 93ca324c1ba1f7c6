"""The topic service (议题): proposals, screening, approval, filing, notice and research, and
the rule that a meeting opens only for a topic that went through them (第十一条–第十六条).

Theory of operation. A topic's `status` is the furthest step it has reached; every change is
one `record_step`, which checks the step against `STEPS` (which statuses it may follow and
which it leads to) and appends `{step, at, by, note}` to the timeline. The functions below
authorise the caller (server.policy), check the article's own rule, then record the step.
`opening_refusal` is the one place that decides whether a meeting's topic lets it go live.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.screening import screen_topic
from nlp.themes import Suggestion as ThemeText
from nlp.themes import cluster_themes
from server import policy
from server.auth import Principal
from server.db.models import Meeting, OrgUnit, Person, Room
from server.db.models_topics import (
    TOPIC_SOURCES,
    Topic,
    TopicResearch,
    TopicStep,
)
from server.documents.topic_docx import TopicDocument, render_topic_docx
from server.domain import audit
from server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from server.policy import Target

SHANGHAI = ZoneInfo("Asia/Shanghai")

# step: (the statuses it may follow, the status it leads to; None leaves the status alone)
STEPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "proposed": ((), "proposed"),
    "screened": (("proposed",), "screened"),
    "excluded": (("proposed", "screened"), "rejected"),
    "surveyed": (("proposed", "screened"), None),  # a questionnaire's result (问卷调查)
    "heard": (("proposed", "screened"), None),  # a hearing's or forum's conclusion (听证、座谈)
    "returned": (("screened",), "proposed"),
    "approved": (("screened",), "approved"),
    "rejected": (("proposed", "screened"), "rejected"),
    "filed": (("approved",), "filed"),
    "noticed": (("approved", "filed"), "noticed"),
    "researched": (("approved", "filed", "noticed", "researched"), None),
    "comment": (("filed", "noticed", "researched", "held", "submitted", "closed"), None),
    "meeting": (("approved", "filed", "noticed", "researched"), None),
    "override": (("approved", "filed", "noticed", "researched"), None),
    "moderated": ((), None),  # held, released, removed, or taken down on a report
    "held": (("approved", "filed", "noticed", "researched"), "held"),
    "submitted": (("held",), "submitted"),
    "closed": (("held", "submitted"), "closed"),
}
# What each step and status is called in a refusal.
STEP_WORDS = {
    "proposed": "提出",
    "screened": "筛选入选",
    "excluded": "不列入协商范围",
    "surveyed": "记录问卷调查结果",
    "heard": "记录听证座谈结论",
    "returned": "退回",
    "approved": "审定",
    "rejected": "不予采用",
    "filed": "备案",
    "noticed": "公示",
    "researched": "调研",
    "comment": "评注",
    "meeting": "安排会议",
    "override": "记录提前开会理由",
    "moderated": "审核",
    "held": "召开会议",
    "submitted": "报送成果",
    "closed": "办结",
}
STATUS_WORDS = {
    "proposed": "已提出",
    "screened": "已筛选",
    "approved": "已审定",
    "filed": "已备案",
    "noticed": "公示中",
    "researched": "已调研",
    "held": "已开会",
    "submitted": "已报送",
    "closed": "已办结",
    "rejected": "不予采用",
}
# 第十一条: what is left out of consultation, by the screening hints' kinds (nlp.screening).
EXCLUSIONS = {
    "settled_by_policy": "党的政策、国家法律法规或上级党委政府已有明确要求或明文规定",
    "individual_dispute": "属于个体矛盾纠纷",
    "litigation": "涉法涉诉",
    "already_agreed": "已经达成一致共识",
}
# Statuses of a topic a meeting may be planned for.
READY = ("approved", "filed", "noticed", "researched")
# Rules of the opening that a written reason may set aside; approval and filing never.
OVERRIDABLE = ("notice", "research")
MEETING_FORMS = {"in_room": "现场协商", "online": "网络协商", "hybrid": "线上线下结合"}
_NUMERALS = "零一二三四五六七八九十"


def days_words(days: int) -> str:
    return _NUMERALS[days] if 0 <= days <= 10 else str(days)


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


# -- the timeline -------------------------------------------------------------------------


async def record_step(
    session: AsyncSession,
    topic_id: int,
    step: str,
    by: Principal | Person | None,
    note: str = "",
    *,
    now: datetime | None = None,
    **details: Any,
) -> Topic:
    """Append one step to the topic's timeline and move its status as `STEPS` says; refuses
    a step the status does not allow. The caller has authorised it and commits."""
    topic = await _topic(session, topic_id)
    if step not in STEPS:
        raise ValueError(f"unknown topic step {step!r}")
    leads_to = STEPS[step][1]
    if not allows(topic.status, step):
        raise Conflict(f"议题当前状态为「{STATUS_WORDS[topic.status]}」，不能{STEP_WORDS[step]}")
    person = by.person if isinstance(by, Principal) else by
    topic.steps.append(
        TopicStep(
            step=step,
            at=now or datetime.now(UTC),
            by_id=person.id if person is not None else None,
            by_name=(person.name if person is not None else audit.SYSTEM_NAME)[:64],
            note=note,
            details=details,
        )
    )
    if leads_to is not None:
        topic.status = leads_to
    await session.flush()
    return topic


def allows(status: str, step: str) -> bool:
    """Whether a topic in `status` may take `step` (the one reading of `STEPS`)."""
    after = STEPS[step][0]
    return not after or status in after


async def may_take(session: AsyncSession, topic_id: int, step: str) -> bool:
    """Whether the topic's status lets it take `step` now (what `record_step` would allow).
    The topic stays in the session, so `record_step` does not read it again."""
    return allows((await _topic(session, topic_id)).status, step)


async def meeting_ended(session: AsyncSession, meeting_id: int) -> None:
    """The meeting of a topic has closed: the topic is held (召开会议). The live meeting's
    status hook calls this in the transaction that ends the meeting."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.topic_id is None:
        return
    if await may_take(session, meeting.topic_id, "held"):
        await record_step(session, meeting.topic_id, "held", None, f"召开会议：{meeting.title}")


async def _topic(session: AsyncSession, topic_id: int) -> Topic:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("议题不存在，请检查编号")
    return topic


async def _room(session: AsyncSession, room_id: int) -> Room:
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("协商议事室不存在", field="room_id")
    return room


async def county_of(session: AsyncSession, room: Room) -> int | None:
    """The county (县、市、区) above a room, whose CPPCC office files its topics."""
    for unit_id in await policy.org_chain(session, room.org_unit_id):
        unit = await session.get(OrgUnit, unit_id)
        if unit is not None and unit.level == "county":
            return unit.id
    return None


def receipt_code() -> str:
    return "YT" + secrets.token_hex(5).upper()


# -- proposing (第十二条) -----------------------------------------------------------------


def _text(fields: dict[str, Any], name: str) -> str:
    return str(fields.get(name) or "").strip()


async def propose(
    session: AsyncSession, principal: Principal | None, fields: dict[str, Any]
) -> Topic:
    """A topic proposed by someone signed in: staff enter any of the four sources on a
    resident's or leader's behalf; others propose as what they are (委员荐题 for members)."""
    room = await _room(session, fields["room_id"])
    who = await policy.authorize(session, principal, "topic.propose", Target(room_id=room.id))
    assert who.person is not None
    staff = await policy.allows(session, who, "topic.screen", Target(room_id=room.id))
    source = fields.get("source")
    if not staff or source is None:
        source = {"member": "member", "official": "leader"}.get(who.person.category, "resident")
    if source not in TOPIC_SOURCES:
        raise Invalid("议题来源只能是征题、群众出题、委员荐题或党政领导点题", field="source")
    proposer = _text(fields, "proposer_name") if staff else ""
    topic = Topic(
        room_id=room.id,
        source=source,
        title=_text(fields, "title"),
        description=_text(fields, "description"),
        place=_text(fields, "place"),
        status="proposed",
        proposer_id=who.person.id,
        proposer_name=(proposer or who.person.name)[:64],
        contact_name=_text(fields, "contact_name")[:64],
        contact_phone=_text(fields, "contact_phone")[:32],
        receipt=receipt_code(),
        moderation="clear",
        created_at=datetime.now(UTC),
        steps=[],
        research=[],
    )
    session.add(topic)
    await session.flush()
    await record_step(session, topic.id, "proposed", who, SOURCE_NOTES[source])
    await session.commit()
    return topic


SOURCE_NOTES = {
    "public": "面向社会征题",
    "resident": "群众出题",
    "member": "委员荐题",
    "leader": "党政领导点题",
}


@dataclass(frozen=True)
class PublicProposal:
    room_id: int
    title: str
    description: str
    contact_name: str
    contact_phone: str
    place: str = ""
    call_id: int | None = None


async def propose_publicly(
    session: AsyncSession, proposal: PublicProposal, *, held_words: Sequence[str]
) -> Topic:
    """A resident's proposal through /public, without an account (面向社会征题). Held for
    moderation when it contains a listed word or the room moderates everything first."""
    room = await _room(session, proposal.room_id)
    if proposal.call_id is not None:
        from server.domain.topic_calls import open_call

        call = await open_call(session, proposal.call_id)
        if call.room_id != room.id:
            raise Invalid("这次征题不属于所选的协商议事室", field="call_id")
    held = bool(held_words) or room.premoderate
    topic = Topic(
        room_id=room.id,
        call_id=proposal.call_id,
        source="public",
        title=proposal.title,
        description=proposal.description,
        place=proposal.place,
        status="proposed",
        proposer_name=proposal.contact_name[:64],
        contact_name=proposal.contact_name[:64],
        contact_phone=proposal.contact_phone[:32],
        receipt=receipt_code(),
        moderation="held" if held else "clear",
        created_at=datetime.now(UTC),
        steps=[],
        research=[],
    )
    session.add(topic)
    await session.flush()
    await record_step(session, topic.id, "proposed", None, "面向社会征题（公众通过公开页面提交）")
    if held:
        reason = (
            "含有敏感词（" + "、".join(held_words) + "），待工作人员审核"
            if held_words
            else "本议事室的公众提交须先审核"
        )
        await record_step(session, topic.id, "moderated", None, reason, decision="held")
    await session.commit()
    return topic


# -- reading ------------------------------------------------------------------------------


async def read_topic(session: AsyncSession, principal: Principal | None, topic_id: int) -> Topic:
    """A topic for its room's staff, reviewers and the CPPCC office above it."""
    topic = await _topic(session, topic_id)
    await policy.authorize(session, principal, "topic.read", Target(room_id=topic.room_id))
    return topic


async def list_topics(
    session: AsyncSession,
    principal: Principal | None,
    *,
    room_id: int | None = None,
    status: str | None = None,
) -> list[Topic]:
    """The topics of every room the caller may read, newest first."""
    await policy.authorize(session, principal, "topic.list")
    query = select(Topic).order_by(Topic.created_at.desc(), Topic.id.desc())
    if room_id is not None:
        query = query.where(Topic.room_id == room_id)
    if status is not None:
        query = query.where(Topic.status == status)
    readable: dict[int, bool] = {}
    out = []
    for topic in await session.scalars(query.limit(500)):
        if topic.room_id not in readable:
            readable[topic.room_id] = await policy.allows(
                session, principal, "topic.read", Target(room_id=topic.room_id)
            )
        if readable[topic.room_id]:
            out.append(topic)
    return out


def hints_of(topic: Topic) -> list[dict[str, Any]]:
    """The 第十一条 screening hints for the topic's text (advice for staff, never a decision)."""
    return [
        {"kind": h.kind, "message": h.message, "triggers": list(h.triggers)}
        for h in screen_topic(f"{topic.title}。{topic.description}")
    ]


@dataclass(frozen=True)
class ScreeningTheme:
    """Proposals that say much the same thing, found by the clustering that groups
    suggestions into themes (nlp.themes), for staff screening them side by side."""

    label: str
    keywords: list[str]
    topic_ids: list[int]


# Topics still to be screened; held or removed public submissions are not screened.
AWAITING_SCREENING = ("proposed", "screened")


async def screening_themes(rows: Sequence[Topic]) -> list[ScreeningTheme]:
    """The listed topics awaiting screening grouped into themes, largest first (a topic that
    resembles no other is a theme of its own); clustered off the event loop."""
    pending = [
        r for r in rows if r.status in AWAITING_SCREENING and r.moderation in ("clear", "released")
    ]
    if not pending:
        return []
    texts = [ThemeText(str(r.id), f"{r.title}。{r.description}") for r in pending]
    themes = await anyio.to_thread.run_sync(lambda: cluster_themes(texts).themes())
    found = [ScreeningTheme(t.label, list(t.keywords), [int(m) for m in t.members]) for t in themes]
    return sorted(found, key=lambda t: (-len(t.topic_ids), t.topic_ids[0]))


async def meetings_of(session: AsyncSession, topic_id: int) -> list[Meeting]:
    rows = await session.scalars(
        select(Meeting).where(Meeting.topic_id == topic_id).order_by(Meeting.starts_at)
    )
    return list(rows)


# -- screening (第十一条, 第十三条) --------------------------------------------------------


async def _editable(
    session: AsyncSession, principal: Principal | None, topic_id: int, permission: str
) -> tuple[Principal, Topic]:
    topic = await _topic(session, topic_id)
    who = await policy.authorize(session, principal, permission, Target(room_id=topic.room_id))
    return who, topic


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Invalid(f"请写明{what}的理由", field="reason")
    return reason


# 第十三条: a screening by questionnaire or hearing rests on its recorded result.
EVIDENCE = {"questionnaire": ("surveyed", "问卷调查"), "hearing": ("heard", "听证会、座谈会")}


def _evidence(topic: Topic, method: str) -> dict[str, Any]:
    """The recorded result a screening by `method` rests on (the latest), or a refusal."""
    if method not in EVIDENCE:
        return {}
    step, words = EVIDENCE[method]
    found = [s for s in topic.steps if s.step == step]
    if not found:
        raise Conflict(
            f"依据第十三条，以{words}方式筛选，须先记录{words}的结果，再据此列入或不列入",
        )
    return {"evidence": {"step": step, "at": found[-1].at.isoformat(), **found[-1].details}}


async def screen(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    decision: str,
    reason: str = "",
    exclusion: str | None = None,
    method: str = "",
) -> Topic:
    """Put a proposal on the shortlist, or leave it out under 第十一条 with the exclusion and
    the reason written down. By questionnaire or hearing, the step cites the recorded result."""
    who, topic = await _editable(session, principal, topic_id, "topic.screen")
    if topic.moderation == "held":
        raise Conflict("这条公众提交还在等待审核，请先在审核队列中处理")
    evidence = _evidence(topic, method) if decision == "shortlist" else {}
    if decision == "shortlist":
        note = reason.strip() or "列入拟上会议题"
        if evidence:
            note += f"（依据{EVIDENCE[method][1]}结果）"
        await record_step(session, topic.id, "screened", who, note, method=method, **evidence)
    elif decision == "exclude":
        if exclusion not in EXCLUSIONS:
            raise Invalid("请选择第十一条中不列入协商范围的情形", field="exclusion")
        text = _reason(reason, "不列入协商范围")
        note = f"依据第十一条，{EXCLUSIONS[exclusion]}，不列入协商议事议题范围：{text}"
        await record_step(session, topic.id, "excluded", who, note, exclusion=exclusion)
        topic.exclusion = exclusion
    else:
        raise Invalid("筛选结果只能是列入（shortlist）或不列入（exclude）", field="decision")
    await session.commit()
    return topic


# -- approval and filing (第十四条) --------------------------------------------------------


async def review(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    decision: str,
    reason: str = "",
) -> Topic:
    """The party organisation of the room's level decides: approve, return with reasons to
    the proposer's staff, or reject. Nobody decides on their own proposal."""
    who, topic = await _editable(session, principal, topic_id, "topic.approve")
    assert who.person is not None
    if topic.proposer_id == who.person.id:
        raise Forbidden("不能审定本人提出的议题，请由同级党组织的其他审定人员办理")
    if decision == "approve":
        await record_step(session, topic.id, "approved", who, reason.strip() or "同意")
        topic.approved_by = who.person.id
        topic.approved_at = datetime.now(UTC)
    elif decision == "return":
        text = _reason(reason, "退回")
        await record_step(session, topic.id, "returned", who, f"退回议题提出方的工作人员：{text}")
    elif decision == "reject":
        await record_step(session, topic.id, "rejected", who, _reason(reason, "不予采用"))
    else:
        raise Invalid("审定结果只能是同意、退回或不予采用", field="decision")
    await session.commit()
    return topic


async def _county_target(session: AsyncSession, topic: Topic) -> Target:
    county = await county_of(session, topic.room)
    # A room with no county above it is filed with whoever holds the office over it.
    return Target(org_unit_id=county) if county is not None else Target(room_id=topic.room_id)


async def file(
    session: AsyncSession, principal: Principal | None, topic_id: int, note: str = ""
) -> Topic:
    """The county CPPCC files an approved topic of a township room; village rooms need none."""
    topic = await _topic(session, topic_id)
    who = await policy.authorize(
        session, principal, "topic.file", await _county_target(session, topic)
    )
    if topic.room.level != "township":
        raise Conflict(
            "依据第十四条，村（社区）议事室的议题由同级党组织审定即可，无需报县级政协备案"
        )
    await record_step(session, topic.id, "filed", who, note.strip() or "已备案")
    topic.filed_at = datetime.now(UTC)
    await session.commit()
    return topic


async def comment(
    session: AsyncSession, principal: Principal | None, topic_id: int, note: str
) -> Topic:
    """The county CPPCC's comment on a filed topic, in its timeline."""
    topic = await _topic(session, topic_id)
    who = await policy.authorize(
        session, principal, "topic.comment", await _county_target(session, topic)
    )
    await record_step(session, topic.id, "comment", who, _reason(note, "评注").strip())
    await session.commit()
    return topic


# -- notice and research (第十四条, 第十五条) ---------------------------------------------


async def notice(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    meeting_at: datetime,
    place: str,
    form: str,
    how_to_join: str,
    now: datetime | None = None,
) -> Topic:
    """Put the topic under public notice with the meeting's time, place, form and how to take
    part; a township topic must be filed first, and the meeting must still be ahead."""
    who, topic = await _editable(session, principal, topic_id, "topic.notice")
    now = now or datetime.now(UTC)
    if topic.status == "approved" and topic.room.level == "township":
        raise Conflict("依据第十四条，镇（街道）议事室的议题须报县（市、区）政协备案后才能公示")
    if meeting_at <= now:
        raise Invalid("会议时间已过，请填写今后的时间", field="meeting_at")
    if form not in MEETING_FORMS:
        raise Invalid("协商形式只能是现场、网络或线上线下结合", field="form")
    days = topic.room.notice_days
    if local_date(meeting_at) - local_date(now) < timedelta(days=days):
        warning = f"（会议距公示不足{days_words(days)}天，开会前须记录书面理由）"
    else:
        warning = ""
    topic.noticed_at = now
    topic.meeting_at = meeting_at.astimezone(UTC)
    topic.meeting_place = place.strip()
    topic.meeting_form = form
    topic.how_to_join = how_to_join.strip()
    await record_step(
        session, topic.id, "noticed", who, f"公示：{MEETING_FORMS[form]}，{place.strip()}{warning}"
    )
    await session.commit()
    return topic


async def add_research(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    who_went: str,
    place: str,
    done_on: datetime,
    findings: str,
) -> TopicResearch:
    """A research record (第十五条); the first one after the notice makes the topic researched."""
    who, topic = await _editable(session, principal, topic_id, "topic.research")
    assert who.person is not None
    if done_on > datetime.now(UTC) + timedelta(days=1):
        raise Invalid("调研时间不能晚于今天", field="done_on")
    record = TopicResearch(
        who=who_went.strip(),
        place=place.strip(),
        done_on=done_on.astimezone(UTC),
        findings=findings.strip(),
        created_by=who.person.id,
        created_at=datetime.now(UTC),
    )
    topic.research.append(record)
    await record_step(session, topic.id, "researched", who, f"{record.who}赴{record.place}调研")
    if topic.status == "noticed":
        topic.status = "researched"
    await session.commit()
    return record


# -- the meeting (第十四条–第十六条) ------------------------------------------------------


async def link_meeting(
    session: AsyncSession, principal: Principal | None, topic_id: int, meeting: Meeting
) -> Topic:
    """Tie a new meeting to its topic: the same room, and a topic approved for a meeting.
    The caller (meetings.create_meeting) has authorised the meeting and commits."""
    topic = await read_topic(session, principal, topic_id)
    if topic.room_id != meeting.room_id:
        raise Invalid("所选议题属于另一个协商议事室", field="topic_id")
    if topic.status not in READY:
        raise Conflict(
            f"议题当前状态为「{STATUS_WORDS[topic.status]}」，经审定后才能据此安排会议",
        )
    meeting.topic_id = topic.id
    await session.flush()
    when = meeting.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    await record_step(session, topic.id, "meeting", principal, f"安排会议：{meeting.title}，{when}")
    return topic


async def override(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    rules: Sequence[str],
    reason: str,
) -> Topic:
    """A written reason to open the topic's meeting although its notice is younger than the
    room's notice days or it has no research record; kept in the timeline and the audit log."""
    who, topic = await _editable(session, principal, topic_id, "topic.override")
    wanted = sorted(set(rules))
    if not wanted or any(r not in OVERRIDABLE for r in wanted):
        raise Invalid("只能为公示期（notice）或调研（research）记录书面理由", field="rules")
    text = _reason(reason, "提前开会")
    if len(text) < 5:
        raise Invalid("书面理由至少写五个字，说明为什么必须提前", field="reason")
    words = {"notice": "公示未满期限", "research": "尚无调研记录"}
    note = "、".join(words[r] for r in wanted) + f"仍开会的理由：{text}"
    await record_step(session, topic.id, "override", who, note, rules=wanted)
    await audit.record(session, who, "topic.override", "topic", topic.id, rules=wanted, reason=text)
    await session.commit()
    return topic


def _overridden(topic: Topic) -> set[str]:
    found: set[str] = set()
    for step in topic.steps:
        if step.step == "override":
            found.update(step.details.get("rules", []))
    return found


async def opening_refusal(
    session: AsyncSession, meeting_id: int, now: datetime | None = None
) -> str | None:
    """Why the meeting may not go live now, naming the article; None when it may. A meeting
    planned without a topic is not held to the topic's rules."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.topic_id is None:
        return None
    topic = await session.get(Topic, meeting.topic_id)
    if topic is None:
        return None
    await session.refresh(topic, ["steps", "research", "room"])
    now = now or datetime.now(UTC)
    name = f"「{topic.title}」"
    if topic.approved_at is None or topic.status == "rejected":
        return f"依据第十四条，议题{name}尚未经同级党组织审定，会议不能开始。"
    if topic.room.level == "township" and topic.filed_at is None:
        return (
            f"依据第十四条，镇（街道）议事室的议题须报县（市、区）政协备案，"
            f"议题{name}尚未备案，会议不能开始。"
        )
    overridden = _overridden(topic)
    days = topic.room.notice_days
    if "notice" not in overridden:
        if topic.noticed_at is None:
            return (
                f"依据第十四条，议题{name}尚未公示，会议召开前应公示{days_words(days)}天；"
                "如确需开会，请由工作人员记录书面理由。"
            )
        ready = local_date(topic.noticed_at) + timedelta(days=days)
        if local_date(now) < ready:
            return (
                f"依据第十四条，议题公示未满{days_words(days)}天"
                f"（{local_date(topic.noticed_at):%Y年%m月%d日}公示，{ready:%m月%d日}起方可开会）；"
                "如确需提前，请由工作人员在议题页记录书面理由后再开始。"
            )
    if "research" not in overridden and not topic.research:
        return (
            f"依据第十五条「不调研不协商」，议题{name}还没有调研记录，会议不能开始；"
            "请先记录调研情况，或由工作人员记录书面理由。"
        )
    return None


# -- the public notice board --------------------------------------------------------------


async def public_notices(session: AsyncSession, now: datetime | None = None) -> list[Topic]:
    """Topics under public notice whose meeting is still ahead, soonest first."""
    now = now or datetime.now(UTC)
    today_start = datetime.combine(local_date(now), datetime.min.time(), SHANGHAI)
    rows = await session.scalars(
        select(Topic)
        .where(
            Topic.status.in_(("noticed", "researched")),
            Topic.noticed_at.is_not(None),
            Topic.moderation != "removed",
            Topic.meeting_at >= today_start,
        )
        .order_by(Topic.meeting_at, Topic.id)
    )
    return list(rows)


def days_left(topic: Topic, now: datetime | None = None) -> int:
    """Whole days from today (Beijing) to the meeting's day."""
    assert topic.meeting_at is not None
    return (local_date(topic.meeting_at) - local_date(now or datetime.now(UTC))).days


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Topic.status, func.count()).group_by(Topic.status))
    return {status: n for status, n in rows.all()}


# -- the topic's file ---------------------------------------------------------------------


async def topic_file_docx(
    session: AsyncSession, principal: Principal | None, topic_id: int
) -> tuple[str, bytes]:
    """The topic's whole record as a DOCX for the file, and its file name (rendered off the
    event loop)."""
    topic = await read_topic(session, principal, topic_id)

    def day(moment: datetime) -> str:
        return f"{local_date(moment):%Y年%m月%d日}"

    facts = [
        ("协商议事室", topic.room.name),
        ("议题来源", SOURCE_NOTES.get(topic.source, topic.source)),
        ("提出人", topic.proposer_name or "—"),
        ("当前状态", STATUS_WORDS.get(topic.status, topic.status)),
        ("回执号", topic.receipt),
    ]
    timeline = [
        f"{day(s.at)}  {STEP_WORDS.get(s.step, s.step)}  {s.by_name}"
        + (f"：{s.note}" if s.note else "")
        for s in topic.steps
    ]
    notice: list[str] = []
    if topic.noticed_at is not None and topic.meeting_at is not None:
        when = topic.meeting_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
        notice = [
            f"公示日期：{day(topic.noticed_at)}；会议时间：{when}；地点：{topic.meeting_place}；"
            f"形式：{MEETING_FORMS.get(topic.meeting_form, topic.meeting_form)}。",
        ]
        if topic.how_to_join:
            notice.append(f"参与方式：{topic.how_to_join}")
    research = [f"{day(r.done_on)}，{r.who}赴{r.place}调研：{r.findings}" for r in topic.research]
    document = TopicDocument(
        title=topic.title,
        facts=facts,
        description=topic.description,
        timeline=timeline,
        notice=notice,
        research=research,
    )
    data = await anyio.to_thread.run_sync(render_topic_docx, document)
    return f"议题材料-{topic.title[:40]}.docx", data
