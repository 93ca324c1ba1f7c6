"""Screening by questionnaire (问卷调查, 第十三条): staff ask a few questions over a shortlist of
proposals, residents answer once each at /public, staff read the tallies and record the result
on each topic's timeline, where a screening by questionnaire then cites it.

A questionnaire is a `TopicCall` of kind "questionnaire"; its questions are checked here, and
each answer is checked against them. Who answers is the screening vote's voter key
(`topic_calls.voter_of`): one answer per account or phone number, kept by a unique key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Room
from server.db.models_screening import QuestionnaireAnswer
from server.db.models_topics import Topic, TopicCall
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.topic_calls import open_call, shortlist_titles
from server.domain.topics import allows, record_step
from server.policy import Target

KIND = "questionnaire"
# rank: order the shortlist; choose: pick up to `max_choices` of it; single / multiple: the
# question's own options; text: a short free answer, read by staff only.
QUESTION_KINDS = ("rank", "choose", "single", "multiple", "text")
TOPIC_QUESTIONS = ("rank", "choose")
MAX_QUESTIONS = 10
MAX_OPTIONS = 10
MAX_TEXT_CHARS = 200
# Proposals a questionnaire may ask about: not yet decided, and not held or removed.
OPEN_STATUSES = ("proposed", "screened")


# -- making one ---------------------------------------------------------------------------


def _question(n: int, raw: dict[str, Any]) -> dict[str, Any]:
    where = f"questions.{n}"
    kind = raw.get("kind")
    if kind not in QUESTION_KINDS:
        raise Invalid(f"第 {n + 1} 题的题型只能是排序、选议题、单选、多选或简答", field=where)
    prompt = str(raw.get("prompt") or "").strip()
    if not prompt:
        raise Invalid(f"请写出第 {n + 1} 题的题目", field=where)
    question: dict[str, Any] = {"kind": kind, "prompt": prompt}
    if kind in ("single", "multiple"):
        options = [str(o).strip() for o in raw.get("options") or [] if str(o).strip()]
        if not 2 <= len(options) <= MAX_OPTIONS or len(set(options)) != len(options):
            raise Invalid(f"第 {n + 1} 题须有 2 至 {MAX_OPTIONS} 个互不相同的选项", field=where)
        question["options"] = options
    if kind == "multiple":
        most = int(raw.get("max_choices") or len(question["options"]))
        if not 1 <= most <= len(question["options"]):
            raise Invalid(
                f"第 {n + 1} 题最多可选的项数应在 1 至 {len(question['options'])} 之间",
                field=where,
            )
        question["max_choices"] = most
    if kind == "choose":
        question["max_choices"] = int(raw.get("max_choices") or 1)
    return question


async def create(
    session: AsyncSession,
    principal: Principal | None,
    *,
    room_id: int,
    title: str,
    description: str,
    deadline: datetime,
    topic_ids: Sequence[int],
    questions: Sequence[dict[str, Any]],
) -> TopicCall:
    """A questionnaire over some of the room's undecided proposals, open until the deadline."""
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("协商议事室不存在", field="room_id")
    who = await policy.authorize(session, principal, "topic.call", Target(room_id=room_id))
    assert who.person is not None
    if deadline <= datetime.now(UTC):
        raise Invalid("截止时间已过，请填写今后的时间", field="deadline")
    ids = sorted(set(topic_ids))
    if len(ids) < 2:
        raise Invalid("问卷调查至少要列出两个议题建议供群众比较", field="topic_ids")
    rows = list(await session.scalars(select(Topic).where(Topic.id.in_(ids))))
    if len(rows) != len(ids) or any(
        t.room_id != room_id
        or t.status not in OPEN_STATUSES
        or t.moderation not in ("clear", "released")
        for t in rows
    ):
        raise Invalid("只能就本议事室尚未审定、已通过审核的议题建议发问卷", field="topic_ids")
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise Invalid(f"问卷须有 1 至 {MAX_QUESTIONS} 道题", field="questions")
    checked = [_question(n, dict(q)) for n, q in enumerate(questions)]
    if not any(q["kind"] in TOPIC_QUESTIONS for q in checked):
        raise Invalid("问卷至少要有一道排序或选择议题的题，才能用于筛选", field="questions")
    for n, q in enumerate(checked):
        if q["kind"] == "choose" and not 1 <= q["max_choices"] <= len(ids):
            raise Invalid(
                f"第 {n + 1} 题最多可选的议题数应在 1 至 {len(ids)} 之间", field="questions"
            )
    call = TopicCall(
        room_id=room_id,
        kind=KIND,
        topic_ids=ids,
        questions=checked,
        title=title.strip(),
        description=description.strip(),
        deadline=deadline.astimezone(UTC),
        created_by=who.person.id,
        created_at=datetime.now(UTC),
    )
    session.add(call)
    await session.commit()
    await session.refresh(call, ["room"])
    return call


