"""The built app runs under its content security policy: no page breaks a rule of it.

Every page is opened in a real Chromium, signed out and signed in as the demo moderator;
any violation Chromium reports (event or console) fails the test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/meetings/1",
    "/meetings/1/minutes",
    "/m/1",
    "/m/1/moderate",
    "/m/1/screen",
    "/m/1/staff",
    "/join/not-a-real-invite",
    "/rooms/1",
]

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "moderator"])
async def test_every_page_runs_under_the_content_policy(
    browser: Browser, server: str, demo: dict[str, Any], signed_in: bool
) -> None:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    await context.add_init_script(WATCH_VIOLATIONS)
    if signed_in:
        account = demo["accounts"]["moderator"]
        r = await context.request.post(
            server + "/api/auth/login",
            data={"username": account["username"], "password": account["password"]},
        )
        assert r.ok, await r.text()
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(message.text)

    page = await context.new_page()
    page.on("console", on_console)
    try:
        for path in PAGES:
            response = await page.goto(server + path)
            assert response is not None and response.ok, path
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            await page.wait_for_load_state("load")
            await page.locator("#app *").first.wait_for(timeout=15_000)
            await asyncio.sleep(1.0)  # lazy chunks, sockets, QR codes
            violations = await page.evaluate("window.__violations")
            assert not violations, (path, violations)
        assert not complaints, complaints
    finally:
        await context.close()
