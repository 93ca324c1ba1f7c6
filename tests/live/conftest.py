"""Fixtures for live meetings: a fresh meeting per test and clients that keep an event log."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import bearer, live_client, login_token

_names = itertools.count(1)


@dataclass
class LiveUser:
    """A person's live client: what it was acked and every event it has seen, by seq."""

    name: str
    client: socketio.AsyncClient
    participant_id: str | None = None
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    join_ack: dict[str, Any] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, event: dict[str, Any]) -> None:
        self.events[event["seq"]] = event
        self.arrived.set()

    async def join(self, meeting_id: int, since_seq: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"meeting_id": meeting_id}
        if since_seq is not None:
            payload["since_seq"] = since_seq
        ack: dict[str, Any] = await self.client.call("join", payload, namespace="/live", timeout=20)
        assert ack["ok"], ack
        for event in ack.get("events", []):
            self.events[event["seq"]] = event
        self.join_ack = ack
        return ack

    async def send(
        self, type_: str, data: dict[str, Any] | None = None, *, id_: str | None = None
    ) -> dict[str, Any]:
        command = {"id": id_ or uuid.uuid4().hex, "type": type_, "data": data or {}}
        ack: dict[str, Any] = await self.client.call(
            "command", command, namespace="/live", timeout=20
        )
        return ack

    async def wait_for_seq(self, seq: int) -> None:
        """Wait (at most 10 s) until the event with this seq has arrived."""

        async def seen() -> None:
            while seq not in self.events:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(seen(), 10)

    @property
    def last_seq(self) -> int:
        return max(self.events, default=0)


async def connect_user(server: str, token: str, name: str) -> LiveUser:
    client = await live_client(server, {"token": token})
    user = LiveUser(name=name, client=client)
    client.on("event", user.record, namespace="/live")
    return user


@dataclass
class LiveMeetingFixture:
    meeting_id: int
    item_id: str
    round_ids: list[str]
    moderator: LiveUser
    members: list[LiveUser]


async def new_person(
    http: httpx.AsyncClient, admin_token: str, name: str, category: str
) -> tuple[int, str]:
    username = f"live{next(_names)}_{uuid.uuid4().hex[:6]}"
    password = "live-pass-2026"
    r = await http.post(
        "/api/people",
        json={"username": username, "name": name, "category": category, "password": password},
        headers=bearer(admin_token),
    )
    assert r.status_code == 201, r.text
    token = await login_token(str(http.base_url), {"username": username, "password": password})
    return r.json()["id"], token


@pytest.fixture
async def live_meeting(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> AsyncIterator[LiveMeetingFixture]:
    body = {
        "room_id": 1,
        "title": "解放社区停车难协商会",
        "topic_title": "小区停车难",
        "starts_at": "2026-12-20T09:00:00+08:00",
        "place": "解放社区服务中心",
        "mode": "hybrid",
        "agenda": [
            {
                "title": "小区停车位规划",
                "rounds": [
                    {"kind": "briefing", "title": "情况通报", "time_limit_s": 300},
                    {"kind": "discussion", "title": "自由讨论", "time_limit_s": 120},
                ],
            }
        ],
    }
    meeting = (await http.post("/api/meetings", json=body, headers=bearer(admin_token))).json()
    people = [
        ("高志远", "member", "moderator"),
        ("林美玲", "member", "participant"),
        ("何建军", "stakeholder", "participant"),
    ]
    users = []
    for name, category, role in people:
        person_id, token = await new_person(http, admin_token, name, category)
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": person_id, "role": role},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
        user = await connect_user(server, token, name)
        user.participant_id = str(added.json()["id"])
        users.append(user)
    fixture = LiveMeetingFixture(
        meeting_id=meeting["id"],
        item_id=str(meeting["agenda"][0]["id"]),
        round_ids=[str(r["id"]) for r in meeting["agenda"][0]["rounds"]],
        moderator=users[0],
        members=users[1:],
    )
    yield fixture
    for user in users:
        if user.client.connected:
            await user.client.disconnect()
