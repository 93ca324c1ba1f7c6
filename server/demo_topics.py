"""Demo topics (议题) at every step before the meeting: a public proposal, one returned with
its reason, one shortlisted, one left out under 第十一条, a village topic approved without
filing, a filed one, one under notice counting down, one researched for the meeting being
prepared, and the one behind last month's meeting. Timelines carry their real dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Meeting, Person, Room
from server.db.models_topics import Topic, TopicCall, TopicResearch
from server.domain.topics import receipt_code, record_step

# (title, description, source, proposer)
_TEXTS = {
    "water": (
        "解放路菜场门口雨天积水",
        "一下雨菜场门口就积水，老人买菜要绕很远。",
        "public",
        "孙大妈",
    ),
    "bins": ("背街小巷增设垃圾分类投放点", "部分小巷没有投放点，垃圾乱堆。", "member", "赵明德"),
    "charging": (
        "小区电动车充电难",
        "楼道飞线充电隐患大，希望集中建充电棚。",
        "resident",
        "周桂英",
    ),
    "dispute": (
        "我家与邻居的宅基地纠纷",
        "邻居占了我家宅基地，已向法院起诉。",
        "resident",
        "某居民",
    ),
    "dance": ("社区广场舞噪音扰民", "晚上九点后音响仍很大，影响休息。", "resident", "吴志强"),
    "lift": (
        "老旧小区加装电梯",
        "围绕意愿征集、费用分摊和低层住户补偿开展协商。",
        "leader",
        "黄伟",
    ),
    "parking": ("农贸市场周边停车难", "早市时段车辆乱停，道路拥堵。", "member", "王海燕"),
    "lights": ("背街小巷路灯维修", "十二条小巷路灯损坏，夜间出行不便。", "resident", "周桂英"),
    "signs": ("公交站台增设遮雨棚", "站台没有遮挡，雨天候车困难。", "resident", "郑秀兰"),
}


async def load_topics(
    session: AsyncSession,
    rooms: list[Room],
    staff: Person,
    reviewer: Person,
    county: Person,
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    township, village = rooms[0], rooms[3]

    async def topic(key: str, room: Room, days_ago: int) -> Topic:
        title, description, source, proposer = _TEXTS[key]
        row = Topic(
            room_id=room.id,
            source=source,
            title=title,
            description=description,
            place=room.address or "",
            status="proposed",
            proposer_id=staff.id if source != "public" else None,
            proposer_name=proposer,
            contact_name=proposer,
            contact_phone="13800000000" if source == "public" else "",
            receipt=receipt_code(),
            moderation="clear",
            created_at=now - timedelta(days=days_ago),
            steps=[],
            research=[],
        )
        session.add(row)
        await session.flush()
        by = None if source == "public" else staff
        note = {"public": "面向社会征题", "member": "委员荐题", "leader": "党政领导点题"}
        await record_step(
            session, row.id, "proposed", by, note.get(source, "群众出题"), now=row.created_at
        )
        return row

    async def step(row: Topic, name: str, by: Person, note: str, days_ago: float) -> None:
        await record_step(session, row.id, name, by, note, now=now - timedelta(days=days_ago))

    async def approve(row: Topic, days_ago: float, *, file: bool = True) -> None:
        await step(row, "screened", staff, "列入拟上会议题（问卷调查）", days_ago + 3)
        await step(row, "approved", reviewer, "同意", days_ago + 2)
        row.approved_by = reviewer.id
        row.approved_at = now - timedelta(days=days_ago + 2)
        if file:
            await step(row, "filed", county, "已备案", days_ago + 1)
            row.filed_at = now - timedelta(days=days_ago + 1)

    async def notice(row: Topic, days_ago: float, meeting_at: datetime, place: str) -> None:
        row.noticed_at = now - timedelta(days=days_ago)
        row.meeting_at = meeting_at
        row.meeting_place = place
        row.meeting_form = "hybrid"
        row.how_to_join = "现场旁听请提前一天电话报名；也可通过网上旁听链接观看"
        await step(row, "noticed", staff, f"公示：线上线下结合，{place}", days_ago)

    async def research(row: Topic, days_ago: float, who: str, where: str, found: str) -> None:
        row.research.append(
            TopicResearch(
                who=who,
                place=where,
                done_on=now - timedelta(days=days_ago),
                findings=found,
                created_by=staff.id,
                created_at=now - timedelta(days=days_ago),
            )
        )
        await step(row, "researched", staff, f"{who}赴{where}调研", days_ago)

    await topic("water", township, 1)

    signs = await topic("signs", township, 12)
    await step(signs, "screened", staff, "列入拟上会议题", 10)
    await step(signs, "returned", reviewer, "退回议题提出方的工作人员：请补充公交公司意见", 9)

    await step(await topic("charging", township, 6), "screened", staff, "列入拟上会议题", 5)

    dispute = await topic("dispute", township, 20)
    dispute.exclusion = "litigation"
    await step(
        dispute,
        "excluded",
        staff,
        "依据第十一条，涉法涉诉，不列入协商议事议题范围：已进入司法程序，建议通过法律途径解决",
        18,
    )

    await approve(await topic("dance", village, 9), 4, file=False)
    await approve(await topic("bins", township, 14), 6)

    lift = await topic("lift", township, 30)
    await approve(lift, 20)
    main = await session.scalar(select(Meeting).where(Meeting.topic_title == "老旧小区加装电梯"))
    lift_at = main.starts_at if main is not None else now + timedelta(days=8)
    await notice(lift, 3, lift_at, "五星街道党群服务中心二楼")

    parking = await topic("parking", township, 40)
    await approve(parking, 25)
    planned = await session.scalar(
        select(Meeting).where(Meeting.topic_title == "农贸市场周边停车难")
    )
    parking_at = planned.starts_at if planned is not None else now + timedelta(days=15)
    await notice(parking, 9, parking_at, "五星街道党群服务中心二楼")
    await research(
        parking,
        6,
        "王海燕委员、街道城管科",
        "五星农贸市场及周边三条道路",
        "早市6:00—8:30车辆集中，周边可利用空地两处，可增设临时车位约60个。",
    )
    parking.status = "researched"
    if planned is not None:
        planned.topic_id = parking.id
        await step(parking, "meeting", staff, f"安排会议：{planned.title}", 5)

    lights = await topic("lights", township, 80)
    await approve(lights, 60)
    held = await session.scalar(select(Meeting).where(Meeting.topic_title == "背街小巷路灯维修"))
    held_at = held.starts_at if held is not None else now - timedelta(days=40)
    await notice(lights, 55, held_at, "五星街道党群服务中心")
    await research(lights, 50, "王海燕委员", "十二条背街小巷", "路灯损坏四十三盏，部分已坏三个月。")
    if held is not None:
        held.topic_id = lights.id
        await step(lights, "meeting", staff, f"安排会议：{held.title}", 48)
    await record_step(session, lights.id, "held", None, "协商会议已召开", now=held_at)

    session.add(
        TopicCall(
            room_id=township.id,
            kind="proposals",
            topic_ids=[],
            title="2027年五星街道协商议题征集",
            description="围绕老百姓关注的热点难点问题，欢迎提出协商议题。",
            deadline=now + timedelta(days=20),
            created_by=staff.id,
            created_at=now - timedelta(days=2),
        )
    )
    await session.flush()
