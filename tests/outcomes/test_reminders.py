"""第十八条 and 第十九条: an item past its due date is flagged overdue and its unit's accounts are
reminded, in the product and by SMS through the adapter, at most once a (Beijing) day. Time
passes by the clock given to the service, never by sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from server.auth import principal_from_token
from server.db.engine import Database
from server.domain import outcomes
from server.notify import Notice, deliver
from server.settings import Settings
from tests.conftest import bearer
from tests.outcomes.conftest import ok, signed_meeting, unit_account


async def test_an_overdue_item_is_flagged_and_its_owner_reminded_once_a_day(
    http: httpx.AsyncClient,
    admin: dict[str, str],
    staff_token: str,
    server: str,
    database_url: str,
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    unit = await unit_account(http, server, admin, "大冈镇")
    due = (datetime.now(UTC) + timedelta(days=10)).astimezone(outcomes.BEIJING).date()
    outcome = await ok(
        await http.post(
            f"/api/meetings/{meeting_id}/outcome",
            json={
                "title": "农贸市场周边停车难协商建议",
                "recipients": ["大冈镇人民政府"],
                "items": [
                    {"text": "增设临时停车位", "unit_id": unit.unit_id, "due_on": due.isoformat()},
                    {"text": "错时共享停车", "unit_id": unit.unit_id, "due_on": due.isoformat()},
                ],
            },
            headers=staff,
        ),
        201,
    )
    late, answered = outcome["items"]
    assert not late["overdue"]
    await ok(
        await http.post(
            f"/api/outcome-items/{answered['id']}/records",
            json={"kind": "decision", "decision": "not_adopted", "note": "地块已列入规划"},
            headers=unit.headers,
        ),
        201,
    )
    await ok(
        await http.post(
            f"/api/outcome-items/{answered['id']}/records",
            json={"kind": "feedback", "note": "已向提出建议的居民说明"},
            headers=unit.headers,
        ),
        201,
    )

    sent: list[Notice] = []
    settings = Settings(sms_backend="log")

    async def by_sms(notice: Notice) -> list[str]:
        sent.append(notice)
        return await deliver(settings, notice)

    def on(days: int, hour: int) -> datetime:
        """A moment `days` after the due date, at `hour` o'clock Beijing time."""
        return datetime(due.year, due.month, due.day, hour, tzinfo=outcomes.BEIJING) + timedelta(
            days=days
        )

    db = Database(database_url)
    try:
        async with db.session() as session:
            assert not [
                r
                for r in await outcomes.remind_overdue(session, by_sms, on(0, 20))
                if r.item_id == late["id"]
            ]  # due today: not yet overdue
            first = await outcomes.remind_overdue(session, by_sms, on(1, 8))
            mine = [r for r in first if r.item_id in (late["id"], answered["id"])]
            assert [r.item_id for r in mine] == [late["id"]]  # the answered one is closed
            assert mine[0].channels == ["sms"] and unit.name[:3] + "联络员" in mine[0].people
            assert any("已超期 1 天" in n.text for n in sent)
            again = await outcomes.remind_overdue(session, by_sms, on(1, 23))
            assert late["id"] not in [r.item_id for r in again]
            next_day = await outcomes.remind_overdue(session, by_sms, on(2, 0))
            assert late["id"] in [r.item_id for r in next_day]
            owner = await principal_from_token(session, unit.token)
            flagged = await outcomes.visible_items(session, owner, overdue_only=True, now=on(2, 9))
            assert late["id"] in [i.id for i in flagged]
            assert answered["id"] not in [i.id for i in flagged]
            assert not await outcomes.visible_items(session, owner, overdue_only=True, now=on(0, 9))
    finally:
        await db.close()

    shown = await ok(await http.get(f"/api/outcome-items/{late['id']}", headers=unit.headers))
    assert [r["kind"] for r in shown["records"]] == ["reminder", "reminder"]
    assert shown["records"][0]["data"]["channels"] == ["sms"]
