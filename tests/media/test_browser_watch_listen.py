"""A watcher on a phone hears the meeting, only while the moderator allows it.

Three headless Chromiums with fake devices run the real app: the room screen
(/m/ID/screen, the moderator's account) sends 会场音视频 with the room's 440 Hz
microphone; the moderator's console (/m/ID/moderate) holds the consent switch and shows
each participant's connection quality without having joined any media; a resident's
phone opens /watch/{token}. Without consent the phone has no 收听会场声音 and a direct
join is refused; with it, the phone's audio element receives the room's audio (bytes
rising in getStats), and again after a reload without a tap; consent withdrawn while the
phone was away is said plainly on return, without trying to join; when the moderator stops
it, the phone is cut off. The console shows the room computer's own connection row.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from playwright.async_api import expect

from tests.browser.live_views import PHONE
from tests.conftest import bearer
from tests.media.conftest import MediaMeeting
from tests.media.test_browser_room_media import (
    KEEP_PEERS,
    connected,
    eventually_rising,
    open_page,
    rising,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _direct_listen(server: str, watch_token: str, meeting_id: int) -> dict[str, Any]:
    """What the server answers a watcher that tries to listen without the page's button."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        server, namespaces=["/media"], auth={"watch": watch_token}, transports=["websocket"]
    )
    try:
        ack: dict[str, Any] = await client.call(
            "join", {"meeting_id": meeting_id, "kind": "listen"}, namespace="/media", timeout=20
        )
        return ack
    finally:
        await client.disconnect()


async def test_a_watcher_on_a_phone_hears_the_room_only_with_the_moderators_consent(
    media_meeting: MediaMeeting,
    media_browsers: Any,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    tones: dict[int, Path],
) -> None:
    m = media_meeting
    people = m.people
    link = await http.put(
        f"/api/meetings/{m.meeting_id}/watch", json={"enabled": True}, headers=bearer(admin_token)
    )
    assert link.status_code == 200, link.text
    watch_token = link.json()["token"]
    room_browser = await media_browsers(tones[440])
    phone_browser = await media_browsers(tones[700])

    # The room computer sends 会场音视频.
    screen = await open_page(
        room_browser, server, people["moderator"].token, f"/m/{m.meeting_id}/screen"
    )
    switch = screen.get_by_role("switch", name="会场音视频")
    await expect(switch).to_have_attribute("aria-checked", "false", timeout=15_000)
    await switch.click()
    await connected(screen)

    # The moderator's console: no media joined, yet everyone's connection is shown.
    console = await open_page(
        room_browser, server, people["moderator"].token, f"/m/{m.meeting_id}/moderate"
    )
    await console.get_by_text("查看名单", exact=True).click()
    badges = console.get_by_test_id("connection-quality")
    await expect(badges.filter(has_text="未连接音视频").first).to_be_visible(timeout=20_000)
    await expect(badges.filter(has_text="不在线").first).to_be_visible()
    # The room computer's own row, graded from its media like anyone's.
    room_row = console.get_by_test_id("room-connection")
    await expect(room_row).to_have_attribute(
        "data-grade", re.compile("^(good|fair|poor)$"), timeout=20_000
    )
    await expect(room_row).to_contain_text(re.compile("会场电脑：(良好|一般|较差)"))

    # A resident's phone: the public view, and no way to listen yet.
    context = await phone_browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    await context.add_init_script(KEEP_PEERS)
    phone = await context.new_page()
    await phone.goto(f"{server}/watch/{watch_token}")
    await expect(phone.get_by_text("旁听", exact=True)).to_be_visible(timeout=15_000)
    await expect(phone.get_by_role("button", name="收听会场声音")).to_have_count(0)
    refused = await _direct_listen(server, watch_token, m.meeting_id)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused

    # The moderator allows it: the phone offers 收听会场声音 and hears the room.
    allow = console.get_by_role("button", name="开放旁听收听")
    await expect(allow).to_be_enabled()
    await allow.click()
    await expect(console.get_by_role("button", name="停止旁听收听")).to_be_visible()
    listen = phone.get_by_role("button", name="收听会场声音")
    await expect(listen).to_be_visible(timeout=15_000)
    await listen.tap()
    await expect(phone.get_by_test_id("watch-listening")).to_contain_text("会场", timeout=30_000)
    await expect(phone.get_by_test_id("watch-audio").first).to_be_attached()
    await eventually_rising(phone, "audio", "bytes", 2_000)
    # Counted on the console, never listed.
    await expect(console.get_by_test_id("watch-audio-state")).to_contain_text(
        "当前 1 人收听", timeout=20_000
    )

    # A reload keeps listening: the tab remembers it and joins again without a tap.
    await phone.reload()
    await expect(phone.get_by_test_id("watch-listening")).to_contain_text("会场", timeout=30_000)
    await eventually_rising(phone, "audio", "bytes", 2_000)

    # Away from the page when consent is withdrawn: back, it says so and does not try.
    await phone.goto("about:blank")
    await console.get_by_role("button", name="停止旁听收听").click()
    allow = console.get_by_role("button", name="开放旁听收听")
    await expect(allow).to_be_visible()
    await phone.goto(f"{server}/watch/{watch_token}")
    await expect(phone.get_by_text("主持人已停止旁听收听；再次开放后")).to_be_visible(
        timeout=15_000
    )
    await expect(phone.get_by_role("button", name="收听会场声音")).to_have_count(0)
    await expect(phone.get_by_test_id("watch-audio")).to_have_count(0)
    assert await phone.evaluate("window.__pcs.length") == 0

    # Allowed again: the button is back and listening takes a tap (nothing remembered).
    await allow.click()
    listen = phone.get_by_role("button", name="收听会场声音")
    await expect(listen).to_be_visible(timeout=15_000)
    await asyncio.sleep(1)
    assert await phone.evaluate("window.__pcs.length") == 0
    await listen.tap()
    await expect(phone.get_by_test_id("watch-listening")).to_contain_text("会场", timeout=30_000)
    await eventually_rising(phone, "audio", "bytes", 2_000)

    # The moderator withdraws consent: the phone is cut off and the button goes.
    await console.get_by_role("button", name="停止旁听收听").click()
    await expect(phone.get_by_text("主持人已停止旁听收听")).to_be_visible(timeout=15_000)
    await expect(phone.get_by_role("button", name="收听会场声音")).to_have_count(0)
    await asyncio.sleep(1)
    assert (await rising(phone, "audio"))["bytes"] == 0
    again = await _direct_listen(server, watch_token, m.meeting_id)
    assert again["ok"] is False and again["error"]["code"] == "forbidden", again
