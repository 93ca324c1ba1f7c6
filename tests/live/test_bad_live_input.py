"""Every /live and /media call is answered, however malformed: a refusal in the ack, never silence.

Booleans are not meeting ids, and ids past the database's range are refused, not crashed on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
import websockets

from tests.conftest import live_client

CODES = {"invalid", "forbidden", "not_found", "conflict", "rate_limited"}


class _Nothing:
    def __repr__(self) -> str:
        return "no-argument"


NOTHING = _Nothing()  # the call carries no argument at all


async def call(
    client: socketio.AsyncClient, event: str, data: Any, namespace: str = "/live"
) -> dict[str, Any]:
    """What the server acks for this call (a missing ack fails the test after 10 s)."""
    args = () if data is NOTHING else (data,)
    if args:
        ack: dict[str, Any] = await client.call(event, args[0], namespace=namespace, timeout=10)
    else:
        ack = await client.call(event, namespace=namespace, timeout=10)
    return ack


def assert_refusal(ack: Any, *codes: str) -> str:
    assert isinstance(ack, dict) and ack.get("ok") is False, ack
    assert set(ack) == {"ok", "error"}, ack
    assert {"code", "message"} <= set(ack["error"]) <= {"code", "message", "details"}, ack
    code: str = ack["error"]["code"]
    assert code in (codes or CODES), ack
    assert ack["error"]["message"]
    return code


@pytest.fixture
async def moderator(server: str, moderator_token: str) -> AsyncIterator[socketio.AsyncClient]:
    client = await live_client(server, {"token": moderator_token})
    yield client
    await client.disconnect()


BAD_JOINS = [
    NOTHING,
    None,
    "1",
    17,
    [1],
    {},
    {"meeting_id": True},
    {"meeting_id": False},
    {"meeting_id": None},
    {"meeting_id": 1.5},
    {"meeting_id": [1]},
    {"meeting_id": 2**31},
    {"meeting_id": 2**63},
    {"meeting_id": 10**30},
    {"meeting_id": -1},
    {"meeting_id": 0},
    {"meeting_id": "9" * 30},
    {"meeting_id": "9" * 5000},
    {"meeting_id": "一"},
]


@pytest.mark.parametrize("data", BAD_JOINS, ids=repr)
async def test_a_malformed_join_is_refused_in_the_ack(
    moderator: socketio.AsyncClient, data: Any
) -> None:
    assert_refusal(await call(moderator, "join", data), "invalid", "not_found")


async def test_true_is_not_meeting_one(
    moderator: socketio.AsyncClient, demo: dict[str, Any]
) -> None:
    assert demo["meeting_id"] == 1  # the demo meeting is the one `true` was taken for
    assert_refusal(await call(moderator, "join", {"meeting_id": True}), "invalid")


@pytest.mark.parametrize("since", [True, -1, 2**31, 2**63, 10**30, "5"])
async def test_a_join_with_a_bad_since_seq_is_answered(
    moderator: socketio.AsyncClient, demo: dict[str, Any], since: Any
) -> None:
    ack = await call(moderator, "join", {"meeting_id": demo["meeting_id"], "since_seq": since})
    assert_refusal(ack, "invalid")


BAD_COMMANDS = [
    NOTHING,
    None,
    "hand.raise",
    42,
    True,
    [{"id": "a", "type": "hand.raise"}],
    {},
    {"id": "c1"},
    {"id": "c2", "type": "hand.raise", "data": "speech"},
    {"id": "c3", "type": "hand.raise", "data": [1, 2]},
    {"id": "c4", "type": "hand.raise", "data": {"kind": "speech"}, "extra": 1},
    {"id": True, "type": "hand.raise", "data": {}},
    {"id": "c5", "type": "no.such.command", "data": {}},
    {"id": "c6", "type": "floor.grant", "data": {"entry_id": 2**63}},
    {"id": "c7", "type": "vote.cast", "data": {"poll_id": True, "choice": 10**30}},
    {"id": "c8", "type": "suggestion.submit", "data": {"text": ["不是文本"]}},
    {"id": "c9", "type": "hand.raise", "data": {"kind": "长" * 100_000}},
    {"id": "c10", "type": "poll.open", "data": {"question": {"a": [[[[[[[[[[1]]]]]]]]]]}}},
]


@pytest.mark.parametrize("data", BAD_COMMANDS, ids=lambda d: repr(d)[:40])
async def test_a_malformed_command_is_refused_in_the_ack(
    moderator: socketio.AsyncClient, demo: dict[str, Any], data: Any
) -> None:
    # Before joining: refused as well, whatever the shape.
    assert_refusal(await call(moderator, "command", data))
    ack = await call(moderator, "join", {"meeting_id": demo["meeting_id"]})
    assert ack["ok"], ack
    assert_refusal(await call(moderator, "command", data))
    # And the connection still works.
    assert (await call(moderator, "join", {"meeting_id": demo["meeting_id"]}))["ok"]


async def test_data_nested_too_deep_to_parse_is_refused_in_the_ack(
    server: str, moderator_token: str
) -> None:
    """Sent raw (a Python client cannot even encode it): Socket.IO over a plain websocket."""
    url = server.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, max_size=None) as ws:
        assert str(await ws.recv()).startswith("0")
        await ws.send("40/live," + json.dumps({"token": moderator_token}))
        assert str(await ws.recv()).startswith("40/live,")
        for n, depth in enumerate([3_000, 100_000], start=1):
            deep = '{"a":' * depth + "1" + "}" * depth
            await ws.send(
                f'42/live,{n}["command",{{"id":"d{n}","type":"hand.raise","data":{deep}}}]'
            )
            await ws.send(f'42/live,{n + 10}["join",{deep}]')
            acks = {}
            while len(acks) < 2:
                message = str(await asyncio.wait_for(ws.recv(), 10))
                if message == "2":  # the server's ping
                    await ws.send("3")
                    continue
                assert message.startswith("43/live,"), message[:100]
                number, _, payload = message[len("43/live,") :].partition("[")
                acks[int(number)] = json.loads("[" + payload)[0]
            assert_refusal(acks[n], "invalid", "conflict")  # a command before join: conflict
            assert_refusal(acks[n + 10], "invalid")


@pytest.fixture
async def media(server: str, moderator_token: str) -> AsyncIterator[socketio.AsyncClient]:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        server,
        namespaces=["/media"],
        auth={"token": moderator_token},
        transports=["websocket"],
        wait_timeout=10,
    )
    yield client
    await client.disconnect()


@pytest.mark.parametrize("data", BAD_JOINS, ids=repr)
async def test_a_malformed_media_join_is_refused_in_the_ack(
    media: socketio.AsyncClient, data: Any
) -> None:
    assert_refusal(await call(media, "join", data, "/media"), "invalid", "not_found")


@pytest.mark.parametrize("data", [NOTHING, None, "v=0", {"type": "offer"}, {"sdp": 5}])
async def test_a_malformed_media_offer_is_refused_in_the_ack(
    media: socketio.AsyncClient, data: Any
) -> None:
    assert_refusal(await call(media, "offer", data, "/media"), "invalid", "conflict")


async def test_media_leave_and_report_without_an_argument_are_answered(
    media: socketio.AsyncClient,
) -> None:
    assert (await call(media, "leave", NOTHING, "/media"))["ok"]
    await media.emit("report", namespace="/media")  # no ack asked; must not break the socket
    assert (await call(media, "leave", None, "/media"))["ok"]
