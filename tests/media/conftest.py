"""Fixtures for media: aiortc peers that join through /media like a browser would, tone
files for fake microphones, the media test page, and Chromium with fake devices.

The session `server` starts its own media worker (HSL_MEDIA_WORKERS defaults to 1), so
these tests drive the real thing: signalling on /media, the worker process, aiortc.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import socketio
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from playwright.async_api import Browser, async_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import bearer
from tests.live.conftest import LiveUser, connect_user, new_person

PAGE_SOURCE = Path(__file__).resolve().parent / "page"
PAGE_PATH = "/__media_test__/"


def write_tone(path: Path, hz: float, seconds: float = 4.0, rate: int = 48_000) -> Path:
    """A mono 16-bit WAV of a steady sine tone: each fake microphone gets its own pitch."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * hz * t) * 9000).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


@pytest.fixture(scope="session")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("tones")
    return {hz: write_tone(folder / f"tone-{hz}.wav", hz) for hz in (440, 1000, 700)}


async def media_client(server: str, token: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        server,
        namespaces=["/media"],
        auth={"token": token},
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


@dataclass
class MediaPeer:
    """An aiortc participant: a /media socket, a peer connection, what it heard and was told."""

    client: socketio.AsyncClient
    pc: RTCPeerConnection
    notices: dict[str, list[Any]] = field(default_factory=dict)
    frames: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def last(self, event: str) -> Any:
        return self.notices.get(event, [None])[-1]

    async def wait_for(self, event: str, check: Callable[[Any], bool]) -> Any:
        """The newest notice of `event` that passes `check`, waiting at most 15 s for it."""

        async def seen() -> Any:
            while True:
                for data in reversed(self.notices.get(event, [])):
                    if check(data):
                        return data
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(seen(), 15)

    async def frames_during(self, kind: str, seconds: float) -> int:
        before = self.frames[kind]
        await asyncio.sleep(seconds)
        return self.frames[kind] - before

    async def close(self) -> None:
        await self.pc.close()
        if self.client.connected:
            await self.client.disconnect()


async def join_media(
    server: str,
    token: str,
    meeting_id: int,
    *,
    tone: Path | None = None,
    kind: str = "person",
    slots: int = 2,
) -> MediaPeer:
    """Join a meeting's media as a browser would: join, offer (candidates gathered), answer."""
    client = await media_client(server, token)
    peer = MediaPeer(client, RTCPeerConnection(RTCConfiguration(iceServers=[])))
    for event in ("media.state", "media.slots", "media.levels", "media.quality", "media.cap"):

        def remember(data: Any, event: str = event) -> None:
            peer.notices.setdefault(event, []).append(data)
            peer.changed.set()

        client.on(event, remember, namespace="/media")
    ack = await client.call(
        "join", {"meeting_id": meeting_id, "kind": kind}, namespace="/media", timeout=20
    )
    assert ack["ok"], ack
    if tone is not None:
        player = MediaPlayer(str(tone), loop=True)
        assert player.audio is not None
        peer.pc.addTransceiver(player.audio, direction="sendrecv")
        slots -= 1
    for _ in range(slots):
        peer.pc.addTransceiver("audio", direction="recvonly")
    await negotiate(peer)
    return peer


async def negotiate(peer: MediaPeer) -> dict[str, Any]:
    """Offer the peer's transceivers, take the worker's answer, and count every frame that
    arrives on each received track; the answer as the worker sent it."""
    await peer.pc.setLocalDescription(await peer.pc.createOffer())
    answer: dict[str, Any] = await peer.client.call(
        "offer",
        {"type": "offer", "sdp": peer.pc.localDescription.sdp},
        namespace="/media",
        timeout=30,
    )
    assert answer["ok"], answer
    await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def count(track: Any) -> None:
        while True:
            try:
                await track.recv()
            except Exception:
                return
            peer.frames[track.kind] += 1

    for transceiver in peer.pc.getTransceivers():
        asyncio.get_running_loop().create_task(count(transceiver.receiver.track))
    return answer


JoinMedia = Callable[..., Awaitable[MediaPeer]]


@pytest.fixture
async def media_peers(server: str) -> AsyncIterator[JoinMedia]:
    """Join media with `await media_peers(token, meeting_id, tone=...)`; all closed after."""
    peers: list[MediaPeer] = []

    async def join(token: str, meeting_id: int, **kwargs: Any) -> MediaPeer:
        peer = await join_media(server, token, meeting_id, **kwargs)
        peers.append(peer)
        return peer

    yield join
    for peer in peers:
        await peer.close()


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test page (the real MediaPanel) built with the web app's Vite."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to build the media test page (see web/README.md)")
    out = tmp_path_factory.mktemp("media-page")
    done = subprocess.run(
        [node, str(PAGE_SOURCE / "build.mjs"), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return out


MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    # Offer plain host addresses, not mDNS names, so the worker needs no mDNS resolver.
    "--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks",
]


@pytest.fixture
async def media_browsers() -> AsyncIterator[Callable[[Path], Awaitable[Browser]]]:
    """One Chromium per participant: the fake microphone's sound is fixed at launch."""
    async with async_playwright() as p:
        launched: list[Browser] = []

        async def launch(tone: Path) -> Browser:
            args = [*CHROMIUM_ARGS, *MEDIA_ARGS, f"--use-file-for-fake-audio-capture={tone}"]
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            launched.append(browser)
            return browser

        yield launch
        for browser in launched:
            await browser.close()


# --- a meeting to talk in -----------------------------------------------------------------


@dataclass
class Person:
    name: str
    token: str
    participant_id: str


@dataclass
class MediaMeeting:
    meeting_id: int
    item_id: str
    moderator: LiveUser  # the moderator's /live client, which runs the floor
    people: dict[str, Person]


ROSTER = [
    ("moderator", "周文斌", "member", "moderator"),
    ("speaker", "吴秀兰", "member", "participant"),
    ("muted", "郑国强", "stakeholder", "participant"),
    ("listener", "孙丽华", "member", "participant"),
]


@pytest.fixture(scope="session")
async def media_people(server: str, admin_token: str) -> dict[str, tuple[int, str]]:
    """The people of the media tests, created once: key -> (person id, login token)."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        return {
            key: await new_person(http, admin_token, name, category)
            for key, name, category, _ in ROSTER
        }


@pytest.fixture
async def media_meeting(
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    media_people: dict[str, tuple[int, str]],
) -> AsyncIterator[MediaMeeting]:
    """A fresh live hybrid meeting on its first agenda item: a moderator and three members."""
    body = {
        "room_id": 1,
        "title": "五星街道加装电梯线上协商会",
        "topic_title": "老旧小区加装电梯",
        "starts_at": "2026-12-21T09:00:00+08:00",
        "place": "五星街道协商议事室",
        "mode": "hybrid",
        "agenda": [
            {
                "title": "加装电梯费用分摊",
                "rounds": [{"kind": "discussion", "title": "自由讨论", "time_limit_s": 600}],
            }
        ],
    }
    meeting = (await http.post("/api/meetings", json=body, headers=bearer(admin_token))).json()
    people = {}
    for key, name, _, role in ROSTER:
        person_id, token = media_people[key]
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": person_id, "role": role},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
        people[key] = Person(name, token, str(added.json()["id"]))
    moderator = await connect_user(server, people["moderator"].token, "周文斌")
    await moderator.join(meeting["id"])
    item_id = str(meeting["agenda"][0]["id"])
    ack = await moderator.send("agenda.goto", {"item_id": item_id})
    assert ack["ok"], ack
    yield MediaMeeting(meeting["id"], item_id, moderator, people)
    await moderator.client.disconnect()
