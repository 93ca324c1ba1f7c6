"""Presence heals: a crashed server's connections stop counting, on restart or by heartbeat.

Each test runs its own servers on its own database and kills them with SIGKILL, as a crash.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.settings import SettingsError, load_settings
from tests.conftest import REDIS_URL, bearer
from tests.live.conftest import LiveUser, connect_user, new_person
from tests.support import ServerProcess, own_database, prepared_env

MEETING = {
    "room_id": 1,
    "title": "东港社区老年食堂协商会",
    "topic_title": "老年食堂选址",
    "starts_at": "2026-12-22T09:00:00+08:00",
    "place": "东港社区服务中心",
    "mode": "hybrid",
    "agenda": [{"title": "食堂选址", "rounds": [{"kind": "discussion", "title": "自由讨论"}]}],
}
PEOPLE = [("陶建华", "member", "moderator"), ("卢海燕", "member", "participant")]


async def _meeting_with_people(
    url: str, demo: dict[str, Any], people: list[tuple[str, str, str]]
) -> tuple[int, list[tuple[str, str]]]:
    """A new meeting and, for each person, their participant id and login token."""
    admin = demo["accounts"]["admin"]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        login = await http.post(
            "/api/auth/login", json={"username": admin["username"], "password": admin["password"]}
        )
        token = login.json()["token"]
        http.cookies.clear()
        meeting = (await http.post("/api/meetings", json=MEETING, headers=bearer(token))).json()
        out = []
        for name, category, role in people:
            person_id, person_token = await new_person(http, token, name, category)
            added = await http.post(
                f"/api/meetings/{meeting['id']}/participants",
                json={"person_id": person_id, "role": role},
                headers=bearer(token),
            )
            assert added.status_code == 201, added.text
            out.append((str(added.json()["id"]), person_token))
    return meeting["id"], out


def _connected(ack: dict[str, Any]) -> dict[str, bool]:
    return {p["participant_id"]: p["connected"] for p in ack["snapshot"]["participants"]}


async def _wait_presence(user: LiveUser, participant_id: str, *, connected: bool) -> None:
    """Wait (bounded) for the presence update that shows the participant (dis)connected."""
    key = "connected" if connected else "disconnected"

    async def seen() -> None:
        while not any(
            (e["type"] == "presence.changed" and participant_id in e["data"][key])
            or (e["type"] == "presence.reset" and not connected)
            for e in user.events.values()
        ):
            user.arrived.clear()
            await user.arrived.wait()

    await asyncio.wait_for(seen(), 60)


async def test_after_a_crash_and_restart_nobody_is_left_connected(
    tmp_path: Path,
) -> None:
    url = await own_database(tmp_path, "presence_restart")
    env, demo = prepared_env(tmp_path, url)
    server = ServerProcess(env, log=tmp_path / "first.log")
    try:
        (
            meeting_id,
            [(moderator_pid, moderator_token), (member_pid, member_token)],
        ) = await _meeting_with_people(server.url, demo, PEOPLE)
        member = await connect_user(server.url, member_token, "卢海燕")
        assert _connected(await member.join(meeting_id))[member_pid] is True
        await _wait_presence(member, member_pid, connected=True)  # stored, then the crash
        server.kill()
        await member.client.disconnect()
    finally:
        server.stop()

    restarted = ServerProcess(env, log=tmp_path / "second.log")
    try:
        moderator = await connect_user(restarted.url, moderator_token, "陶建华")
        connected = _connected(await moderator.join(meeting_id))
        assert connected[member_pid] is False, connected
        assert connected[moderator_pid] is True  # the moderator's own, new connection
        await moderator.client.disconnect()
    finally:
        restarted.stop()


@pytest.mark.slow
async def test_a_dead_workers_connections_lapse_within_the_sweep(tmp_path: Path) -> None:
    url = await own_database(tmp_path, "presence_workers")
    env, demo = prepared_env(
        tmp_path, url, REDIS_URL, HSL_PRESENCE_HEARTBEAT_S="1", HSL_PRESENCE_TTL_S="3"
    )
    doomed = ServerProcess(env, log=tmp_path / "doomed.log")
    survivor = ServerProcess(env, log=tmp_path / "survivor.log")
    users: list[LiveUser] = []
    try:
        people = [*PEOPLE, ("严志强", "stakeholder", "participant")]
        (
            meeting_id,
            [(_, moderator_token), (lost_pid, lost_token), (kept_pid, kept_token)],
        ) = await _meeting_with_people(survivor.url, demo, people)
        moderator = await connect_user(survivor.url, moderator_token, "陶建华")
        kept = await connect_user(survivor.url, kept_token, "严志强")
        lost = await connect_user(doomed.url, lost_token, "卢海燕")
        users = [moderator, kept, lost]
        await moderator.join(meeting_id)
        await kept.join(meeting_id)
        await _wait_presence(moderator, kept_pid, connected=True)
        # The same person on both workers, then only on the doomed one.
        second_tab = await connect_user(survivor.url, lost_token, "卢海燕")
        await second_tab.join(meeting_id)
        assert _connected(await lost.join(meeting_id))[lost_pid] is True
        await _wait_presence(moderator, lost_pid, connected=True)
        await second_tab.client.disconnect()
        await asyncio.sleep(1.5)  # lets a (wrong) departure be told first (ordering only)
        assert _connected(await moderator.join(meeting_id))[lost_pid] is True

        doomed.kill()
        await _wait_presence(moderator, lost_pid, connected=False)
        connected = _connected(await moderator.join(meeting_id))
        assert connected[lost_pid] is False
        assert connected[kept_pid] is True
    finally:
        for user in users:
            if user.client.connected:
                await user.client.disconnect()
        doomed.stop()
        survivor.stop()


def test_a_worker_is_not_declared_dead_between_two_of_its_heartbeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HSL_PRESENCE_HEARTBEAT_S", "10")
    monkeypatch.setenv("HSL_PRESENCE_TTL_S", "5")
    with pytest.raises(SettingsError, match="HSL_PRESENCE_TTL_S 须大于 HSL_PRESENCE_HEARTBEAT_S"):
        load_settings()
