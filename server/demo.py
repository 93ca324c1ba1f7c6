"""Demo data for a first look and for tests: a city CPPCC, its rooms, people and a meeting.

Loading is idempotent: a second run finds the demo city and prints the same accounts.
"""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import Principal, hash_password
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
from server.db.models_roster import Briefing, Invitation
from server.demo_outcomes import load_outcome
from server.demo_screening import load_screening
from server.demo_topics import load_topics
from server.domain import records, transcripts
from server.domain.briefings import storage_dir
from server.domain.stored_files import KINDS
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
    # Who approves the township's topics (party_reviewer) and files them for the county.
    ("zhangshenpi", "张审定", "official", None, None, "demo-reviewer"),
    ("lihuben", "李备案", "official", None, None, "demo-county"),
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
        "reviewer": account(PEOPLE[12]),
        "county": account(PEOPLE[13]),
    }


async def _build(session: AsyncSession, data_dir: Path) -> int:
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
            RoleGrant(person_id=people[12].id, role="party_reviewer", org_unit_id=wuxing.id),
            RoleGrant(person_id=people[13].id, role="cppcc_staff", org_unit_id=tinghu.id),
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
    await _lived_in(session, rooms, people, data_dir)
    await load_topics(session, rooms, staff=people[1], reviewer=people[12], county=people[13])
    await session.commit()
    return meeting.id


# Answers to the planned meeting's invitations: (person index, status, reason).
ANSWERS: list[tuple[int, str, str | None]] = [
    (0, "in_room", None),
    (1, "in_room", None),
    (2, "remote", None),
    (3, "in_room", None),
    (4, "declined", "当天参加市政协专题调研，已请赵明德委员转达意见"),
    (5, "read", None),
    (6, "unread", None),
    (8, "in_room", None),
]
BRIEFING_TEXT = [
    "农贸市场位于五星街道建军路与开放大道交叉口，日均客流约 6000 人次。",
    "周边现有公共停车位 120 个，早高峰（6:30—9:00）缺口约 200 个，占道停车、双排停车现象突出。",
    "前期调研走访商户 46 户、居民 180 户，收回问卷 212 份，七成受访者支持错时共享停车。",
    "拟协商事项：一是利用市场东侧闲置地块增设临时停车位；二是推动周边单位夜间和周末共享车位；"
    "三是规范早市时段临时停车管理。",
]


def _briefing_docx() -> bytes:
    """The planned meeting's 情况通报, written now rather than kept as a binary file."""
    document = docx.Document()
    document.add_heading("关于农贸市场周边停车难问题的情况通报", level=1)
    for paragraph in BRIEFING_TEXT:
        document.add_paragraph(paragraph)
    document.add_paragraph("五星街道政协工作委员会")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _meeting(room: Room, title: str, topic: str, start: datetime, status: str) -> Meeting:
    return Meeting(
        room_id=room.id,
        title=title,
        topic_title=topic,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place=room.address or room.name,
        mode="hybrid",
        status=status,
        settings={"live": speaking_rules({"budgets_s": DEMO_BUDGETS_S})},
        agenda=[
            AgendaItem(
                position=1,
                title=topic,
                rounds=[
                    AgendaRound(position=1, kind="discussion", title="自由讨论", time_limit_s=180),
                    AgendaRound(position=2, kind="summary", title="总结", time_limit_s=180),
                ],
            )
        ],
    )


async def _lived_in(
    session: AsyncSession, rooms: list[Room], people: list[Person], data_dir: Path
) -> None:
    """An office with a history: a meeting held last month, one under way in a community
    room, and one being prepared, with invitations answered and a briefing attached."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    held = _meeting(
        rooms[0],
        "五星街道背街小巷路灯维修协商议事会",
        "背街小巷路灯维修",
        now - timedelta(days=40),
        "ended",
    )
    live = _meeting(
        rooms[3],
        "解放社区停车位规划协商议事会",
        "小区停车位规划",
        now - timedelta(minutes=30),
        "live",
    )
    planned = _meeting(
        rooms[0],
        "五星街道农贸市场周边停车难协商议事会",
        "农贸市场周边停车难",
        now + timedelta(days=15),
        "scheduled",
    )
    session.add_all([held, live, planned])
    await session.flush()
    for meeting in (held, live, planned):
        for index, (person, row) in enumerate(zip(people, PEOPLE, strict=True)):
            if row[4] is None or index == 10:
                continue
            entry = MeetingParticipant(
                meeting_id=meeting.id, person_id=person.id, category=person.category, role=row[4]
            )
            session.add(entry)
            await session.flush()
            answer = next((a for a in ANSWERS if a[0] == index), None)
            status = "in_room" if meeting is not planned else (answer[1] if answer else "unread")
            reason = answer[2] if answer and meeting is planned else None
            entry.attendance_mode = status if status in ("in_room", "remote") else None
            session.add(
                Invitation(
                    meeting_id=meeting.id,
                    participant_id=entry.id,
                    status=status,
                    reason=reason,
                    sent_at=meeting.starts_at - timedelta(days=10),
                    answered_at=now if status not in ("unread", "read") else None,
                    delivered="site",
                )
            )
    data = _briefing_docx()
    stored = f"{secrets.token_hex(16)}.bin"
    folder = storage_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    session.add(
        Briefing(
            meeting_id=planned.id,
            filename="农贸市场周边停车难情况通报.docx",
            content_type=KINDS["docx"][2],
            size=len(data),
            stored_name=stored,
            uploaded_by=people[1].id,
            uploaded_at=now,
        )
    )


HELD_TRANSCRIPT = """\
刘建国：今天围绕背街小巷路灯维修进行协商，请王海燕委员先介绍调研情况。
王海燕：我们走访了十二条背街小巷，发现路灯损坏四十三盏，有的已经坏了三个月，居民夜间出行很不方便。
周桂英：我家门口的路灯坏了很久，老人晚上出门只能打手电，希望尽快修好。
黄伟：街道城管科已经排查过，建议由街道统一委托专业单位维修，一个月内修好，并建立每月巡查制度。
赵明德：同意黄伟的意见，另外建议在小巷口公布报修电话，居民发现问题可以及时报修。
刘建国：经过协商，会议议定：一是由街道城管科牵头，一个月内完成损坏路灯维修；二是建立每月巡查制度；三是在各小巷口公布报修电话。
"""


async def _signed_minutes(session: AsyncSession, data_dir: Path) -> None:
    """The meeting held last month has its transcript and minutes signed by its moderator, and
    its outcome submitted and answered (server.demo_outcomes)."""
    held = await session.scalar(
        select(Meeting).where(Meeting.topic_title == "背街小巷路灯维修").order_by(Meeting.id)
    )
    moderator = await session.scalar(select(Person).where(Person.username == PEOPLE[0][0]))
    assert held is not None and moderator is not None
    chair = Principal(person=moderator)
    await transcripts.import_file(
        session, chair, held.id, HELD_TRANSCRIPT.encode(), "路灯维修协商会记录.txt"
    )
    version = await records.draft_minutes_version(session, chair, held.id, "会后整理")
    await records.sign(session, chair, held.id, "minutes", version.number)
    staff = await session.scalar(select(Person).where(Person.username == PEOPLE[1][0]))
    assert staff is not None
    await load_outcome(session, data_dir, staff=staff, chair=moderator)
    await load_screening(session, staff)


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
                meeting_id = await _build(session, settings.data_dir)
                await _signed_minutes(session, settings.data_dir)
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
