"""What the server refuses before it parses or queries: ids out of range, deeply nested JSON.

An id past `MAX_ID` would overflow the database driver; JSON deeper than any message of
ours would reach Python's recursion limit inside `json.loads` (HTTP bodies and Socket.IO).
"""

from __future__ import annotations

import json
import re
from typing import Any

import socketio
from engineio import json as engineio_json

from server.db.models import MAX_ID
from server.domain.errors import Invalid

__all__ = ["MAX_ID", "SocketJson", "check_json_depth", "query_id"]
# No body of this API nests deeper than a dozen levels; 64 leaves room and stays far from
# the interpreter's recursion limit.
MAX_JSON_DEPTH = 64

# A JSON string, or an unterminated one running to the end; each byte is looked at once.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def query_id(raw: str | None, name: str) -> int | None:
    """An id given in the query string, or None when absent; refused when out of range."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= MAX_ID:
        raise Invalid(f"查询参数 {name} 应为正整数编号，请检查后重试")
    return int(raw)


UNPAIRED = -1


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the JSON nests, counting brackets outside strings: `limit + 1` for anything
    deeper, `UNPAIRED` when its brackets do not pair (it is not JSON).

    Each round deletes every innermost `()` pair, so the rounds needed to empty the
    brackets are the nesting depth; each round is one pass in C over what is left.
    """
    brackets = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    for depth in range(limit + 2):
        if not brackets:
            return depth
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            return UNPAIRED
        brackets = shorter
    return limit + 1


def check_json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a request body nested deeper than `limit`, or whose brackets do not pair."""
    depth = json_depth(raw, limit)
    if depth == UNPAIRED:
        raise Invalid("请求体不是有效的 JSON")
    if depth > limit:
        raise Invalid(f"请求体的 JSON 嵌套超过 {limit} 层，请简化后重试")


# The event name that opens a Socket.IO event's payload: ["command", ...].
_EVENT = re.compile(r'\[\s*"([\w.-]{1,40})"')
TOO_DEEP = "（嵌套过深的数据）"


class SocketJson:
    """The JSON module Socket.IO parses packets with: deep nesting never reaches `loads`.

    A too-deep event becomes `[event, TOO_DEEP]`, so that its handler still runs and refuses
    the malformed argument in the ack, instead of the packet being dropped with a traceback.
    """

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        raw = text.encode() if isinstance(text, str) else text
        if not 0 <= json_depth(raw) <= MAX_JSON_DEPTH:
            event = _EVENT.match(text if isinstance(text, str) else text.decode(errors="replace"))
            if event is None:
                raise ValueError("JSON nested too deeply")
            return [event.group(1), TOO_DEEP]
        return engineio_json.loads(text, **kwargs)


class JsonPacket(socketio.packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet of /live or /media, which speak JSON only (CONTRACT.md).

    python-socketio looks for bytes in every list and dict of an outgoing packet so as to
    send them as attachments; for a join's snapshot that walk cost more than the rest of
    the join. Ours never carry bytes, so nothing is walked; bytes handed to a packet by
    mistake fail to encode as JSON instead of going out as an attachment.
    """

    uses_binary_events = False
