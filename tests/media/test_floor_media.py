"""Remote participants are heard when the moderator gives them the floor, and not otherwise.

Every participant here is a real aiortc peer that joins through /media and connects to the
server's media worker; their microphones never stop sending, as a doctored browser would,
so what the listeners receive is what the server chose to forward.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.live.conftest import connect_user
from tests.media.conftest import JoinMedia, MediaMeeting, media_client

# Frames in flight (jitter buffers at both ends) when forwarding stops.
SETTLE_S = 0.6


def has_label(label: str) -> Any:
    return lambda data: any(slot["label"] == label for slot in data["slots"])


async def test_a_connection_without_credentials_is_refused(server: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server, namespaces=["/media"], transports=["websocket"])
    await client.disconnect()


async def test_only_the_moderator_or_staff_may_join_as_the_room(
    media_meeting: MediaMeeting, server: str
) -> None:
    client = await media_client(server, media_meeting.people["speaker"].token)
    ack = await client.call(
        "join", {"meeting_id": media_meeting.meeting_id, "kind": "room"}, namespace="/media"
    )
    await client.disconnect()
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert "主持人和工作人员" in ack["error"]["message"]


async def test_the_floor_holder_is_heard_and_nobody_else(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path]
) -> None:
    m = media_meeting
    speaker_id = m.people["speaker"].participant_id
    speaker = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    first = await speaker.wait_for("media.state", lambda d: True)
    assert first["live"] is False
    assert await listener.frames_during("audio", 1.5) == 0

    ack = await m.moderator.send("floor.call", {"participant_id": speaker_id})
    assert ack["ok"], ack
    await speaker.wait_for("media.state", lambda d: d["live"] and d["floor"] == speaker_id)
    await listener.wait_for("media.slots", has_label(speaker_id))
    assert await listener.frames_during("audio", 2) > 10

    ack = await m.moderator.send("floor.end")
    assert ack["ok"], ack
    await speaker.wait_for("media.state", lambda d: not d["live"])
    await asyncio.sleep(SETTLE_S)
    assert await listener.frames_during("audio", 1.5) == 0


async def test_a_participant_muted_by_the_moderator_is_not_forwarded_even_with_the_floor(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path]
) -> None:
    m = media_meeting
    muted_id = m.people["muted"].participant_id
    muted = await media_peers(m.people["muted"].token, m.meeting_id, tone=tones[1000])
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    assert (await m.moderator.send("media.mute", {"participant_id": muted_id}))["ok"]
    assert (await m.moderator.send("floor.call", {"participant_id": muted_id}))["ok"]
    state = await muted.wait_for("media.state", lambda d: d["muted"] and d["floor"] == muted_id)
    assert state["live"] is False
    assert await listener.frames_during("audio", 2) == 0

    again = await m.moderator.send("media.mute", {"participant_id": muted_id})
    assert again["ok"] is False and again["error"]["code"] == "conflict"

    assert (await m.moderator.send("media.unmute", {"participant_id": muted_id}))["ok"]
    await muted.wait_for("media.state", lambda d: d["live"] and not d["muted"])
    await listener.wait_for("media.slots", has_label(muted_id))
    assert await listener.frames_during("audio", 2) > 10


async def test_a_participant_on_two_devices_is_heard_once_through_the_newest(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path]
) -> None:
    m = media_meeting
    speaker_id = m.people["speaker"].participant_id
    laptop = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
    phone = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[700])
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    assert (await m.moderator.send("floor.call", {"participant_id": speaker_id}))["ok"]
    await phone.wait_for("media.state", lambda d: d["live"])
    slots = await listener.wait_for("media.slots", has_label(speaker_id))
    assert [s["label"] for s in slots["slots"]].count(speaker_id) == 1
    assert laptop.last("media.state")["live"] is False


async def test_a_participant_may_not_mute_anyone(media_meeting: MediaMeeting, server: str) -> None:
    m = media_meeting
    member = await connect_user(server, m.people["speaker"].token, "吴秀兰")
    await member.join(m.meeting_id)
    ack = await member.send("media.mute", {"participant_id": m.people["muted"].participant_id})
    await member.client.disconnect()
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert "静音" in ack["error"]["message"]


async def test_open_mics_let_everyone_be_heard_until_closed(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path]
) -> None:
    m = media_meeting
    speaker = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
    other = await media_peers(m.people["muted"].token, m.meeting_id, tone=tones[1000])
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    assert (await m.moderator.send("media.open_mics"))["ok"]
    for peer in (speaker, other):
        await peer.wait_for("media.state", lambda d: d["live"] and d["open_mics"])
    both = {m.people["speaker"].participant_id, m.people["muted"].participant_id}
    await listener.wait_for("media.slots", lambda d: both <= {s["label"] for s in d["slots"]})
    assert await listener.frames_during("audio", 2) > 20
    assert (await m.moderator.send("media.close_mics"))["ok"]
    await speaker.wait_for("media.state", lambda d: not d["live"])
    await asyncio.sleep(SETTLE_S)
    assert await listener.frames_during("audio", 1.5) == 0


async def test_the_room_is_heard_and_the_moderator_sees_everyones_connection(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path]
) -> None:
    m = media_meeting
    room = await media_peers(
        m.people["moderator"].token, m.meeting_id, tone=tones[700], kind="room"
    )
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    state = await room.wait_for("media.state", lambda d: True)
    assert state["live"] is True
    await listener.wait_for("media.slots", has_label("room"))
    assert await listener.frames_during("audio", 2) > 10
    quality = await room.wait_for("media.quality", lambda d: len(d["peers"]) == 2)
    rows = {row["label"]: row for row in quality["peers"]}
    assert rows["room"]["kind"] == "room" and rows["room"]["live"] is True
    listener_row = rows[m.people["listener"].participant_id]
    assert listener_row["name"] == "孙丽华"
    assert listener_row["connection"] == "connected"
    assert listener_row["grade"] in ("good", "fair", "poor")


async def test_the_recording_goes_into_the_session_record_with_the_speeches(
    media_meeting: MediaMeeting,
    media_peers: JoinMedia,
    tones: dict[int, Path],
    data_dir: Path,
) -> None:
    m = media_meeting
    speaker_id = m.people["speaker"].participant_id
    speaker = await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
    listener = await media_peers(m.people["listener"].token, m.meeting_id)
    assert (await m.moderator.send("floor.call", {"participant_id": speaker_id}))["ok"]
    await listener.wait_for("media.slots", has_label(speaker_id))
    await asyncio.sleep(2)
    assert (await m.moderator.send("floor.end"))["ok"]
    await speaker.close()
    await listener.close()

    async def recorded() -> dict[str, Any]:
        while True:
            for event in m.moderator.events.values():
                if event["type"] == "media.recorded":
                    return event
            m.moderator.arrived.clear()
            await m.moderator.arrived.wait()

    event = await asyncio.wait_for(recorded(), 20)
    data = event["data"]
    assert data["file"].startswith(f"{m.meeting_id}/") and data["file"].endswith(".ogg")
    index_path = data_dir / "recordings" / data["file"].replace(".ogg", ".json")
    index = json.loads(index_path.read_text(encoding="utf-8"))
    assert index["duration_s"] == data["duration_s"] > 2
    [speech] = index["speeches"]
    assert speech["participant_id"] == speaker_id and speech["name"] == "吴秀兰"
    assert 0 <= speech["start_s"] < speech["end_s"] <= index["duration_s"]
    assert (data_dir / "recordings" / data["file"]).stat().st_size > 0
