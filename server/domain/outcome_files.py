"""Attachments of progress entries (第十八条: progress with its notes, dates and attachments):
photos and documents a unit's account, or the room's team on its behalf, adds to a progress
report on an item; stored as topic attachments are (server.domain.stored_files), readable by
whoever may read the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models_outcomes import OutcomeAttachment, OutcomeItem, OutcomeRecord
from server.domain import audit, outcomes, stored_files
from server.domain.errors import Conflict, NotFound
from server.domain.stored_files import Download
from server.policy import Target

MAX_PER_ENTRY = 10


def storage_dir(data_dir: Path) -> Path:
    return data_dir / "outcomes"


async def progress_entry(
    session: AsyncSession, principal: Principal | None, item_id: int, record_id: int
) -> tuple[OutcomeItem, OutcomeRecord]:
    """The item and its progress entry, if the principal may attach a file to it (checked
    before any byte of the upload is read)."""
    policy.authorize_now("outcome.items", principal)
    item = await session.get(OutcomeItem, item_id)
    if item is None:
        raise NotFound("找不到该条协商建议")
    target = Target(org_unit_id=item.unit_id, meeting=item.outcome.meeting)
    await policy.authorize(session, principal, "outcome.answer", target)
    record = await session.get(OutcomeRecord, record_id)
    if record is None or record.item_id != item.id or record.kind != "progress":
        raise NotFound("找不到这条落实进度记录；附件只能加在本条建议的落实进度上")
    if item.closed_at is not None:
        raise Conflict("这条建议已经反馈办理结果，不能再补充附件")
    count = await session.scalar(
        select(func.count())
        .select_from(OutcomeAttachment)
        .where(OutcomeAttachment.record_id == record.id)
    )
    if (count or 0) >= MAX_PER_ENTRY:
        raise Conflict(f"每条落实进度最多附 {MAX_PER_ENTRY} 个文件，请合并后再上传")
    return item, record


async def attach(
    session: AsyncSession,
    principal: Principal | None,
    item_id: int,
    record_id: int,
    *,
    filename: str,
    data: bytes,
    data_dir: Path,
) -> OutcomeAttachment:
    item, record = await progress_entry(session, principal, item_id, record_id)
    assert principal is not None
    stored = await stored_files.store(storage_dir(data_dir), filename, data, "落实进度附件")
    row = OutcomeAttachment(
        item_id=item.id,
        record_id=record.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        stored_name=stored.stored_name,
        uploaded_by=principal.person.id if principal.person else None,
        uploaded_by_name=principal.name,
        uploaded_at=datetime.now(UTC),
    )
    session.add(row)
    await audit.record(
        session, principal, "outcome.attach", "outcome_item", item.id, file=stored.filename
    )
    await session.commit()
    return row


async def attachments_of(
    session: AsyncSession, item_ids: Sequence[int]
) -> dict[int, list[OutcomeAttachment]]:
    """The items' attachments by progress entry (record id), oldest first."""
    rows = await session.scalars(
        select(OutcomeAttachment)
        .where(OutcomeAttachment.item_id.in_(item_ids))
        .order_by(OutcomeAttachment.id)
    )
    found: dict[int, list[OutcomeAttachment]] = {}
    for row in rows:
        found.setdefault(row.record_id, []).append(row)
    return found


async def read_attachment(
    session: AsyncSession,
    principal: Principal | None,
    item_id: int,
    attachment_id: int,
    *,
    data_dir: Path,
) -> Download:
    item = await outcomes.readable_item(session, principal, item_id)
    row = await session.get(OutcomeAttachment, attachment_id)
    if row is None or row.item_id != item.id:
        raise NotFound("找不到这个附件")
    data = await stored_files.load(storage_dir(data_dir), row.stored_name)
    return Download(row.filename, row.content_type, data)
