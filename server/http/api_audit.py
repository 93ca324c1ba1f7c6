"""The audit log over HTTP: read-only, for admins, filtered by person and by time.

There is no endpoint that changes or removes an entry; the table refuses it as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from server.db.models_audit import AuditEntry
from server.domain import audit
from server.domain.errors import Invalid
from server.http.framework import Context, Endpoint

SHANGHAI = ZoneInfo("Asia/Shanghai")


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: int | None
    details: dict[str, Any]


class AuditList(BaseModel):
    items: list[AuditEntryOut]


def _moment(ctx: Context, name: str) -> datetime | None:
    """An ISO 8601 date or time from the query; without a zone it is Beijing time."""
    raw = ctx.request.query_params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            f"{name} 应为 ISO 8601 日期或时间，例如 2026-12-01 或 2026-12-01T08:00:00+08:00"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def _person(ctx: Context) -> int | None:
    raw = ctx.request.query_params.get("person_id")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Invalid("person_id 应为人员编号（正整数）")
    return int(raw)


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut.model_validate(entry, from_attributes=True)


async def list_audit(ctx: Context) -> AuditList:
    rows = await audit.entries(
        ctx.session,
        ctx.principal,
        person_id=_person(ctx),
        since=_moment(ctx, "since"),
        until=_moment(ctx, "until"),
    )
    return AuditList(items=[entry_out(r) for r in rows])


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/audit",
        list_audit,
        "审计日志：授权、重置密码、停用账号、签发、结束表决等（仅管理员；最新的在前）",
        None,
        AuditList,
        query={"person_id": "integer", "since": "string", "until": "string"},
        permission="audit.read",
    ),
]
