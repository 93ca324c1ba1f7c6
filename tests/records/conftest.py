"""A consultation with a full roster for the written-record tests, and a short live session.

Everyone has an account; the moderator, three participants and an official go live and two
of them speak, so the session record holds floor, presence and attendance events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import bearer
from tests.live.conftest import LiveUser, connect_user, new_person

# (name, category, meeting role)
ROSTER = [
    ("周建平", "member", "moderator"),
    ("林美玲", "member", "participant"),
    ("何建军", "stakeholder", "participant"),
    ("王秀英", "stakeholder", "participant"),
    ("陈立新", "official", "participant"),
    ("赵雪梅", "official", "staff"),
]


@dataclass
class Consultation:
    """A meeting of room 1 with its people: tokens and roster ids by name."""

    server: str
    meeting_id: int
    item_id: str
    round_id: str
    tokens: dict[str, str]
    ids: dict[str, int]
    live: dict[str, LiveUser] = field(default_factory=dict)

    def as_(self, name: str) -> dict[str, str]:
        return bearer(self.tokens[name])

    async def go_live(self, names: list[str]) -> None:
        for name in names:
            user = await connect_user(self.server, self.tokens[name], name)
            user.participant_id = str(self.ids[name])
            ack = await user.join(self.meeting_id)
            assert "snapshot" in ack
            # Attendance in the minutes is the check-ins, as at the door.
            assert (await user.send("attendance.check_in", {"mode": "remote"}))["ok"]
            self.live[name] = user

    async def hold_speeches(self, speakers: list[str]) -> None:
        """The moderator opens the discussion and gives the floor to each speaker in turn."""
        chair = self.live["周建平"]
        assert (await chair.send("agenda.goto", {"item_id": self.item_id}))["ok"]
        assert (await chair.send("round.start", {"round_id": self.round_id}))["ok"]
        for name in speakers:
            ack = await self.live[name].send("hand.raise", {"kind": "speech"})
            assert ack["ok"], ack
        for _ in speakers:
            ack = await chair.send("floor.next")
            assert ack["ok"], ack
        ack = await chair.send("floor.end")
        assert ack["ok"], ack

    async def close(self) -> None:
        for user in self.live.values():
            if user.client.connected:
                await user.client.disconnect()


@pytest.fixture(scope="session")
async def people(server: str, admin_token: str) -> dict[str, tuple[int, str]]:
    """The roster's accounts, made once: name → (person id, token)."""
    made = {}
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        for name, category, _role in ROSTER:
            made[name] = await new_person(http, admin_token, name, category)
    return made


@pytest.fixture
async def consultation(
    server: str, http: httpx.AsyncClient, admin_token: str, people: dict[str, tuple[int, str]]
) -> AsyncIterator[Consultation]:
    """A fresh meeting with the roster's people on it."""
    body: dict[str, Any] = {
        "room_id": 1,
        "title": "解放社区停车难协商会",
        "topic_title": "解放社区停车难",
        "starts_at": "2026-12-20T09:00:00+08:00",
        "ends_at": "2026-12-20T11:00:00+08:00",
        "place": "解放社区服务中心二楼协商议事室",
        "mode": "hybrid",
        "agenda": [
            {
                "title": "小区停车位规划与管理",
                "rounds": [{"kind": "discussion", "title": "自由讨论", "time_limit_s": 300}],
            }
        ],
    }
    made = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
    assert made.status_code == 201, made.text
    meeting = made.json()
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for name, _category, role in ROSTER:
        person_id, token = people[name]
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": person_id, "role": role},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
        tokens[name] = token
        ids[name] = added.json()["id"]
    item = meeting["agenda"][0]
    c = Consultation(
        server=server,
        meeting_id=meeting["id"],
        item_id=str(item["id"]),
        round_id=str(item["rounds"][0]["id"]),
        tokens=tokens,
        ids=ids,
    )
    yield c
    await c.close()
