"""The room online: the room computer turns on 会场音视频 and a remote member hears and sees it.

Two headless Chromiums with fake devices run the real app: the room screen
(/m/ID/screen, signed in as the moderator) with the room's 440 Hz microphone and fake
camera, and 孙丽华's participant page (/m/ID) at home. She receives the room's audio and
video (bytes rising in getStats, the speaker tile's video playing); after a reload of
either page the audio comes back by itself; when she has the floor with her camera on,
the room's speaker tile shows her camera.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.media.conftest import MediaMeeting

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every RTCPeerConnection the page makes, newest last, for the test to read getStats from.
KEEP_PEERS = """(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();"""

INBOUND = """(kind) => {
  const pc = window.__pcs[window.__pcs.length - 1];
  if (!pc) return { bytes: 0, frames: 0 };
  return pc.getStats().then((report) => {
    let bytes = 0, frames = 0;
    report.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === kind) {
        bytes += r.bytesReceived || 0;
        frames += r.framesDecoded || 0;
      }
    });
    return { bytes, frames };
  });
}"""

PLAYING = """(el) => ({
  playing: !el.paused && el.readyState >= 2 && el.videoWidth > 0,
  time: el.currentTime,
})"""


async def open_page(browser: Browser, server: str, token: str, path: str) -> Page:
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000})
    await context.add_cookies([{"name": "hsl_session", "value": token, "url": server}])
    await context.add_init_script(KEEP_PEERS)
    page = await context.new_page()
    await page.goto(f"{server}{path}")
    return page


async def rising(page: Page, kind: str, seconds: float = 1.5) -> dict[str, int]:
    before: dict[str, int] = await page.evaluate(INBOUND, kind)
    await asyncio.sleep(seconds)
    after: dict[str, int] = await page.evaluate(INBOUND, kind)
    return {k: after[k] - before[k] for k in after}


async def eventually_rising(page: Page, kind: str, key: str, least: int) -> None:
    """Received media of this kind grows (the first packets may take a moment)."""
    gained: dict[str, int] = {}
    for _ in range(10):
        gained = await rising(page, kind)
        if gained[key] > least:
            return
    raise AssertionError(f"{kind} {key} not rising: {gained}")


async def video_plays(page: Page, label: str) -> None:
    tile = page.get_by_test_id("media-tile")
    await expect(tile).to_have_attribute("data-label", label, timeout=20_000)
    video = tile.locator("video")
    first: dict[str, Any] = {}
    for _ in range(20):
        first = await video.evaluate(PLAYING)
        if first["playing"]:
            break
        await asyncio.sleep(0.5)
    assert first["playing"], first
    await asyncio.sleep(1)
    later: dict[str, Any] = await video.evaluate(PLAYING)
    assert later["playing"] and later["time"] > first["time"], (first, later)


async def connected(page: Page, within: Any = None) -> None:
    scope = within or page
    status = scope.get_by_test_id("media-status")
    await expect(status).to_have_attribute("data-phase", "connected", timeout=30_000)


async def test_the_room_is_heard_and_seen_online_and_audio_rejoins_after_a_reload(
    media_meeting: MediaMeeting,
    media_browsers: Any,
    server: str,
    tones: dict[int, Path],
) -> None:
    m = media_meeting
    people = m.people
    room_browser = await media_browsers(tones[440])
    home_browser = await media_browsers(tones[700])

    # The room screen, driven by the moderator's account: 会场音视频 is off until turned on.
    screen = await open_page(
        room_browser, server, people["moderator"].token, f"/m/{m.meeting_id}/screen"
    )
    switch = screen.get_by_role("switch", name="会场音视频")
    await expect(switch).to_have_attribute("aria-checked", "false", timeout=15_000)
    await expect(screen.get_by_test_id("media-status")).to_have_count(0)

    # 孙丽华 at home opens the meeting's audio and video.
    home = await open_page(home_browser, server, people["listener"].token, f"/m/{m.meeting_id}")
    await home.get_by_text("音视频", exact=True).first.click()
    await home.get_by_role("button", name="加入音视频").click()
    await connected(home)
    await expect(home.get_by_test_id("media-speakers")).to_contain_text("暂无发言人")

    # The room goes online: she hears the room and sees its camera in the speaker tile.
    await switch.click()
    await expect(switch).to_have_attribute("aria-checked", "true")
    await connected(screen)
    await expect(screen.get_by_test_id("media-live")).to_have_text("会场麦克风已接入")
    await expect(home.get_by_test_id("media-speakers")).to_contain_text("会场")
    await eventually_rising(home, "audio", "bytes", 2_000)
    await eventually_rising(home, "video", "frames", 0)
    await video_plays(home, "room")

    # A reload at home: audio comes back by itself, with nothing clicked.
    await home.reload()
    await connected(home)
    await expect(home.get_by_test_id("media-speakers")).to_contain_text("会场")
    await eventually_rising(home, "audio", "bytes", 2_000)

    # A reload of the room screen: the switch stays on and the room is heard again.
    await screen.reload()
    await expect(screen.get_by_role("switch", name="会场音视频")).to_have_attribute(
        "aria-checked", "true", timeout=15_000
    )
    await connected(screen)
    await expect(home.get_by_test_id("media-speakers")).to_contain_text("会场", timeout=20_000)
    await eventually_rising(home, "audio", "bytes", 2_000)

    # She turns her camera on and is given the floor: the room sees her in its speaker tile.
    await home.get_by_role("button", name="打开摄像头").click()
    await connected(home)
    assert (
        await m.moderator.send("floor.call", {"participant_id": people["listener"].participant_id})
    )["ok"]
    await expect(home.get_by_test_id("media-live")).to_have_attribute("data-live", "yes")
    await video_plays(screen, people["listener"].participant_id)
    await expect(screen.get_by_test_id("media-tile")).to_have_count(1)

    # Turning the switch off takes the room offline: she no longer hears it.
    await screen.get_by_role("switch", name="会场音视频").click()
    await expect(home.get_by_test_id("media-speakers")).not_to_contain_text("会场", timeout=15_000)
