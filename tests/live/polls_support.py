"""Helpers for the poll tests: a meeting with voters who keep every tally they are sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import bearer
from tests.live.conftest import LiveUser, connect_user, new_person


@dataclass(eq=False)
class Voter:
    """A live client that also keeps the `tally` messages it receives, per poll."""

    user: LiveUser
    tallies: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.user.client.on("tally", self.record, namespace="/live")

    def record(self, tally: dict[str, Any]) -> None:
        self.tallies.append(tally)
        self.arrived.set()

    @property
    def participant_id(self) -> str:
        assert self.user.participant_id is not None
        return self.user.participant_id

    async def vote(self, poll_id: str, choice: Any, *, id_: str | None = None) -> dict[str, Any]:
        return await self.user.send("vote.cast", {"poll_id": poll_id, "choice": choice}, id_=id_)

    async def wait_tally(
        self, poll_id: str, check: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """The newest tally of the poll (highest version) once it passes `check` (10 s at most)."""

        async def newest() -> dict[str, Any]:
            while True:
                mine = [t for t in self.tallies if t["poll_id"] == poll_id]
                if mine:
                    best = max(mine, key=lambda t: t["version"])
                    if check(best):
                        return best
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(newest(), 10)


@dataclass
class PollMeeting:
    meeting_id: int
    item_id: str
    moderator: Voter
    voters: list[Voter]  # moderator first, then the participants
    staff: LiveUser | None = None

    def by_name(self, name: str) -> Voter:
        return next(v for v in self.voters if v.user.name == name)


PEOPLE = [
    ("高志远", "member", "moderator"),
    ("林美玲", "member", "participant"),
    ("何建军", "stakeholder", "participant"),
    ("吴秀兰", "member", "participant"),
    ("郑国华", "official", "participant"),
]


@dataclass(frozen=True)
class Person:
    name: str
    category: str
    role: str
    person_id: int
    token: str


async def make_people(
    server: str, admin_token: str, people: list[tuple[str, str, str]] = PEOPLE
) -> list[Person]:
    """People with accounts and login tokens (made once per module: hashing is slow)."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        made = []
        for name, category, role in people:
            person_id, token = await new_person(http, admin_token, name, category)
            made.append(Person(name, category, role, person_id, token))
        return made


async def poll_meeting(
    server: str,
    admin_token: str,
    people: list[Person],
    title: str = "东湖社区加装电梯协商会",
) -> PollMeeting:
    """A new meeting with these people on the roster, each connected and joined."""
    body = {
        "room_id": 1,
        "title": title,
        "topic_title": "老旧小区加装电梯",
        "starts_at": "2026-12-22T09:00:00+08:00",
        "place": "东湖社区议事厅",
        "mode": "hybrid",
        "agenda": [
            {
                "title": "电梯加装方案表决",
                "rounds": [{"kind": "vote", "title": "表决", "time_limit_s": 300}],
            }
        ],
    }
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
        assert r.status_code == 201, r.text
        meeting = r.json()
        voters = []
        for person in people:
            added = await http.post(
                f"/api/meetings/{meeting['id']}/participants",
                json={"person_id": person.person_id, "role": person.role},
                headers=bearer(admin_token),
            )
            assert added.status_code == 201, added.text
            user = await connect_user(server, person.token, person.name)
            user.participant_id = str(added.json()["id"])
            await user.join(meeting["id"])
            voters.append(Voter(user))
    item_id = str(meeting["agenda"][0]["id"])
    return PollMeeting(meeting["id"], item_id, voters[0], voters)


async def open_poll(moderator: LiveUser, **data: Any) -> dict[str, Any]:
    """Open a poll and return its `poll.opened` event data, as every client sees it."""
    ack = await moderator.send("poll.open", data)
    assert ack["ok"], ack
    await moderator.wait_for_seq(ack["seq"])
    event = moderator.events[ack["seq"]]
    assert event["type"] == "poll.opened"
    opened: dict[str, Any] = event["data"]
    return opened


async def close_poll(moderator: LiveUser, poll_id: str) -> dict[str, Any]:
    ack = await moderator.send("poll.close", {"poll_id": poll_id})
    assert ack["ok"], ack
    await moderator.wait_for_seq(ack["seq"])
    event = moderator.events[ack["seq"]]
    assert event["type"] == "poll.closed"
    closed: dict[str, Any] = event["data"]
    return closed


async def disconnect_all(meeting: PollMeeting) -> None:
    for voter in meeting.voters:
        if voter.user.client.connected:
            await voter.user.client.disconnect()
    if meeting.staff is not None and meeting.staff.client.connected:
        await meeting.staff.client.disconnect()


async def events_of(user: LiveUser, type_: str) -> list[dict[str, Any]]:
    """Every event of this type the user has seen so far, in seq order."""
    return [user.events[s] for s in sorted(user.events) if user.events[s]["type"] == type_]


async def wait_event(user: LiveUser, type_: str, count: int = 1) -> dict[str, Any]:
    """The `count`-th event of this type the user sees (10 s at most)."""

    async def seen() -> dict[str, Any]:
        while True:
            found = await events_of(user, type_)
            if len(found) >= count:
                return found[count - 1]
            user.arrived.clear()
            await user.arrived.wait()

    return await asyncio.wait_for(seen(), 10)
