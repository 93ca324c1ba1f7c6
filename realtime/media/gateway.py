"""The server process's side of media: starting or reaching the media workers, pinning each
meeting to one of them, and keeping them told who may be heard.

It follows the live meeting through the engine's publish callable: after any event that
can change who is heard, it reads the meeting's state (caught up from the database, so
events decided by other server processes count too) and sends the worker the policy
with its seq. Workers keep the newest seq, so the order these arrive in does not matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from realtime.engine import LiveEngine, Publish
from realtime.media import wire
from realtime.media.policy import media_policy
from realtime.meeting import SYSTEM, Command
from server.settings import Settings

log = logging.getLogger("hsl.media")

REQUEST_TIMEOUT_S = 30.0
# The worker reports each meeting's connections every 2 s; older rows are a worker gone.
QUALITY_FRESH_S = 10.0
READY_TIMEOUT_S = 30.0
RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 60.0
# Events after which who may be heard can differ.
POLICY_EVENTS = frozenset(
    {
        "floor.granted",
        "floor.ended",
        "meeting.closed",
        "participant.added",
        "media.muted",
        "media.unmuted",
        "media.mics_opened",
        "media.mics_closed",
        "media.watch_audio_allowed",
        "media.watch_audio_stopped",
    }
)

Notice = Callable[[dict[str, Any]], Awaitable[None]]


class MediaUnavailable(Exception):
    """No media worker answers for this meeting; the message is for the participant."""


class WorkerLink:
    """This process's connection to one media worker: requests with replies, and notices."""

    def __init__(self, host: str, port: int, key: str, on_notice: Notice) -> None:
        self.host, self.port = host, port
        self._key = key
        self._on_notice = on_notice
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._connecting = asyncio.Lock()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def _connect(self) -> asyncio.StreamWriter:
        async with self._connecting:
            if self._writer is not None and not self._writer.is_closing():
                return self._writer
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port, limit=wire.LINE_LIMIT), 5
                )
            except (OSError, TimeoutError) as exc:
                raise MediaUnavailable("音视频服务暂不可用，请稍后重试") from exc
            writer.write(wire.encode({"op": "hello", "key": self._key}))
            welcome = await asyncio.wait_for(wire.read_message(reader), 5)
            if welcome is None or welcome.get("op") != "welcome":
                writer.close()
                raise MediaUnavailable("音视频服务拒绝了连接")
            self._writer = writer
            self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))
            return writer

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while (message := await wire.read_message(reader)) is not None:
                waiter = self._waiting.pop(message.get("id") or 0, None)
                if waiter is not None:
                    if not waiter.done():
                        waiter.set_result(message)
                elif message.get("op") in ("notice", "recorded", "quality"):
                    try:
                        await self._on_notice(message)
                    except Exception:
                        log.exception("media notice %s failed", message.get("event"))
        except (wire.WireError, ConnectionError) as exc:
            log.warning("media worker %s: link lost: %s", self.address, exc)
        finally:
            self._writer = None
            for waiter in self._waiting.values():
                if not waiter.done():
                    waiter.set_exception(MediaUnavailable("音视频服务连接中断"))
            self._waiting.clear()

    async def request(self, op: str, **fields: Any) -> dict[str, Any]:
        writer = await self._connect()
        request_id = next(self._ids)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = waiter
        writer.write(wire.encode({"id": request_id, "op": op, **fields}))
        try:
            return await asyncio.wait_for(waiter, REQUEST_TIMEOUT_S)
        except TimeoutError:
            self._waiting.pop(request_id, None)
            raise MediaUnavailable("音视频服务没有响应") from None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task


class SpawnedWorker:
    """A media worker this process started (embedded mode) and will stop."""

    def __init__(self, port: int) -> None:
        self.requested_port = port
        self.port: int | None = None
        self.ready = asyncio.Event()
        self.process: asyncio.subprocess.Process | None = None
        self.link: WorkerLink | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "realtime.media.worker",
            "--port",
            str(self.requested_port),
            "--with-parent",
            stdin=asyncio.subprocess.PIPE,  # closes when we die, however we die
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), READY_TIMEOUT_S)
        if not line.startswith(b"READY "):
            raise RuntimeError(f"media worker did not start: {line!r}")
        self.port = int(line.split()[1])
        self.ready.set()

    def reset(self) -> None:
        self.ready.clear()
        self.port = None
        self.link = None

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def parse_addresses(text: str) -> list[tuple[str, int]]:
    addresses = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        host, _, port = part.rpartition(":")
        addresses.append((host or "127.0.0.1", int(port)))
    return addresses


