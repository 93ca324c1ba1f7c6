"""A lean Socket.IO client for benchmarks: the /live wire protocol over one websocket.

Engine.IO 4 and Socket.IO 5 framing only, no reconnection, no binary: it answers pings,
matches acks, and decodes only the events it was asked to watch, so that a thousand
clients in one process measure the server rather than the clients' own parsing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp

NAMESPACE = "/live"


class LeanClient:
    """One connection to /live: `call` an event with an ack, `on` an event to watch."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._watch: dict[str, Callable[[Any], None]] = {}
        self._markers: dict[str, Callable[[], None]] = {}
        self._reader: asyncio.Task[None] | None = None

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        self._watch[event] = handler

    def on_text(self, marker: str, handler: Callable[[], None]) -> None:
        """Call `handler` for every broadcast whose raw text contains `marker` (unparsed)."""
        self._markers[marker] = handler

    async def connect(self, url: str, auth: dict[str, Any]) -> None:
        ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.session.ws_connect(ws_url, heartbeat=None, max_msg_size=0)
        opened = await self.ws.receive_str()
        if not opened.startswith("0"):
            raise ConnectionError(f"no Engine.IO open packet: {opened[:80]}")
        await self.ws.send_str(f"40{NAMESPACE},{json.dumps(auth)}")
        while True:
            answer = await self.ws.receive_str()
            if answer.startswith(f"40{NAMESPACE},"):
                break
            if answer.startswith(f"44{NAMESPACE},"):
                raise ConnectionError(f"refused: {answer}")
            if answer == "2":
                await self.ws.send_str("3")
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def call(self, event: str, data: Any) -> Any:
        """Send an event and wait (two minutes at most) for its ack."""
        assert self.ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ack_id] = future
        payload = json.dumps([event, data], ensure_ascii=False)
        await self.ws.send_str(f"42{NAMESPACE},{ack_id}{payload}")
        return await asyncio.wait_for(future, 120)

    async def _read(self) -> None:
        assert self.ws is not None
        ack_prefix = f"43{NAMESPACE},"
        event_prefix = f"42{NAMESPACE},"
        watched = {f'{event_prefix}["{name}",': name for name in self._watch}
        try:
            await self._dispatch(ack_prefix, event_prefix, watched)
        finally:
            # The connection is gone: whoever waits for an ack learns it now.
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("the /live connection closed"))

    async def _dispatch(self, ack_prefix: str, event_prefix: str, watched: dict[str, str]) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = message.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith(ack_prefix):
                body = text[len(ack_prefix) :]
                split = body.index("[")
                future = self._waiting.pop(int(body[:split]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(body[split:])[0])
            elif text.startswith(event_prefix):
                # Everything else the meeting broadcasts is skipped unread.
                for marker, seen in self._markers.items():
                    if marker in text:
                        seen()
                for prefix, name in watched.items():
                    if text.startswith(prefix):
                        self._watch[name](json.loads(text[len(event_prefix) :])[1])
                        break

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
