"""The media worker process: aiortc peer connections for the meetings pinned to it, driven
by the server processes over a local TCP link (`realtime.media.wire`).

Run as `python -m realtime.media.worker --port N` (the server starts its own when
HSL_MEDIA_ADDRESSES is empty). Codec and SRTP work happens here, never on a server
process's event loop; a meeting's media lives on exactly one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aioice.ice

from realtime.acks import error
from realtime.media import wire
from realtime.media.forward import install_forwarding_codecs
from realtime.media.peer import OfferRefused, Peer, PeerInfo, answer, new_peer
from realtime.media.recorder import Recording, sweep_recordings
from realtime.media.room import MeetingMedia
from server.settings import Settings, SettingsError, load_settings

log = logging.getLogger("hsl.media")

SWEEP_EVERY_S = 6 * 3600


class Link:
    """One server process's connection to this worker."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.open = True

    def send(self, message: dict[str, Any]) -> None:
        if self.open and not self.writer.is_closing():
            self.writer.write(wire.encode(message))


class MediaHub:
    """Every meeting and peer on this worker, and the requests that drive them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.recordings = settings.recordings_dir if settings.media_recording else None
        self.meetings: dict[int, MeetingMedia] = {}
        self.peers: dict[str, tuple[Peer, Link]] = {}
        self.links: list[Link] = []

    # --- notices -------------------------------------------------------------------------

    def _tell_peer(self, peer: Peer, event: str, data: dict[str, Any]) -> None:
        entry = self.peers.get(peer.peer_id)
        if entry is not None:
            entry[1].send({"op": "notice", "to": peer.peer_id, "event": event, "data": data})

    def _tell_meeting(self, meeting_id: int, event: str, data: dict[str, Any]) -> None:
        # One server process is enough: it emits to the meeting's Socket.IO room, which
        # reaches every process's sockets when they share Redis.
        meeting = self.meetings.get(meeting_id)
        for peer in [] if meeting is None else meeting.peers.values():
            entry = self.peers.get(peer.peer_id)
            if entry is not None and entry[1].open:
                message = {"op": "notice", "meeting_id": meeting_id, "event": event, "data": data}
                entry[1].send(message)
                return

    def _finished(self, meeting_id: int, recording: Recording, index: dict[str, Any]) -> None:
        # Every server process hears of it; the command they send is applied once (same id).
        message = {"op": "recorded", "meeting_id": meeting_id, "index": index}
        for link in self.links:
            link.send(message)
        log.info(
            "meeting %s: recorded %s (%.1f s)", meeting_id, recording.file, recording.duration_s
        )

    def _report(self, meeting_id: int, rows: list[dict[str, Any]], listening: int) -> None:
        # Every server process gets the rows: each tells its own moderators' consoles.
        message = {"op": "quality", "meeting_id": meeting_id, "peers": rows, "listening": listening}
        for link in self.links:
            link.send(message)

    # --- requests ------------------------------------------------------------------------

    async def handle(self, link: Link, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        try:
            if op == "join":
                return self._join(link, message)
            if op == "offer":
                return await self._offer(message)
            if op == "leave":
                await self._leave(str(message.get("peer_id")))
                return {"ok": True}
            if op == "policy":
                meeting = self.meetings.get(int(message["meeting_id"]))
                if meeting is not None:
                    meeting.apply(message["policy"])
                    if not meeting.policy.get("watch_audio"):
                        await self._drop_watchers(meeting, "stopped")
                return {"ok": True}
            if op == "unwatch":
                # The watch link went off: its holders stop hearing the meeting too.
                meeting = self.meetings.get(int(message["meeting_id"]))
                if meeting is not None:
                    await self._drop_watchers(meeting, "link_closed")
                return {"ok": True}
            if op == "report":
                entry = self.peers.get(str(message.get("peer_id")))
                if entry is not None and isinstance(message.get("report"), dict):
                    entry[0].client_report = message["report"]
                return {"ok": True}
            if op == "stats":
                meeting = self.meetings.get(int(message["meeting_id"]))
                return {"ok": True, "peers": [] if meeting is None else meeting.counters()}
            if op == "ping":
                return {
                    "ok": True,
                    "pid": os.getpid(),
                    "meetings": len(self.meetings),
                    "peers": len(self.peers),
                }
        except OfferRefused as exc:
            return error("invalid", str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("bad %s request: %r", op, exc)
            return error("invalid", "媒体请求格式有误")
        return error("invalid", f"未知的媒体请求 {op!r}")

    def _join(self, link: Link, message: dict[str, Any]) -> dict[str, Any]:
        info = PeerInfo(
            peer_id=str(message["peer_id"]),
            meeting_id=int(message["meeting_id"]),
            participant_id=message.get("participant_id"),
            kind=kind if (kind := message.get("kind")) in ("room", "watcher") else "person",
            name=str(message.get("name") or ""),
            role=str(message.get("role") or "participant"),
        )
        if info.peer_id in self.peers:
            return error("conflict", "已经加入音视频")
        meeting = self.meetings.get(info.meeting_id)
        if meeting is None:
            meeting = self.meetings[info.meeting_id] = MeetingMedia(
                info.meeting_id,
                self.recordings,
                self._tell_peer,
                self._tell_meeting,
                self._finished,
                self._report,
            )
        meeting.apply(message["policy"])
        if info.is_watcher and not meeting.policy.get("watch_audio"):
            # The newest policy decides: consent withdrawn after the server's check counts.
            if not meeting.peers:
                self.meetings.pop(info.meeting_id, None)
            return error("forbidden", "主持人没有开放旁听收听")
        peer = new_peer(info, list(message.get("ice_servers") or []))
        self.peers[info.peer_id] = (peer, link)
        meeting.add(peer)

        @peer.pc.on("connectionstatechange")
        async def changed() -> None:
            state = peer.pc.connectionState
            self._tell_peer(peer, "media.connection", {"state": state})
            if state == "failed":
                await self._leave(info.peer_id)

        return {"ok": True}

    async def _offer(self, message: dict[str, Any]) -> dict[str, Any]:
        entry = self.peers.get(str(message["peer_id"]))
        if entry is None:
            return error("conflict", "请先加入音视频")
        peer = entry[0]
        meeting = self.meetings[peer.info.meeting_id]
        if peer.pc.signalingState != "stable" or peer.pc.remoteDescription is not None:
            return error("conflict", "连接已建立，请重新加入")
        description = await answer(peer, str(message["sdp"]), meeting.source_added)
        meeting.refresh()
        return {"ok": True, "sdp": description.sdp, "type": description.type}

    async def _drop_watchers(self, meeting: MeetingMedia, reason: str) -> None:
        """Cut off every public observer listening to the meeting, telling each why."""
        for peer in [p for p in meeting.peers.values() if p.info.is_watcher]:
            self._tell_peer(peer, "media.listen_closed", {"reason": reason})
            await self._leave(peer.peer_id)

    async def _leave(self, peer_id: str) -> None:
        entry = self.peers.pop(peer_id, None)
        if entry is None:
            return
        meeting_id = entry[0].info.meeting_id
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            return
        if await meeting.remove(peer_id) and not meeting.peers:
            self.meetings.pop(meeting_id, None)
            await meeting.close()
            self._report(meeting_id, [], 0)  # nobody is in the meeting's media any more

    async def drop_link(self, link: Link) -> None:
        """A server process went away: its peers' sockets went with it."""
        link.open = False
        if link in self.links:
            self.links.remove(link)
        for peer_id, (_, owner) in list(self.peers.items()):
            if owner is link:
                await self._leave(peer_id)

    async def close(self) -> None:
        for meeting in list(self.meetings.values()):
            await meeting.close()
        self.meetings.clear()
        self.peers.clear()


