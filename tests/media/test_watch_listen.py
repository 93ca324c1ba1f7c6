"""Public observers hear the meeting's audio only while the moderator allows it.

A watcher is a real aiortc peer joining /media with the watch link (`kind: listen`); the
speaker's microphone never stops sending, so what the watcher receives is what the worker
chose to forward. The watcher never sends, is never in the moderator's connection list,
only counted, and is cut off when the moderator withdraws consent or the link goes off.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import socketio
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaPlayer

from tests.conftest import bearer
from tests.media.conftest import JoinMedia, MediaMeeting, MediaPeer, negotiate

SETTLE_S = 0.6


async def _watch_token(http: httpx.AsyncClient, admin_token: str, meeting_id: int) -> str:
    r = await http.put(
        f"/api/meetings/{meeting_id}/watch", json={"enabled": True}, headers=bearer(admin_token)
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


async def _watcher_socket(server: str, watch_token: str) -> MediaPeer:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        server,
        namespaces=["/media"],
        auth={"watch": watch_token},
        transports=["websocket"],
        wait_timeout=10,
    )
    peer = MediaPeer(client, RTCPeerConnection(RTCConfiguration(iceServers=[])))
    for event in ("media.state", "media.slots", "media.listen_closed", "media.quality"):

        def remember(data: Any, event: str = event) -> None:
            peer.notices.setdefault(event, []).append(data)
            peer.changed.set()

        client.on(event, remember, namespace="/media")
    return peer


async def _join(peer: MediaPeer, meeting_id: int) -> dict[str, Any]:
    for _ in range(10):  # one join a second per connection
        ack: dict[str, Any] = await peer.client.call(
            "join", {"meeting_id": meeting_id, "kind": "listen"}, namespace="/media", timeout=20
        )
        if ack["ok"] or ack["error"]["code"] != "rate_limited":
            return ack
        await asyncio.sleep(0.5)
    raise AssertionError("join stayed rate-limited")


async def _listen(peer: MediaPeer, meeting_id: int, tone: Path) -> tuple[str, str]:
    """Join as a listener, offering our microphone too (a doctored page); the answer's SDP
    and our peer id."""
    ack = await _join(peer, meeting_id)
    assert ack["ok"], ack
    assert ack["role"] == "watcher" and ack["participant_id"] is None
    player = MediaPlayer(str(tone), loop=True)
    assert player.audio is not None
    peer.pc.addTransceiver(player.audio, direction="sendrecv")
    peer.pc.addTransceiver("audio", direction="recvonly")
    peer.pc.addTransceiver("video", direction="recvonly")
    answer = await negotiate(peer)
    return answer["sdp"], ack["peer_id"]


async def test_a_watcher_hears_the_floor_only_with_the_moderators_consent(
    media_meeting: MediaMeeting,
    media_peers: JoinMedia,
    tones: dict[int, Path],
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
) -> None:
    m = media_meeting
    speaker_id = m.people["speaker"].participant_id
    watch_token = await _watch_token(http, admin_token, m.meeting_id)
    watcher = await _watcher_socket(server, watch_token)
    try:
        # Without consent: refused, in words for the watcher.
        refused = await _join(watcher, m.meeting_id)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        assert "主持人没有开放旁听收听" in refused["error"]["message"]

        assert (await m.moderator.send("media.allow_watch_audio"))["ok"]
        room = await media_peers(m.people["moderator"].token, m.meeting_id, kind="room")
        speaker = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
        assert (await m.moderator.send("floor.call", {"participant_id": speaker_id}))["ok"]
        await speaker.wait_for("media.state", lambda d: d["live"])

        answer, peer_id = await _listen(watcher, m.meeting_id, tones[1000])
        # Nothing the watcher offers is taken; it receives audio only.
        assert "a=recvonly" not in answer and "a=sendrecv" not in answer
        assert "m=video 0" in answer or "a=inactive" in answer
        await watcher.wait_for(
            "media.slots", lambda d: any(s["label"] == speaker_id for s in d["slots"])
        )
        assert await watcher.frames_during("audio", 2) > 10

        # Counted, never listed: the moderator's list has the room and the speaker only.
        quality = await room.wait_for("media.quality", lambda d: d.get("listening") == 1)
        assert sorted(row["label"] for row in quality["peers"]) == sorted(["room", speaker_id])
        # Nobody hears the watcher's microphone: it is never a source.
        for other in (room, speaker):
            for notice in other.notices.get("media.slots", []):
                assert all(slot["label"] != peer_id for slot in notice["slots"])

        # Consent withdrawn: the watcher is told and hears nothing more.
        assert (await m.moderator.send("media.stop_watch_audio"))["ok"]
        closed = await watcher.wait_for("media.listen_closed", lambda d: True)
        assert closed["reason"] == "stopped"
        await asyncio.sleep(SETTLE_S)
        assert await watcher.frames_during("audio", 1.5) == 0
        again = await _join(watcher, m.meeting_id)
        assert again["ok"] is False and again["error"]["code"] == "forbidden"
        await room.wait_for("media.quality", lambda d: d.get("listening") == 0)
    finally:
        await watcher.close()


async def test_turning_the_watch_link_off_cuts_off_its_listeners(
    media_meeting: MediaMeeting,
    media_peers: JoinMedia,
    tones: dict[int, Path],
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
) -> None:
    m = media_meeting
    watch_token = await _watch_token(http, admin_token, m.meeting_id)
    assert (await m.moderator.send("media.allow_watch_audio"))["ok"]
    await media_peers(m.people["moderator"].token, m.meeting_id, tone=tones[700], kind="room")
    watcher = await _watcher_socket(server, watch_token)
    try:
        await _listen(watcher, m.meeting_id, tones[1000])
        await watcher.wait_for(
            "media.slots", lambda d: any(s["label"] == "room" for s in d["slots"])
        )
        assert await watcher.frames_during("audio", 2) > 10
        off = await http.put(
            f"/api/meetings/{m.meeting_id}/watch",
            json={"enabled": False},
            headers=bearer(admin_token),
        )
        assert off.status_code == 200
        closed = await watcher.wait_for("media.listen_closed", lambda d: True)
        assert closed["reason"] == "link_closed"
        await asyncio.sleep(SETTLE_S)
        assert await watcher.frames_during("audio", 1.5) == 0
    finally:
        await watcher.close()


async def test_a_participant_cannot_listen_as_a_watcher(
    media_meeting: MediaMeeting, server: str
) -> None:
    from tests.media.conftest import media_client

    m = media_meeting
    assert (await m.moderator.send("media.allow_watch_audio"))["ok"]
    client = await media_client(server, m.people["listener"].token)
    try:
        ack = await client.call(
            "join", {"meeting_id": m.meeting_id, "kind": "listen"}, namespace="/media"
        )
    finally:
        await client.disconnect()
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


async def test_a_watch_link_of_another_meeting_may_not_listen(
    media_meeting: MediaMeeting,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
) -> None:
    m = media_meeting
    assert (await m.moderator.send("media.allow_watch_audio"))["ok"]
    token = await _watch_token(http, admin_token, m.meeting_id)
    watcher = await _watcher_socket(server, token)
    try:
        ack = await _join(watcher, m.meeting_id + 1000)
        assert ack["ok"] is False and ack["error"]["code"] in ("forbidden", "not_found")
    finally:
        await watcher.close()
