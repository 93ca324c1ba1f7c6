"""Demo data for a first look and for tests: a city CPPCC, its rooms, people and a meeting.

Loading is idempotent: a second run finds the demo city and prints the same accounts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import hash_password
from server.db.engine import Database
from server.db.models import (
    AgendaItem,
    AgendaRound,
    Meeting,
    MeetingParticipant,
    OrgUnit,
    Person,
    Room,
)
from server.db.models_grants import RoleGrant
from server.meeting_templates import agenda_rounds, speaking_rules
from server.settings import Settings

CITY = "盐城市"
# (username, display name, category, cppcc level, meeting role, password)
PEOPLE: list[tuple[str, str, str, str | None, str | None, str]] = [
    ("liujianguo", "刘建国", "member", "county", "moderator", "demo-moderator"),
    ("chenxiaoyan", "陈晓燕", "official", None, "staff", "demo-staff"),
    ("wanghaiyan", "王海燕", "member", "city", "participant", "demo-member-1"),
    ("zhaomingde", "赵明德", "member", "county", "participant", "demo-member-2"),
    ("sunlihua", "孙丽华", "member", "county", "participant", "demo-member-3"),
    ("zhouguiying", "周桂英", "stakeholder", None, "participant", "demo-member-4"),
    ("wuzhiqiang", "吴志强", "stakeholder", None, "participant", "demo-member-5"),
    ("zhengxiulan", "郑秀兰", "stakeholder", None, "participant", "demo-member-6"),
    ("huangwei", "黄伟", "official", None, "participant", "demo-member-7"),
    ("xuliping", "徐丽萍", "official", None, "participant", "demo-member-8"),
    ("maqiang", "马强", "guest", None, "participant", "demo-member-9"),
    ("admin", "系统管理员", "official", None, None, "demo-admin"),
]

DEMO_BUDGETS_S = {"member": 1800, "stakeholder": 1800, "official": 1200, "guest": 600}

AGENDA: list[dict[str, Any]] = [
    {
        "title": "五星街道老旧小区加装电梯",
        "description": "围绕加装电梯的意愿征集、费用分摊、低层住户补偿和施工管理开展协商。",
        "template": "typical",
    },
    {
        "title": "下一步工作安排",
        "description": "明确协商成果报送、落实和反馈的责任单位与时限。",
        "rounds": [
            {"kind": "discussion", "title": "自由讨论", "time_limit_s": 120},
            {"kind": "summary", "title": "总结", "time_limit_s": 180},
        ],
    },
]


def _accounts() -> dict[str, Any]:
    def account(row: tuple[str, str, str, str | None, str | None, str]) -> dict[str, str]:
        return {"username": row[0], "password": row[5], "name": row[1]}

    return {
        "moderator": account(PEOPLE[0]),
        "staff": account(PEOPLE[1]),
        "members": [account(row) for row in PEOPLE[2:11]],
        "admin": account(PEOPLE[11]),
    }


async def _build(session: AsyncSession) -> int:
    city = OrgUnit(name=CITY, level="city")
    tinghu = OrgUnit(name="亭湖区", level="county")
    yandu = OrgUnit(name="盐都区", level="county")
    session.add_all([city, tinghu, yandu])
    await session.flush()
    tinghu.parent_id = yandu.parent_id = city.id
    wuxing = OrgUnit(name="五星街道", level="township", parent_id=tinghu.id)
    xinxing = OrgUnit(name="新兴镇", level="township", parent_id=tinghu.id)
    dagang = OrgUnit(name="大冈镇", level="township", parent_id=yandu.id)
    session.add_all([wuxing, xinxing, dagang])
    await session.flush()
    jiefang = OrgUnit(name="解放社区", level="village", parent_id=wuxing.id)
    xingfu = OrgUnit(name="幸福村", level="village", parent_id=dagang.id)
    session.add_all([jiefang, xingfu])
    await session.flush()
    rooms = [
        Room(
            name="五星街道“有事好商量”协商议事室",
            level="township",
            org_unit_id=wuxing.id,
            address="五星街道党群服务中心二楼",
        ),
        Room(
            name="新兴镇“有事好商量”协商议事室",
            level="township",
            org_unit_id=xinxing.id,
            address="新兴镇便民服务中心三楼",
        ),
        Room(
            name="大冈镇“有事好商量”协商议事室",
            level="township",
            org_unit_id=dagang.id,
            address="大冈镇政府一楼会议室",
        ),
        Room(
            name="解放社区“有事好商量”协商议事室",
            level="village",
            org_unit_id=jiefang.id,
            address="解放社区服务中心",
        ),
        Room(
            name="幸福村“有事好商量”协商议事室",
            level="village",
            org_unit_id=xingfu.id,
            address="幸福村党群服务站",
        ),
    ]
    session.add_all(rooms)
    await session.flush()
    people = []
    for username, name, category, level, _role, password in PEOPLE:
        person = Person(
            username=username,
            name=name,
            category=category,
            cppcc_level=level,
            org_unit_id=wuxing.id,
            password_hash=hash_password(password),
            phone=None,
        )
        people.append(person)
    session.add_all(people)
    await session.flush()
    session.add_all(
        [
            RoleGrant(person_id=people[0].id, role="moderator", room_id=rooms[0].id),
            RoleGrant(person_id=people[1].id, role="staff", room_id=rooms[0].id),
            RoleGrant(person_id=people[11].id, role="admin"),
        ]
    )
    start = (datetime.now(UTC) + timedelta(days=8)).replace(
        hour=6, minute=30, second=0, microsecond=0
    )
    meeting = Meeting(
        room_id=rooms[0].id,
        title="五星街道老旧小区加装电梯协商议事会",
        topic_title="老旧小区加装电梯",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="五星街道党群服务中心二楼协商议事室（线上同步）",
        mode="hybrid",
        status="scheduled",
        # Each side's speaking time per agenda item, shown to the moderator as it runs out.
        settings={"live": speaking_rules({"budgets_s": DEMO_BUDGETS_S})},
    )
    meeting.agenda = [
        AgendaItem(
            position=i,
            title=item["title"],
            description=item["description"],
            rounds=[
                AgendaRound(
                    position=j,
                    kind=r["kind"],
                    title=r["title"],
                    time_limit_s=r["time_limit_s"],
                    config=r.get("config", {}),
                )
                for j, r in enumerate(agenda_rounds(dict(item))["rounds"], start=1)
            ],
        )
        for i, item in enumerate(AGENDA, start=1)
    ]
    session.add(meeting)
    await session.flush()
    for person, row in zip(people, PEOPLE, strict=True):
        if row[4] is None:
            continue
        session.add(
            MeetingParticipant(
                meeting_id=meeting.id, person_id=person.id, category=person.category, role=row[4]
            )
        )
    await session.commit()
    return meeting.id


async def load_demo(settings: Settings) -> dict[str, Any]:
    """Create the demo data unless it is there; return the meeting and the accounts."""
    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            meeting_id = await session.scalar(
                select(Meeting.id)
                .join(Room)
                .join(OrgUnit, Room.org_unit_id == OrgUnit.id)
                .where(Meeting.topic_title == "老旧小区加装电梯", OrgUnit.name == "五星街道")
                .order_by(Meeting.id)
            )
            if meeting_id is None:
                meeting_id = await _build(session)
    finally:
        await db.close()
    return {"meeting_id": meeting_id, "accounts": _accounts()}


async def database_is_empty(settings: Settings) -> bool:
    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            return await session.scalar(select(OrgUnit.id).limit(1)) is None
    finally:
        await db.close()