async def list_for(
    session: AsyncSession, principal: Principal | None, room_id: int | None = None
) -> list[TopicCall]:
    """The questionnaires of every room the caller may read, newest first."""
    await policy.authorize(session, principal, "topic.list")
    query = select(TopicCall).where(TopicCall.kind == KIND)
    if room_id is not None:
        query = query.where(TopicCall.room_id == room_id)
    rows = await session.scalars(query.order_by(TopicCall.id.desc()).limit(200))
    return [
        call
        for call in rows
        if await policy.allows(session, principal, "topic.read", Target(room_id=call.room_id))
    ]


# -- answering ----------------------------------------------------------------------------


def _ids(value: Any, where: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise Invalid("请按题目要求作答", field=where)
    if len(set(value)) != len(value):
        raise Invalid("同一项不能选两次", field=where)
    return list(value)


def _answer(n: int, question: dict[str, Any], shortlist: list[int], value: Any) -> Any:
    """One answer checked against its question; what is stored."""
    where = f"answers.{n}"
    kind = question["kind"]
    if kind == "text":
        text = str(value or "").strip() if isinstance(value, str | None) else None
        if text is None or len(text) > MAX_TEXT_CHARS:
            raise Invalid(f"第 {n + 1} 题最多 {MAX_TEXT_CHARS} 字", field=where)
        return text
    if kind == "single":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Invalid(f"请为第 {n + 1} 题选一项", field=where)
        value = [value]
    chosen = _ids(value, where)
    if not chosen:
        raise Invalid(f"第 {n + 1} 题还没有作答", field=where)
    if kind in TOPIC_QUESTIONS:
        if any(c not in shortlist for c in chosen):
            raise Invalid(f"第 {n + 1} 题所选议题不在本问卷的名单中", field=where)
        if kind == "choose" and len(chosen) > question["max_choices"]:
            raise Invalid(f"第 {n + 1} 题最多选 {question['max_choices']} 项", field=where)
        return chosen
    if any(not 0 <= c < len(question["options"]) for c in chosen):
        raise Invalid(f"第 {n + 1} 题没有这个选项", field=where)
    most = question.get("max_choices") or len(question["options"])
    if kind == "multiple" and len(chosen) > most:
        raise Invalid(f"第 {n + 1} 题最多选 {most} 项", field=where)
    return chosen[0] if kind == "single" else sorted(chosen)


async def answer(session: AsyncSession, call_id: int, voter: str, answers: Sequence[Any]) -> bool:
    """Keep one respondent's answers once: a second try (another device, a retry) changes
    nothing. Returns whether these were kept."""
    call = await open_call(session, call_id, KIND)
    if len(answers) != len(call.questions):
        raise Invalid(f"请回答全部 {len(call.questions)} 道题", field="answers")
    kept = [
        _answer(n, q, call.topic_ids, a)
        for n, (q, a) in enumerate(zip(call.questions, answers, strict=True))
    ]
    session.add(
        QuestionnaireAnswer(call_id=call.id, voter=voter, answers=kept, at=datetime.now(UTC))
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def respondents(session: AsyncSession, call_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(QuestionnaireAnswer)
        .where(QuestionnaireAnswer.call_id == call_id)
    )
    return int(count or 0)


# -- the tallies --------------------------------------------------------------------------


@dataclass
class TopicTally:
    topic_id: int
    title: str
    count: int = 0  # chose it (choose), or ranked it at all (rank)
    first: int = 0  # ranked it first (rank)
    points: int = 0  # n points for a first place of n, n-1 for the second, ... (rank)


@dataclass
class QuestionTally:
    kind: str
    prompt: str
    topics: list[TopicTally] = field(default_factory=list)
    options: list[tuple[str, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class Results:
    call: TopicCall
    respondents: int
    questions: list[QuestionTally]

    def summary_for(self, topic_id: int) -> str:
        """What the questionnaire said about one topic, for its timeline."""
        parts = [f"问卷调查「{self.call.title}」共 {self.respondents} 人作答"]
        for n, q in enumerate(self.questions):
            for row in q.topics:
                if row.topic_id != topic_id:
                    continue
                ranked = sorted(q.topics, key=lambda r: (-r.points, -r.count, r.topic_id))
                place = [r.topic_id for r in ranked].index(topic_id) + 1
                if q.kind == "rank":
                    parts.append(
                        f"第 {n + 1} 题（排序）得分 {row.points}，"
                        f"{row.first} 人排第一，列第 {place} 位"
                    )
                else:
                    parts.append(f"第 {n + 1} 题（选择）{row.count} 人选择，列第 {place} 位")
        return "；".join(parts)


async def _tally(session: AsyncSession, call: TopicCall) -> Results:
    titles = {t.id: t.title for t in await shortlist_titles(session, call)}
    tallies: list[QuestionTally] = []
    for q in call.questions:
        tally = QuestionTally(kind=q["kind"], prompt=q["prompt"])
        if q["kind"] in TOPIC_QUESTIONS:
            tally.topics = [TopicTally(i, titles[i]) for i in call.topic_ids if i in titles]
        if q["kind"] in ("single", "multiple"):
            tally.options = [(label, 0) for label in q["options"]]
        tallies.append(tally)
    size = len(call.topic_ids)
    rows = await session.scalars(
        select(QuestionnaireAnswer.answers).where(QuestionnaireAnswer.call_id == call.id)
    )
    count = 0
    for answers in rows:
        count += 1
        for tally, value in zip(tallies, answers, strict=False):
            _count(tally, value, size)
    return Results(call=call, respondents=count, questions=tallies)


def _count(tally: QuestionTally, value: Any, size: int) -> None:
    if tally.kind == "text":
        if value:
            tally.texts.append(str(value))
        return
    if tally.kind in ("single", "multiple"):
        picked = [value] if tally.kind == "single" else list(value)
        tally.options = [(label, n + (i in picked)) for i, (label, n) in enumerate(tally.options)]
        return
    by_id = {row.topic_id: row for row in tally.topics}
    for place, topic_id in enumerate(value):
        row = by_id.get(topic_id)
        if row is None:
            continue
        row.count += 1
        if tally.kind == "rank":
            row.points += size - place
            row.first += place == 0


async def results(session: AsyncSession, principal: Principal | None, call_id: int) -> Results:
    """The tallies of a questionnaire for the room's staff (free answers included)."""
    call = await session.get(TopicCall, call_id)
    if call is None or call.kind != KIND:
        raise NotFound("没有这份问卷", field="call_id")
    await policy.authorize(session, principal, "topic.read", Target(room_id=call.room_id))
    return await _tally(session, call)


async def record_result(
    session: AsyncSession, principal: Principal | None, call_id: int
) -> Results:
    """Close the questionnaire and put its result on the timeline of each topic it asked about
    (the step "surveyed"), as the evidence a screening by questionnaire cites."""
    call = await session.get(TopicCall, call_id)
    if call is None or call.kind != KIND:
        raise NotFound("没有这份问卷", field="call_id")
    who = await policy.authorize(session, principal, "topic.screen", Target(room_id=call.room_id))
    if call.recorded_at is not None:
        raise Conflict("这份问卷的结果已经记录过了")
    done = await _tally(session, call)
    if done.respondents == 0:
        raise Conflict("还没有人作答，暂不能记录问卷结果")
    now = datetime.now(UTC)
    for topic in await shortlist_titles(session, call):
        if allows(topic.status, "surveyed"):
            await record_step(
                session,
                topic.id,
                "surveyed",
                who,
                done.summary_for(topic.id),
                call_id=call.id,
                respondents=done.respondents,
            )
    call.recorded_at = now
    call.deadline = min(call.deadline, now)
    await session.commit()
    return done
