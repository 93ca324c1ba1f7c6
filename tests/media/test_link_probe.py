"""The /live round trip of people without media, as `realtime.link_probe` times it.

A fake Socket.IO server answers each probe after a set delay (or never); the probe times
the answers on the server's own clock, keeps them per participant, never asks watchers,
asks at most `MAX_PROBES` sockets a round, and (with Redis) lets another process read them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis

from realtime import link_probe
from realtime.link_probe import LinkProbe
from tests.conftest import REDIS_URL


class FakeManager:
    def __init__(self, rooms: dict[str, dict[str, bool]]) -> None:
        self.rooms = {"/live": rooms}


class FakeSio:
    """Sockets in meeting rooms, each answering `probe` after its delay (None: never)."""

    def __init__(self, sessions: dict[str, dict[str, Any]], delays: dict[str, float | None]):
        rooms: dict[str, dict[str, bool]] = {}
        for sid, session in sessions.items():
            rooms.setdefault(f"meeting:{session['meeting_id']}", {})[sid] = True
        rooms["meeting:7:watchers"] = {"w1": True}
        # The moderator's console: only a meeting somebody looks at is probed.
        rooms["meeting:7:editors"] = {"m1": True}
        self.manager = FakeManager(rooms)
        self.sessions = sessions
        self.delays = delays
        self.asked: list[str] = []

    async def get_session(self, sid: str, namespace: str | None = None) -> dict[str, Any]:
        return self.sessions[sid]

    async def call(
        self,
        event: str,
        data: Any,
        to: str,
        namespace: str,
        timeout: float,  # noqa: ASYNC109 - socketio.AsyncServer.call's own signature
    ) -> Any:
        assert (event, namespace) == ("probe", "/live")
        self.asked.append(to)
        delay = self.delays[to]
        if delay is None or delay > timeout:
            await asyncio.sleep(timeout)
            raise TimeoutError
        await asyncio.sleep(delay)
        return True


def _people() -> dict[str, dict[str, Any]]:
    return {
        "a": {"meeting_id": 7, "participant_id": "liu"},
        "b": {"meeting_id": 7, "participant_id": "wang"},
        "c": {"meeting_id": 7, "participant_id": "zhou"},
        # Zhou's second device answers faster: the better answer is his.
        "d": {"meeting_id": 7, "participant_id": "zhou"},
        # A staff member's socket without a roster place is not asked.
        "e": {"meeting_id": 7, "participant_id": None},
    }


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_probe, "PROBE_TIMEOUT_S", 0.5)


async def test_answers_are_timed_by_the_server_and_kept_per_participant(quick: None) -> None:
    sio = FakeSio(_people(), {"a": 0.0, "b": 0.3, "c": None, "d": 0.05, "e": 0.0})
    probe = LinkProbe(sio)  # type: ignore[arg-type]
    await probe.round()
    assert sorted(sio.asked) == ["a", "b", "c", "d"]  # never the watcher, nor "e"
    found = await probe.of(7)
    assert set(found) == {"liu", "wang", "zhou"}
    assert found["liu"] is not None and found["liu"] < 200
    assert found["wang"] is not None and found["wang"] >= 300
    assert found["zhou"] is not None and found["zhou"] < 300
    assert await probe.of(8) == {}


async def test_an_unanswered_probe_is_kept_as_no_answer(quick: None) -> None:
    sio = FakeSio({"a": {"meeting_id": 7, "participant_id": "liu"}}, {"a": None})
    probe = LinkProbe(sio)  # type: ignore[arg-type]
    await probe.round()
    assert await probe.of(7) == {"liu": None}


async def test_a_round_asks_at_most_the_cap_and_the_rest_next_time(
    quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(link_probe, "MAX_PROBES", 2)
    people = {f"s{i}": {"meeting_id": 7, "participant_id": f"p{i}"} for i in range(5)}
    sio = FakeSio(people, dict.fromkeys(people, 0.0))
    probe = LinkProbe(sio)  # type: ignore[arg-type]
    await probe.round()
    assert len(sio.asked) == 2
    await probe.round()
    await probe.round()
    assert len(sio.asked) == 6
    assert set(sio.asked) == set(people)  # everyone's turn came


async def test_with_redis_another_process_reads_the_answers(quick: None) -> None:
    redis = aioredis.from_url(REDIS_URL)
    try:
        await redis.delete("hsl:link:7")
        here = LinkProbe(
            FakeSio(_people(), {"a": 0.0, "b": 0.3, "c": None, "d": None, "e": 0.0}),  # type: ignore[arg-type]
            redis,
        )
        elsewhere = LinkProbe(FakeSio({}, {}), redis)  # type: ignore[arg-type]
        await here.round()
        found = await elsewhere.of(7)
        assert set(found) == {"liu", "wang", "zhou"}
        assert found["zhou"] is None
        assert found["wang"] is not None and found["wang"] >= 300
        assert 0 < await redis.ttl("hsl:link:7") <= link_probe.FRESH_S
    finally:
        await redis.delete("hsl:link:7")
        await redis.aclose()


async def test_a_socket_that_never_answers_is_asked_only_now_and_then(quick: None) -> None:
    people = {"a": {"meeting_id": 7, "participant_id": "liu"}}
    sio = FakeSio(people, {"a": None})
    probe = LinkProbe(sio)  # type: ignore[arg-type]
    for _ in range(link_probe.BACKOFF_ROUNDS):
        await probe.round()
        assert await probe.of(7) == {"liu": None}  # still unanswered while not asked
    # Three misses, then only the BACKOFF_ROUNDS-th round asks again.
    assert len(sio.asked) == link_probe.MISSES_BEFORE_BACKOFF + 1
    sio.delays["a"] = 0.0  # it answers from now on, when next asked
    for _ in range(link_probe.BACKOFF_ROUNDS):
        await probe.round()
    found = await probe.of(7)
    assert found["liu"] is not None


async def test_a_meeting_without_a_console_is_not_probed(quick: None) -> None:
    sessions = {"x": {"meeting_id": 9, "participant_id": "li"}, **_people()}
    sio = FakeSio(sessions, {sid: 0.01 for sid in sessions})
    probe = LinkProbe(sio)  # type: ignore[arg-type]
    await probe.round()
    assert "x" not in sio.asked
    assert await probe.of(9) == {}
    assert set(await probe.of(7)) == {"liu", "wang", "zhou"}
