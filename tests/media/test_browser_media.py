"""Three members in headless Chromium with fake microphones meet through the aiortc server.

Each browser plays its own tone (吴秀兰 440 Hz, 郑国强 1000 Hz, 孙丽华 700 Hz) and runs the
real MediaPanel. The moderator mutes 郑国强 in the real moderator console and gives 吴秀兰
the floor: the others receive her audio and video (bytes and frames rising in getStats).
Then 郑国强 gets the floor while muted: nobody receives anything, until he is unmuted. The
recording holds 吴秀兰's speech, as long as she had the floor, and not one moment of
郑国强's tone.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from playwright.async_api import Browser, Page, expect

from tests.media.conftest import PAGE_PATH, MediaMeeting

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INBOUND = """(kind) => window.hslMedia.pc.getStats().then((report) => {
  let bytes = 0, frames = 0;
  report.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === kind) {
      bytes += r.bytesReceived || 0;
      frames += r.framesDecoded || 0;
    }
  });
  return { bytes, frames };
})"""


async def open_panel(
    browser: Browser, server: str, page_dir: Path, token: str, meeting_id: int, video: bool
) -> Page:
    context = await browser.new_context(locale="zh-CN")
    await context.add_cookies([{"name": "hsl_session", "value": token, "url": server}])
    page = await context.new_page()

    async def serve(route: Any) -> None:
        path = route.request.url.split(PAGE_PATH, 1)[1].split("?", 1)[0] or "index.html"
        await route.fulfill(path=str(page_dir / path))

    await page.route(f"{server}{PAGE_PATH}**", serve)
    await page.goto(f"{server}{PAGE_PATH}index.html?meeting={meeting_id}&video={int(video)}")
    await page.get_by_role("button", name="加入音视频").click()
    status = page.get_by_test_id("media-status")
    await expect(status).to_have_attribute("data-phase", "connected", timeout=30_000)
    return page


async def open_console(browser: Browser | None, server: str, token: str, meeting_id: int) -> Page:
    """The real moderator console, signed in with the moderator's token as session cookie."""
    assert browser is not None
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    await context.add_cookies([{"name": "hsl_session", "value": token, "url": server}])
    page = await context.new_page()
    await page.goto(f"{server}/m/{meeting_id}/moderate")
    await expect(page.get_by_test_id("moderator-media")).to_be_visible(timeout=15_000)
    return page


async def inbound(page: Page, kind: str) -> dict[str, int]:
    result: dict[str, int] = await page.evaluate(INBOUND, kind)
    return result


async def rising(page: Page, kind: str, seconds: float = 1.5) -> dict[str, int]:
    before = await inbound(page, kind)
    await asyncio.sleep(seconds)
    after = await inbound(page, kind)
    return {k: after[k] - before[k] for k in after}


