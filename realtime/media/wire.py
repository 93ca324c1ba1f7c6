"""The link between a server process and a media worker: one JSON object a line over TCP.

The server sends requests `{"id", "op", ...}` and gets `{"id", "ok", ...}` back; the worker
also sends notices `{"op": "notice", ...}` unasked. The first line from the server is a
hello carrying a key derived from the server's secret, so nothing else can drive a worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

# Offers and answers are a few kilobytes; a line longer than this is refused.
LINE_LIMIT = 1_000_000


class WireError(Exception):
    """The other end sent something that is not a message, or sent the wrong key."""


def hello_key(secret: str) -> str:
    """The key a server shows a worker: an HMAC of a fixed label under the shared secret."""
    return hmac.new(secret.encode(), b"hsl-media-worker-v1", hashlib.sha256).hexdigest()


def keys_match(given: object, secret: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given, hello_key(secret))


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def read_message(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message, or None when the other end closed the link."""
    try:
        line = await reader.readline()
    except (asyncio.LimitOverrunError, ValueError) as exc:
        raise WireError("message too long") from exc
    if not line:
        return None
    try:
        message = json.loads(line)
    except json.JSONDecodeError as exc:
        raise WireError("not JSON") from exc
    if not isinstance(message, dict):
        raise WireError("not an object")
    return message
