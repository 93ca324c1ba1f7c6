"""A property-based fuzzer of /live commands: whatever a client sends, the server answers.

The demo moderator and a member, on a meeting of their own, send Hypothesis-made commands:
every type in the machine's registry (and made-up ones) with data of wrong types, huge
strings, nesting, booleans, huge and negative numbers, unknown keys. Each call gets an ack
of the contract's shape in time, and a `join` after it still answers. The budget is
HSL_FUZZ_EXAMPLES (x15 commands; 3 in `make test`, more in `make fuzz`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.meeting import MACHINE
from tests.conftest import bearer, live_client

COMMANDS = int(os.environ.get("HSL_FUZZ_EXAMPLES", "3")) * 15
CODES = {"invalid", "forbidden", "not_found", "conflict", "rate_limited"}
TYPES = sorted(MACHINE.commands)
FIELDS = sorted(
    {
        name
        for handler in MACHINE.commands.values()
        for part in ("required", "optional")
        for name in getattr(handler.schema, part, {})
    }
)
# Values that are right somewhere, so that some commands get past their schema.
PLAUSIBLE = ["1", "2", "3", "e1", "p1", "o1", "o2", "speech", "point_of_order", "question",
             "in_room", "remote", "single", "yes_no_abstain", "text", "赞成"]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities too: python-socketio's JSON carries them
    | st.text(max_size=30)
    | st.sampled_from(PLAUSIBLE)
    | st.sampled_from(["长" * 6000, "x" * 20_000, "\x00\x1b[31m", "<script>alert(1)</script>"])
)
keys = st.sampled_from(FIELDS) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
data = st.dictionaries(keys, values, max_size=5) | values
envelopes = (
    st.fixed_dictionaries(
        {
            "id": st.uuids().map(str) | values,
            "type": st.sampled_from(TYPES) | values,
            "data": data,
        },
        optional={"extra": values},
    )
    | st.fixed_dictionaries({"id": st.uuids().map(str), "type": st.sampled_from(TYPES)})
    | values
)


@dataclass
class FuzzRoom:
    """A meeting of the demo moderator and a member, both connected to /live."""

    server: str
    admin_token: str
    clients: dict[str, socketio.AsyncClient]
    roster: tuple[tuple[str, str], ...]  # (username, meeting role)
    meeting_id: int = 0

    async def open_meeting(self) -> None:
        """A new meeting (the fuzzer may close the old one), joined by both."""
        body = {
            "room_id": 1,
            "title": "随机指令检验协商会",
            "topic_title": "小区停车",
            "starts_at": "2026-12-21T09:00:00+08:00",
            "place": "五星街道党群服务中心",
            "mode": "hybrid",
            "agenda": [
                {"title": "停车位规划", "rounds": [{"kind": "discussion", "title": "讨论"}]},
                {"title": "表决", "rounds": [{"kind": "vote", "title": "表决"}]},
            ],
        }
        async with httpx.AsyncClient(base_url=self.server, timeout=30) as http:
            headers = bearer(self.admin_token)
            r = await http.post("/api/meetings", json=body, headers=headers)
            assert r.status_code == 201, r.text
            self.meeting_id = r.json()["id"]
            people = (await http.get("/api/people", headers=headers)).json()["items"]
            ids = {p["username"]: p["id"] for p in people}
            for username, role in self.roster:
                added = await http.post(
                    f"/api/meetings/{self.meeting_id}/participants",
                    json={"person_id": ids[username], "role": role},
                    headers=headers,
                )
                assert added.status_code == 201, added.text
        for client in self.clients.values():
            ack = await join(client, self.meeting_id)
            assert ack["ok"], ack


async def join(client: socketio.AsyncClient, meeting_id: int) -> dict[str, Any]:
    ack: dict[str, Any] = await asyncio.wait_for(
        client.call("join", {"meeting_id": meeting_id}, namespace="/live", timeout=10), 15
    )
    return ack


@pytest.fixture(scope="module")
async def room(
    server: str, demo: dict[str, Any], admin_token: str, moderator_token: str, member_token: str
) -> AsyncIterator[FuzzRoom]:
    accounts = demo["accounts"]
    clients = {
        "moderator": await live_client(server, {"token": moderator_token}),
        "member": await live_client(server, {"token": member_token}),
    }
    roster = (
        (accounts["moderator"]["username"], "moderator"),
        (accounts["members"][0]["username"], "participant"),
    )
    fuzz = FuzzRoom(server, admin_token, clients, roster)
    await fuzz.open_meeting()
    yield fuzz
    for client in clients.values():
        await client.disconnect()


def assert_contract_ack(ack: Any) -> None:
    assert isinstance(ack, dict), ack
    if ack.get("ok") is True:
        assert isinstance(ack.get("seq"), int) and not isinstance(ack["seq"], bool), ack
        return
    assert ack.get("ok") is False and set(ack) == {"ok", "error"}, ack
    # `details` (the command, role and phase, for the moderator) comes with the machine's refusals.
    assert {"code", "message"} <= set(ack["error"]) <= {"code", "message", "details"}, ack
    assert isinstance(ack["error"].get("details", ""), str), ack
    assert ack["error"]["code"] in CODES, ack
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack


@settings(
    max_examples=COMMANDS,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(who=st.sampled_from(["moderator", "member"]), envelope=envelopes)
async def test_every_command_gets_an_answer_of_the_contract(
    room: FuzzRoom, who: str, envelope: Any
) -> None:
    client = room.clients[who]
    assert client.connected, "the server dropped the connection"
    ack = await asyncio.wait_for(
        client.call("command", envelope, namespace="/live", timeout=10), 15
    )
    assert_contract_ack(ack)
    joined = await join(client, room.meeting_id)
    assert joined["ok"], joined
    if _closed(joined):  # a fuzzed meeting.close: go on in a new meeting
        await room.open_meeting()


def _closed(ack: dict[str, Any]) -> bool:
    snapshot = ack.get("snapshot")
    return isinstance(snapshot, dict) and snapshot.get("phase") == "closed"


async def test_the_server_still_serves_after_the_fuzzing(room: FuzzRoom, server: str) -> None:
    for client in room.clients.values():
        assert (await join(client, room.meeting_id))["ok"]
    command = {"id": uuid.uuid4().hex, "type": "hand.raise", "data": {"kind": "speech"}}
    ack = await room.clients["member"].call("command", command, namespace="/live", timeout=10)
    assert_contract_ack(ack)
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        assert (await http.get("/healthz")).status_code == 200
