"""The live views pass axe-core's WCAG 2.1 A and AA checks (labels, names, contrast,
structure) with a speaker, a queue, an open poll and the voting tablet unlocked on screen,
and the participant, moderator, staff and voting tablet views fit a 360 px phone without
scrolling sideways.

axe-core runs inside the page, from web/node_modules (a devDependency of web/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.browser.live_views import CONSOLE, PHONE, PROJECTOR, TABLET, new_meeting, sit_down
from tests.conftest import live_client, login_token

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(page: Page) -> list[str]:
    # The page's Content-Security-Policy allows no injected <script>; evaluated through the
    # browser's debugging channel, as the test's own code, axe is not the page's script.
    await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = await page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
                id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        TAGS,
    )
    return [f"{v['id']}: {v['help']} at {v['targets'][:3]}" for v in found]


async def sideways(page: Page, name: str) -> dict[str, list[str]]:
    """The page scrolls sideways: its width and the widest thing that sticks out."""
    wide: list[Any] = await page.evaluate(
        """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""
    )
    if wide[0] <= wide[1]:
        return {}
    return {name: [f"the page is {wide[0]} px wide on a {wide[1]} px screen"]}


def ready(path: str) -> str:
    """What shows that a view is drawn: the voting tablet has no floor to show."""
    return "kiosk-voter" if path.endswith("/kiosk") else "floor-speaker"


@pytest.mark.slow  # five pages, each checked by axe-core
async def test_the_live_views_pass_axe_checks(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run npm ci in web/")
    meeting = await new_meeting(http, admin_token, demo)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    people = []
    ids = []
    for account in (accounts["moderator"], *accounts["members"][:2]):
        client = await live_client(server, {"token": await login_token(server, account)})
        joined = await client.call("join", {"meeting_id": meeting["id"]}, namespace="/live")
        assert joined["ok"], joined
        people.append(client)
        ids.append(joined["participant_id"])
    moderator, first, second = people
    item_id = str(meeting["agenda"][0]["id"])

    async def send(client: Any, type_: str, data: dict[str, Any]) -> None:
        ack = await client.call(
            "command", {"id": f"axe-{type_}", "type": type_, "data": data}, namespace="/live"
        )
        assert ack["ok"], ack

    # A speaker, one hand waiting, an open poll and the voting tablet unlocked for the
    # second member: every part of each view is drawn.
    await send(moderator, "agenda.goto", {"item_id": item_id})
    await send(moderator, "round.start", {})
    await send(first, "hand.raise", {"kind": "speech"})
    await send(second, "hand.raise", {"kind": "point_of_order"})
    await send(moderator, "floor.next", {})
    await send(
        moderator, "poll.open", {"question": "是否同意加装电梯方案？", "kind": "yes_no_abstain"}
    )
    await send(second, "attendance.check_in", {"mode": "in_room"})
    await send(moderator, "kiosk.unlock", {"poll_id": "p1", "participant_id": ids[2]})

    views = [
        (accounts["members"][0], m, PHONE),
        (accounts["moderator"], f"{m}/moderate", CONSOLE),
        (accounts["staff"], f"{m}/screen", PROJECTOR),
        (accounts["staff"], f"{m}/staff", CONSOLE),
        (accounts["staff"], f"{m}/kiosk", TABLET),
    ]
    # Every view but the projector's is also used on a 360 px phone: nothing may stick out.
    phones = [
        (accounts["moderator"], f"{m}/moderate"),
        (accounts["staff"], f"{m}/staff"),
        (accounts["staff"], f"{m}/kiosk"),
    ]
    problems: dict[str, list[str]] = {}
    try:
        for account, path, viewport in views:
            seat = await sit_down(
                browser, server, account, path, viewport=viewport, ready=ready(path)
            )
            try:
                found = await axe_violations(seat.page)
                if found:
                    problems[path] = found
                if viewport == PHONE:
                    problems.update(await sideways(seat.page, path))
            finally:
                await seat.close()
        for account, path in phones:
            seat = await sit_down(
                browser, server, account, path, viewport=PHONE, phone=True, ready=ready(path)
            )
            try:
                problems.update(await sideways(seat.page, f"{path} (phone)"))
            finally:
                await seat.close()
    finally:
        for client in people:
            await client.disconnect()
    assert problems == {}
