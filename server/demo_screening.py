"""Demo screening and public input (第十三条, 第十四条): an open questionnaire over two of the
township's proposals with a few answers already in, a forum whose conclusion sits on a
proposal's timeline, and the public's comments on the topic under notice — one shown on
/public, one held for the moderation queue by a listed sensitive word.

Everything goes through the domain services, as staff and residents would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import Principal
from server.db.models import Person
from server.db.models_topics import SensitiveWord, Topic
from server.domain import hearings, public_comments, questionnaires, topic_calls

QUESTIONNAIRE = "五星街道2027年议题筛选问卷"
HEARING_PLACE = "五星街道党群服务中心一楼会议室"
HELD_WORD = "代开发票"
SHOWN_COMMENT = "建议低层住户的补偿标准提前公示，大家心里有底。"
HELD_COMMENT = f"{HELD_WORD}请联系，价格优惠"
# (phone, rank of [water, signs], option indexes of the multiple-choice question, text)
ANSWERS = [
    ("13900000001", "water", [0, 1], "雨天积水最影响老人出行"),
    ("13900000002", "water", [0], ""),
    ("13900000003", "signs", [1, 2], "站台遮雨棚可以和公交公司一起建"),
]


async def _topic(session: AsyncSession, title: str) -> Topic:
    row = await session.scalar(select(Topic).where(Topic.title == title).order_by(Topic.id))
    assert row is not None, title
    return row


async def load_screening(session: AsyncSession, staff: Person) -> None:
    who = Principal(person=staff)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    water = await _topic(session, "解放路菜场门口雨天积水")
    signs = await _topic(session, "公交站台增设遮雨棚")
    charging = await _topic(session, "小区电动车充电难")
    lift = await _topic(session, "老旧小区加装电梯")
    room_id, ids = water.room_id, {"water": water.id, "signs": signs.id}

    call = await questionnaires.create(
        session,
        who,
        room_id=room_id,
        title=QUESTIONNAIRE,
        description="请按您认为的轻重缓急排序，帮助我们确定下一次协商议事的议题。",
        deadline=now + timedelta(days=10),
        topic_ids=list(ids.values()),
        questions=[
            {"kind": "rank", "prompt": "请按轻重缓急为以下议题排序"},
            {
                "kind": "multiple",
                "prompt": "您希望通过哪些方式参与协商？",
                "options": ["到场参加", "网上旁听", "书面意见"],
                "max_choices": 2,
            },
            {"kind": "text", "prompt": "还有什么想说的？"},
        ],
    )
    for phone, first, ways, text in ANSWERS:
        order = [ids[first], *[i for k, i in ids.items() if k != first]]
        await questionnaires.answer(
            session, call.id, topic_calls.phone_voter(phone), [order, ways, text]
        )

    await hearings.record(
        session,
        who,
        room_id=charging.room_id,
        kind="forum",
        held_on=now - timedelta(days=3),
        place=HEARING_PLACE,
        participants=[
            hearings.Participant("王海燕", "member"),
            hearings.Participant("周桂英", "resident"),
            hearings.Participant("街道安监办", "official"),
            hearings.Participant("物业公司代表", "stakeholder"),
        ],
        record_text="居民反映楼道飞线充电普遍，物业同意提供场地，安监办建议集中建设充电棚并加装烟感。",
        conclusions=[
            hearings.Conclusion(charging.id, "support", "建议列入下一次协商议事会议题"),
        ],
    )

    if await session.scalar(select(SensitiveWord).where(SensitiveWord.word == HELD_WORD)) is None:
        session.add(SensitiveWord(word=HELD_WORD, created_by=staff.id, created_at=now))
        await session.commit()
    for name, text in (("五星小区居民", SHOWN_COMMENT), ("匿名", HELD_COMMENT)):
        held = await topic_calls.held_words(session, name, text)
        await public_comments.write(session, lift.id, name=name, text=text, held_words=held)
