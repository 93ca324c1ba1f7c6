"""Every participant's connection on the moderator's console, decided by the server and sent
at a bounded rate, whether or not the moderator has joined the media.

The grading and the feed's pacing are tested on their own (a fake Socket.IO server that
records what it is asked to send); then the real thing: a moderator connected to /live
only sees the speaker's media connection graded and the others as without media or
offline.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from realtime.media.quality import participant_quality
from realtime.meeting import SYSTEM, Command, MeetingState, decide, evolve
from realtime.quality_feed import QualityFeed
from tests.live.conftest import connect_user
from tests.media.conftest import JoinMedia, MediaMeeting
from tests.media.test_media_rules import NOW, meeting


def _connected(state: MeetingState, *people: str) -> MeetingState:
    command = Command("presence.update", {"connected": list(people)})
    for event in decide(state, command, SYSTEM, NOW):
        state = evolve(state, event)
    return state


def _row(label: str, grade: str, **figures: Any) -> dict[str, Any]:
    return {
        "label": label,
        "grade": grade,
        "rtt_ms": figures.get("rtt_ms"),
        "uplink_loss_pct": figures.get("up"),
        "downlink_loss_pct": figures.get("down"),
    }


def test_each_participant_is_graded_from_the_workers_rows_or_said_to_have_no_media() -> None:
    state = _connected(meeting(), "liu", "wang")
    rows = [
        _row("wang", "good", rtt_ms=40, up=0.0, down=0.5),
        _row("room", "fair", rtt_ms=350),
        # Wang's second device, joined later, is the one judged.
        _row("wang", "poor", rtt_ms=900, up=12.0, down=None),
    ]
    table = {p["participant_id"]: p for p in participant_quality(state, rows)}
    assert table["wang"] == {
        "participant_id": "wang",
        "grade": "poor",
        "rtt_ms": 900,
        "loss_pct": 12.0,
        "via": "media",
    }
    assert table["liu"]["grade"] == "no_media"  # connected to the meeting, not to its media
    assert table["zhou"]["grade"] == "offline"
    assert table["room"]["grade"] == "fair"
    assert [p["participant_id"] for p in participant_quality(state, rows)] == [
        "liu",
        "wang",
        "zhou",
        "room",
    ]
    assert "room" not in {p["participant_id"] for p in participant_quality(state, [])}


def test_people_without_media_are_graded_from_their_live_round_trip() -> None:
    state = _connected(meeting(), "liu", "wang")
    rows = [_row("wang", "good", rtt_ms=40, up=0.0, down=0.0)]
    link = {"liu": 850.0, "wang": 2000.0, "zhou": 20.0}
    table = {p["participant_id"]: p for p in participant_quality(state, rows, link)}
    # No media, a slow answer: graded from the round trip alone.
    assert table["liu"] == {
        "participant_id": "liu",
        "grade": "poor",
        "rtt_ms": 850,
        "loss_pct": None,
        "via": "live",
    }
    assert table["wang"]["via"] == "media"  # the media worker's figures come first
    assert table["wang"]["grade"] == "good"
    assert table["zhou"]["grade"] == "offline"  # an old answer does not make them online
    fast = {p["participant_id"]: p for p in participant_quality(state, [], {"liu": 120.0})}
    assert (fast["liu"]["grade"], fast["liu"]["via"]) == ("good", "live")
    assert fast["wang"]["grade"] == "no_media"  # not answered yet
    middling = participant_quality(state, [], {"liu": 450.0})[0]
    assert middling["grade"] == "fair"
    unanswered = participant_quality(state, [], {"liu": None})[0]
    assert (unanswered["grade"], unanswered["rtt_ms"]) == ("poor", None)


class FakeManager:
    def __init__(self) -> None:
        self.rooms: dict[str, dict[Any, dict[str, str]]] = {"/live": {}}


class FakeSio:
    def __init__(self) -> None:
        self.manager = FakeManager()
        self.sent: list[tuple[str, dict[str, Any], str | None, str | None]] = []

    async def emit(
        self,
        event: str,
        data: dict[str, Any],
        to: str | None = None,
        room: str | None = None,
        namespace: str | None = None,
        ignore_queue: bool = False,
    ) -> None:
        assert ignore_queue  # each process serves its own sockets only
        self.sent.append((event, data, to, room))


class FakeEngine:
    def __init__(self, state: MeetingState) -> None:
        self.state = state

    async def view(self, meeting_id: int) -> tuple[MeetingState, int]:
        return self.state, 1


class FakeMedia:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.listening = 0

    def quality_of(self, meeting_id: int) -> tuple[list[dict[str, Any]], int]:
        return self.rows, self.listening


async def test_the_feed_sends_a_meeting_at_most_once_a_tick_and_only_when_a_grade_moves() -> None:
    sio, media = FakeSio(), FakeMedia()
    engine = FakeEngine(_connected(meeting(), "liu"))
    feed = QualityFeed(sio, engine, media)  # type: ignore[arg-type]
    editors = sio.manager.rooms["/live"]
    editors["meeting:42"] = {"p1": "e1"}  # a participants' room: not the editors'
    editors["meeting:42:editors"] = {"m1": "e2"}

    await feed.tick()
    assert [(e, to, room) for e, _, to, room in sio.sent] == [
        ("quality", None, "meeting:42:editors")
    ]
    first = sio.sent[0][1]
    assert {p["participant_id"]: p["grade"] for p in first["participants"]} == {
        "liu": "no_media",
        "wang": "offline",
        "zhou": "offline",
    }

    # A storm between two ticks (figures moving, the same grades): nothing more is sent.
    for rtt in range(50):
        media.rows = [_row("wang", "good", rtt_ms=rtt)]
    engine.state = _connected(engine.state, "wang")
    await feed.tick()
    assert len(sio.sent) == 2  # wang went from offline to good: one message
    for rtt in range(50, 100):
        media.rows = [_row("wang", "good", rtt_ms=rtt)]
        await feed.tick()
    assert len(sio.sent) == 2  # same grades: the figures wait for the refresh

    # A moderator who joins between ticks gets the table at the next one, on their own.
    editors["meeting:42:editors"] = {"m1": "e2", "m2": "e3"}
    await feed.tick()
    assert sio.sent[-1][2:] == ("m2", None) and len(sio.sent) == 3

    # Many grade changes between two ticks still make one message at the tick.
    for grade in ("poor", "fair", "good", "poor"):
        media.rows = [_row("wang", grade)]
    media.listening = 3
    await feed.tick()
    assert len(sio.sent) == 4
    assert sio.sent[-1][1]["listening"] == 3  # counted, never listed

    # No editors left: the meeting is forgotten, nothing is sent.
    editors.pop("meeting:42:editors")
    await feed.tick()
    assert len(sio.sent) == 4


async def test_a_moderator_without_media_sees_everyones_connection(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path], server: str
) -> None:
    m = media_meeting
    speaker_id = m.people["speaker"].participant_id
    moderator_id = m.people["moderator"].participant_id
    listener_id = m.people["listener"].participant_id
    console = await connect_user(server, m.people["moderator"].token, "周文斌")
    tables: list[dict[str, Any]] = []
    arrived = asyncio.Event()

    def remember(data: dict[str, Any]) -> None:
        tables.append(data)
        arrived.set()

    console.client.on("quality", remember, namespace="/live")
    listener = await connect_user(server, m.people["listener"].token, "孙丽华")
    try:
        await console.join(m.meeting_id)
        await listener.join(m.meeting_id)
        await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])

        async def graded() -> dict[str, str]:
            while True:
                if tables:
                    grades = {p["participant_id"]: p["grade"] for p in tables[-1]["participants"]}
                    vias = {p["participant_id"]: p["via"] for p in tables[-1]["participants"]}
                    if (
                        grades.get(speaker_id) in ("good", "fair", "poor")
                        and vias.get(listener_id) != "media"
                    ):
                        return grades
                arrived.clear()
                await arrived.wait()

        grades = await asyncio.wait_for(graded(), 20)
        rows = {p["participant_id"]: p for p in tables[-1]["participants"]}
        # The moderator joined no media: not yet probed, or graded from /live alone.
        assert rows[moderator_id]["via"] != "media"
        assert rows[speaker_id]["via"] == "media"
        assert grades[m.people["muted"].participant_id] == "offline"
        assert tables[-1]["meeting_id"] == m.meeting_id
    finally:
        await listener.client.disconnect()
        await console.client.disconnect()


async def test_a_participant_never_gets_the_quality_table(
    media_meeting: MediaMeeting, media_peers: JoinMedia, tones: dict[int, Path], server: str
) -> None:
    m = media_meeting
    member = await connect_user(server, m.people["listener"].token, "孙丽华")
    seen: list[Any] = []
    member.client.on("quality", seen.append, namespace="/live")
    console = await connect_user(server, m.people["moderator"].token, "周文斌")
    got = asyncio.Event()
    console.client.on("quality", lambda data: got.set(), namespace="/live")
    try:
        await member.join(m.meeting_id)
        await console.join(m.meeting_id)
        await media_peers(m.people["speaker"].token, m.meeting_id, tone=tones[440])
        await asyncio.wait_for(got.wait(), 20)  # the feed has run with both connected
        await asyncio.sleep(0.5)
        assert seen == []
    finally:
        await member.client.disconnect()
        await console.client.disconnect()


async def test_a_member_on_a_slow_link_without_media_is_graded_from_the_live_round_trip(
    media_meeting: MediaMeeting, server: str
) -> None:
    """The server times its own probe: one member answers at once, one a second late."""
    m = media_meeting
    quick_id = m.people["listener"].participant_id
    slow_id = m.people["muted"].participant_id
    console = await connect_user(server, m.people["moderator"].token, "周文斌")
    quick = await connect_user(server, m.people["listener"].token, "孙丽华")
    slow = await connect_user(server, m.people["muted"].token, "郑国强")
    tables: list[dict[str, Any]] = []
    arrived = asyncio.Event()

    def remember(data: dict[str, Any]) -> None:
        tables.append(data)
        arrived.set()

    async def answer_late(_data: Any = None) -> bool:
        await asyncio.sleep(1.0)
        return True

    console.client.on("quality", remember, namespace="/live")
    quick.client.on("probe", lambda _data=None: True, namespace="/live")
    slow.client.on("probe", answer_late, namespace="/live")
    try:
        await console.join(m.meeting_id)
        await quick.join(m.meeting_id)
        await slow.join(m.meeting_id)

        async def graded() -> dict[str, dict[str, Any]]:
            while True:
                if tables:
                    rows = {p["participant_id"]: p for p in tables[-1]["participants"]}
                    if rows[quick_id]["via"] == "live" and rows[slow_id]["via"] == "live":
                        return rows
                arrived.clear()
                await arrived.wait()

        rows = await asyncio.wait_for(graded(), 30)
        assert rows[quick_id]["grade"] in ("good", "fair"), rows[quick_id]
        assert rows[slow_id]["grade"] == "poor", rows[slow_id]
        assert rows[slow_id]["rtt_ms"] >= 1000
        assert rows[quick_id]["rtt_ms"] < rows[slow_id]["rtt_ms"]
    finally:
        for user in (slow, quick, console):
            await user.client.disconnect()
