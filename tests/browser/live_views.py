"""Setting the scene for the live-meeting browser tests: a fresh meeting, people in their seats.

A seat is one person's browser context with one of the live views open in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.conftest import bearer

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1280, "height": 800}
CONSOLE = {"width": 1440, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}

ITEM_TITLE = "老旧小区加装电梯"
# A short round limit, so the second speech runs over while the test goes on.
DISCUSSION = {"kind": "discussion", "title": "自由讨论", "time_limit_s": 10}


@dataclass
class Seat:
    """One person's browser with a live view open."""

    name: str
    context: BrowserContext
    page: Page

    async def close(self) -> None:
        await self.context.close()


async def new_meeting(
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    members: int = 2,
    agenda: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A meeting in 五星街道's room with the demo moderator, staff and the first members
    (and a short agenda of two items, unless one is given)."""
    body = {
        "room_id": 1,
        "title": "五星街道老旧小区加装电梯协商议事会",
        "topic_title": ITEM_TITLE,
        "starts_at": "2026-12-20T09:00:00+08:00",
        "place": "五星街道党群服务中心二楼",
        "mode": "hybrid",
        "agenda": agenda
        or [
            {"title": ITEM_TITLE, "rounds": [DISCUSSION, {"kind": "vote", "title": "表决"}]},
            {"title": "下一步工作安排", "rounds": [{"kind": "summary", "title": "总结"}]},
        ],
        # Shown on the moderator console as each side's time runs down; never enforced.
        "speaking_rules": {"budgets_s": {"member": 1800, "stakeholder": 1800}},
    }
    created = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
    assert created.status_code == 201, created.text
    meeting: dict[str, Any] = created.json()
    people = await http.get("/api/people", headers=bearer(admin_token))
    ids = {p["username"]: p["id"] for p in people.json()["items"]}
    accounts = demo["accounts"]
    roster = [
        (accounts["moderator"], "moderator"),
        (accounts["staff"], "staff"),
        *[(m, "participant") for m in accounts["members"][:members]],
    ]
    for account, role in roster:
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": ids[account["username"]], "role": role},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
    return meeting


async def sit_down(
    browser: Browser,
    server: str,
    account: dict[str, str] | None,
    path: str,
    *,
    viewport: dict[str, int],
    phone: bool = False,
    ready: str = "floor-speaker",
) -> Seat:
    """Sign in (when an account is given) and open a live view; returns once it is shown
    (once the element with the test id `ready` is on the page)."""
    context = await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
    )
    if account is not None:
        signed_in = await context.request.post(
            server + "/api/auth/login",
            data={"username": account["username"], "password": account["password"]},
        )
        assert signed_in.ok, await signed_in.text()
    page = await context.new_page()
    await page.goto(server + path)
    await expect(page.get_by_test_id(ready)).to_be_attached(timeout=15_000)
    return Seat(account["name"] if account else "guest", context, page)