def spectrum_peaks(path: Path) -> tuple[list[float], list[float]]:
    """Per 20 ms frame of the recording: its level (dBFS) and its loudest frequency."""
    with av.open(str(path)) as container:
        pcm = np.concatenate(
            [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
        ).astype(np.float64)
    if np.abs(pcm).max() <= 1.0:  # decoded as float
        pcm = pcm * 32768
    size = 960
    levels, peaks = [], []
    freqs = np.fft.rfftfreq(size, 1 / 48_000)
    for start in range(0, len(pcm) - size, size):
        frame = pcm[start : start + size]
        rms = np.sqrt(np.mean(frame**2))
        levels.append(20 * np.log10(max(rms, 1e-9) / 32768))
        peaks.append(float(freqs[int(np.argmax(np.abs(np.fft.rfft(frame))))]))
    return levels, peaks


async def test_members_hear_the_floor_and_the_recording_has_only_what_was_heard(
    media_meeting: MediaMeeting,
    media_browsers: Any,
    media_page: Path,
    server: str,
    tones: dict[int, Path],
    data_dir: Path,
) -> None:
    m = media_meeting
    people = m.people
    speaker_page = await open_panel(
        await media_browsers(tones[440]),
        server,
        media_page,
        people["speaker"].token,
        m.meeting_id,
        video=True,
    )
    muted_page = await open_panel(
        await media_browsers(tones[1000]),
        server,
        media_page,
        people["muted"].token,
        m.meeting_id,
        video=False,
    )
    listener_page = await open_panel(
        await media_browsers(tones[700]),
        server,
        media_page,
        people["listener"].token,
        m.meeting_id,
        video=False,
    )
    for page in (speaker_page, muted_page, listener_page):
        await expect(page.get_by_test_id("media-live")).to_contain_text("获得发言权后自动打开")

    # The moderator mutes 郑国强 from the console; his browser is told at once.
    muted_id = people["muted"].participant_id
    console = await open_console(
        listener_page.context.browser, server, people["moderator"].token, m.meeting_id
    )
    await console.get_by_text("查看名单", exact=True).click()
    await console.get_by_role("button", name="将郑国强静音").click()
    await expect(muted_page.get_by_test_id("media-live")).to_have_text("主持人已将您静音")

    # 吴秀兰 has the floor: her microphone opens and both others receive her.
    assert (
        await m.moderator.send("floor.call", {"participant_id": people["speaker"].participant_id})
    )["ok"]
    floor_from = time.time()
    live = speaker_page.get_by_test_id("media-live")
    await expect(live).to_have_attribute("data-live", "yes")
    await expect(live).to_have_text("您的麦克风已打开，正在被听到")
    await expect(listener_page.get_by_test_id("media-speakers")).to_contain_text("吴秀兰")
    for page in (listener_page, muted_page):
        assert (await rising(page, "audio"))["bytes"] > 2_000
    assert (await rising(listener_page, "video"))["frames"] > 0
    await asyncio.sleep(max(0.0, floor_from + 4 - time.time()))

    # 郑国强 gets the floor while muted: nothing of his reaches anyone.
    assert (await m.moderator.send("floor.call", {"participant_id": muted_id}))["ok"]
    await expect(muted_page.get_by_test_id("media-live")).to_have_text("主持人已将您静音")
    await expect(live).to_have_attribute("data-live", "no")
    await asyncio.sleep(1)
    for page in (listener_page, speaker_page):
        assert (await rising(page, "audio", 2))["bytes"] == 0
    assert (await m.moderator.send("floor.end"))["ok"]
    await console.get_by_role("button", name="取消郑国强的静音").click()
    await expect(muted_page.get_by_test_id("media-live")).to_contain_text("获得发言权后自动打开")
    await console.context.close()

    # The speaker sees her own connection quality; the moderator's view is tested elsewhere.
    await expect(speaker_page.get_by_test_id("media-quality")).to_contain_text("连接质量")
    for page in (speaker_page, muted_page, listener_page):
        await page.get_by_role("button", name="退出音视频").click()

    event = await wait_for_recording(m)
    path = data_dir / "recordings" / event["file"]
    levels, peaks = spectrum_peaks(path)
    heard = [i for i, level in enumerate(levels) if level > -50]
    assert heard, "the recording is silent"
    # Everything audible is 吴秀兰's 440 Hz tone; 郑国强's 1000 Hz never got in.
    assert all(abs(peaks[i] - 440) < 60 for i in heard)
    # And it lasts as long as she had the floor (over 4 s), starting when she got it.
    audible_s = (heard[-1] - heard[0] + 1) * 0.02
    index = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    hers = next(s for s in index["speeches"] if s["name"] == "吴秀兰")
    assert abs(audible_s - (hers["end_s"] - hers["start_s"])) < 0.5
    assert abs(heard[0] * 0.02 - hers["start_s"]) < 0.5


async def wait_for_recording(m: MediaMeeting) -> dict[str, Any]:
    async def recorded() -> dict[str, Any]:
        while True:
            for event in m.moderator.events.values():
                if event["type"] == "media.recorded":
                    return dict(event["data"])
            m.moderator.arrived.clear()
            await m.moderator.arrived.wait()

    return await asyncio.wait_for(recorded(), 30)