async def serve_link(
    hub: MediaHub, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    link = Link(writer)
    try:
        hello = await asyncio.wait_for(wire.read_message(reader), 10)
        if hello is None or not wire.keys_match(hello.get("key"), hub.settings.signing_key()):
            log.warning("refused a media link without the right key")
            return
        hub.links.append(link)
        link.send({"op": "welcome", "pid": os.getpid()})
        tasks: set[asyncio.Task[None]] = set()
        while (message := await wire.read_message(reader)) is not None:
            task = asyncio.get_running_loop().create_task(_answer(hub, link, message))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    except (wire.WireError, TimeoutError, ConnectionError) as exc:
        log.warning("media link closed: %s", exc)
    finally:
        await hub.drop_link(link)
        writer.close()


async def _answer(hub: MediaHub, link: Link, message: dict[str, Any]) -> None:
    reply = await hub.handle(link, message)
    link.send({"id": message.get("id"), **reply})


def restrict_ice_addresses(addresses: Sequence[str]) -> None:
    """Offer only these local addresses as ICE host candidates (a multi-homed host)."""
    chosen = list(addresses)

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses


async def _sweep(settings: Settings) -> None:
    while True:
        if settings.media_recording:
            removed = await asyncio.to_thread(
                sweep_recordings, settings.recordings_dir, settings.media_recording_keep_days
            )
            if removed:
                log.info("deleted %d old recording files", removed)
        await asyncio.sleep(SWEEP_EVERY_S)


async def _until_parent_exits(stop: asyncio.Event) -> None:
    """Stop when the server process that started us is gone (our stdin pipe closes)."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(1024):
        pass
    stop.set()


async def run(settings: Settings, host: str, port: int, with_parent: bool = False) -> None:
    install_forwarding_codecs()
    addresses = [a.strip() for a in settings.media_ice_addresses.split(",") if a.strip()]
    if addresses:
        restrict_ice_addresses(addresses)
    hub = MediaHub(settings)
    server = await asyncio.start_server(
        lambda r, w: serve_link(hub, r, w), host, port, limit=wire.LINE_LIMIT
    )
    bound = server.sockets[0].getsockname()[1]
    # The server process that started us reads this line to learn the port.
    print(f"READY {bound}", flush=True)
    log.info("media worker %d listening on %s:%d", os.getpid(), host, bound)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    background = [loop.create_task(_sweep(settings))]
    if with_parent:
        background.append(loop.create_task(_until_parent_exits(stop)))
    async with server:
        await stop.wait()
    for task in background:
        task.cancel()
    await hub.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m realtime.media.worker")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument(
        "--with-parent",
        action="store_true",
        help="exit when stdin closes (the server that started this worker is gone)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s media %(levelname)s %(message)s"
    )
    if settings.log_level != "debug":
        # aioice and aiortc log every connectivity check at INFO.
        for noisy in ("aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if settings.media_recording:
        Path(settings.recordings_dir).mkdir(parents=True, exist_ok=True)
    asyncio.run(run(settings, args.host, args.port, args.with_parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
