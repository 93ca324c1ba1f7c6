"""The depth check runs before any parser: exact at the limit, blind to brackets in strings."""

from __future__ import annotations

import pytest

from server.limits import MAX_JSON_DEPTH, UNPAIRED, SocketJson, json_depth


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        (b"", 0),
        (b'"[[["', 0),
        (b"[]", 1),
        (b'[{"a": [1, "]]]"]}, {}]', 3),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, MAX_JSON_DEPTH),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH + 1),
        (b"[" * 100_000 + b"]" * 100_000, MAX_JSON_DEPTH + 1),
        (b"[" * 100_000, UNPAIRED),
        (b'["\\"]"', UNPAIRED),
        (b"][", UNPAIRED),
    ],
)
def test_json_depth(raw: bytes, depth: int) -> None:
    assert json_depth(raw) == depth


def test_socket_json_stands_in_for_what_it_will_not_parse() -> None:
    assert SocketJson.loads('["join", {"meeting_id": 1}]') == ["join", {"meeting_id": 1}]
    deep = '["command", ' + "[" * 5000 + "]" * 5000 + "]"
    event, data = SocketJson.loads(deep)
    assert event == "command" and isinstance(data, str)
    with pytest.raises(ValueError):
        SocketJson.loads("[" * 5000)
    with pytest.raises(ValueError):
        SocketJson.loads("probe")
