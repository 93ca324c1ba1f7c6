"""The demo's outcome (协商成果): last month's street-lights meeting, its recommendation report
signed off and submitted, with items in every state the office meets: adopted and implemented
(with a photo on its progress, published on /public), partly adopted and under way, not
adopted with its reason, and one overdue without an answer. Written through the outcome
service with the dates it would have had.
"""

from __future__ import annotations

import io
import zlib
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import Principal
from server.db.models import Meeting, OrgUnit, Person
from server.db.models_records import RecordVersion
from server.domain import outcome_files, outcomes, records

TITLE = "关于背街小巷路灯维修的协商建议"
RECIPIENTS = ["中共五星街道工作委员会", "五星街道办事处"]
# (text, responsible unit, due: days after the meeting)
ITEMS: list[tuple[str, str, int]] = [
    ("由街道城管科牵头，一个月内完成四十三盏损坏路灯的维修", "五星街道", 32),
    ("建立背街小巷路灯每月巡查制度，巡查结果在社区公示栏公布", "五星街道", 70),
    ("在各小巷口设置路灯报修专线电话牌", "解放社区", 60),
    ("为无路灯的三条小巷增设太阳能路灯", "解放社区", 25),
]


def _photo() -> bytes:
    """A small PNG (a lit lamp's yellow), made here rather than kept as a binary file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    width = height = 16
    rows = b"".join(b"\x00" + b"\xff\xd2\x3c" * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", header))
    out.write(chunk(b"IDAT", zlib.compress(rows)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


async def load_outcome(session: AsyncSession, data_dir: Path, staff: Person, chair: Person) -> None:
    held = await session.scalar(
        select(Meeting).where(Meeting.topic_title == "背街小巷路灯维修").order_by(Meeting.id)
    )
    assert held is not None
    on = Principal(person=staff)
    report = await records.draft_report_version(session, Principal(person=chair), held.id)
    await records.sign(session, Principal(person=chair), held.id, "recommendations", report.number)
    signed = await session.get(RecordVersion, report.id)
    assert signed is not None
    signed.signed_at = held.starts_at + timedelta(days=1)

    def day(n: float) -> datetime:
        return held.starts_at + timedelta(days=n)

    units = {u.name: u.id for u in await session.scalars(select(OrgUnit))}
    outcome = await outcomes.submit(
        session,
        on,
        held.id,
        report_version=report.number,
        title=TITLE,
        recipients=RECIPIENTS,
        items=[
            outcomes.ItemDraft(text, units[unit], outcomes.today(day(due)))
            for text, unit, due in ITEMS
        ],
        now=day(2),
    )
    done, patrol, hotline, _overdue = (i.id for i in outcome.items)

    async def answer(item_id: int, at: float, **fields: object) -> int:
        rec = outcomes.RecordIn(**fields)  # type: ignore[arg-type]
        item = await outcomes.add_record(session, on, item_id, rec, day(at))
        history = await outcomes.records_of(session, [item.id])
        return history[item.id][-1].id

    await answer(done, 5, kind="decision", decision="adopted", note="纳入街道本月为民办实事")
    progress = await answer(done, 15, kind="progress", percent=60, note="已修复二十六盏")
    photo = await outcome_files.attach(
        session,
        on,
        done,
        progress,
        filename="修复后的建军巷路灯.png",
        data=_photo(),
        data_dir=data_dir,
    )
    photo.uploaded_at = day(15)
    await answer(done, 28, kind="progress", percent=100, note="四十三盏路灯全部修复")
    await answer(done, 30, kind="feedback", note="损坏路灯已全部修复，居民夜间出行恢复正常")

    await answer(
        patrol,
        6,
        kind="decision",
        decision="partly_adopted",
        note="每月巡查纳入城管网格日常巡查，公示改为每季度一次",
    )
    await answer(patrol, 20, kind="progress", percent=40, note="已完成两轮网格巡查")

    await answer(
        hotline,
        8,
        kind="decision",
        decision="not_adopted",
        note="12345 热线已受理路灯报修，另设专线属重复建设",
    )
    await answer(hotline, 9, kind="explanation", note="已向提出建议的居民说明可拨打 12345 报修")
    await answer(hotline, 10, kind="feedback", note="已在小巷口张贴 12345 报修指引")

    await outcomes.publish(session, on, held.id, {done: True})