class MediaGateway:
    """Everything media a server process does outside the /media namespace."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: LiveEngine | None = None
        self.links: list[WorkerLink] = []
        self._spawned: list[SpawnedWorker] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._emit: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self.enabled = settings.media_workers > 0 or bool(settings.media_addresses)
        # Each meeting's newest connection rows from its worker: (when, rows, listening).
        self._quality: dict[int, tuple[float, list[dict[str, Any]], int]] = {}

    # --- wiring --------------------------------------------------------------------------

    def following(self, publish: Publish) -> Publish:
        """`publish`, and after it a policy update for the media worker when it matters."""

        async def publish_and_follow(meeting_id: int, events: Sequence[dict[str, Any]]) -> None:
            await publish(meeting_id, events)
            if self.enabled and any(e["type"] in POLICY_EVENTS for e in events):
                # Not awaited: the engine still holds the meeting's lock while it publishes.
                self._spawn(self.send_policy(meeting_id))

        return publish_and_follow

    def attach(self, engine: LiveEngine, emit: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.engine = engine
        self._emit = emit

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- lifetime ------------------------------------------------------------------------

    async def start(self) -> None:
        """Reach the configured workers, or start our own (without waiting for them)."""
        if not self.enabled:
            return
        key = wire.hello_key(self.settings.signing_key())
        if self.settings.media_addresses:
            for host, port in parse_addresses(self.settings.media_addresses):
                self.links.append(WorkerLink(host, port, key, self._notice))
            return
        if self.settings.redis_url:
            # Several server processes would each start their own workers and a meeting
            # would be split between them: scale-out needs workers run as a service.
            log.warning(
                "远程音视频未启用：多进程部署请设置 HSL_MEDIA_ADDRESSES（见 docs/media.md）"
            )
            self.enabled = False
            return
        for index in range(self.settings.media_workers):
            port = self.settings.media_port + index if self.settings.media_port else 0
            worker = SpawnedWorker(port)
            self._spawned.append(worker)
            self._spawn(self._start_worker(worker))

    async def _start_worker(self, worker: SpawnedWorker) -> None:
        """Start a worker, and start it again if it dies (its peers then reconnect)."""
        delay = RESTART_DELAY_S
        while True:
            try:
                await worker.start()
            except Exception:
                log.exception("媒体进程未能启动 (media worker failed to start)")
                await worker.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RESTART_DELAY_S)  # a broken install: retry slowly
                continue
            delay = RESTART_DELAY_S
            assert worker.process is not None
            code = await worker.process.wait()
            log.error("媒体进程意外退出 (media worker exited with %s); restarting", code)
            worker.reset()
            await asyncio.sleep(delay)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for link in self.links:
            await link.close()
        for worker in self._spawned:
            await worker.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def link_for(self, meeting_id: int) -> WorkerLink:
        """The worker this meeting is pinned to (the same in every server process)."""
        if not self.enabled:
            raise MediaUnavailable("本服务器未启用远程音视频")
        if not self._spawned:
            return self.links[meeting_id % len(self.links)]
        index = meeting_id % len(self._spawned)
        worker = self._spawned[index]
        try:
            await asyncio.wait_for(worker.ready.wait(), READY_TIMEOUT_S)
        except TimeoutError:
            raise MediaUnavailable("音视频服务未能启动") from None
        assert worker.port is not None
        if worker.link is None:
            key = wire.hello_key(self.settings.signing_key())
            worker.link = WorkerLink("127.0.0.1", worker.port, key, self._notice)
            self.links.append(worker.link)
        return worker.link

    # --- following the meeting -----------------------------------------------------------

    async def policy_for(self, meeting_id: int) -> dict[str, Any]:
        assert self.engine is not None
        state, seq = await self.engine.view(meeting_id)
        return media_policy(state, seq)

    async def send_policy(self, meeting_id: int) -> None:
        try:
            link = await self.link_for(meeting_id)
            policy = await self.policy_for(meeting_id)
            await link.request("policy", meeting_id=meeting_id, policy=policy)
        except MediaUnavailable:
            pass  # no worker: nobody's media to govern; a join will send the policy again
        except Exception:
            log.exception("meeting %s: media policy not sent", meeting_id)

    def quality_of(self, meeting_id: int) -> tuple[list[dict[str, Any]], int]:
        """The worker's newest connection rows of the meeting's peers and how many watchers
        listen; nothing when no peer is in its media (or its worker stopped reporting)."""
        known = self._quality.get(meeting_id)
        if known is None or time.monotonic() - known[0] > QUALITY_FRESH_S:
            return [], 0
        return known[1], known[2]

    async def unwatch(self, meeting_id: int) -> None:
        """The watch link went off: the worker cuts off the watchers listening."""
        if not self.enabled:
            return
        try:
            link = await self.link_for(meeting_id)
            await link.request("unwatch", meeting_id=meeting_id)
        except MediaUnavailable:
            pass

    async def _notice(self, message: dict[str, Any]) -> None:
        if message.get("op") == "quality":
            rows, listening = message.get("peers"), message.get("listening")
            if isinstance(rows, list) and isinstance(listening, int):
                meeting_id = int(message["meeting_id"])
                if rows or listening:
                    self._quality[meeting_id] = (time.monotonic(), rows, listening)
                else:
                    self._quality.pop(meeting_id, None)
        elif message.get("op") == "recorded":
            await self._record(message)
        elif self._emit is not None:
            await self._emit(message)

    async def _record(self, message: dict[str, Any]) -> None:
        """Put a finished recording into the session record (once, whichever process)."""
        assert self.engine is not None
        index = message["index"]
        recording_id = index["file"].rsplit("/", 1)[-1].removesuffix(".ogg")
        data = {
            "recording_id": recording_id,
            "file": index["file"],
            "started_at": index["started_at"],
            "ended_at": index["ended_at"],
            "duration_s": index["duration_s"],
        }
        await self.engine.run(
            int(message["meeting_id"]),
            Command("media.record", data),
            SYSTEM,
            sender="system",
            command_id=f"recording:{recording_id}"[:64],
        )
