"""A meeting's audio on the server: the live speakers decoded once per frame, their levels
for the interface, and the mix written to an Ogg/Opus file for the session record.

It runs in its own thread, off the worker's event loop: the loop only hands it the
encoded packets of the speakers it forwards. The mix follows the wall clock (one 20 ms
frame per 20 ms, silence when nobody speaks), so a time in the file is a time in the
meeting: `started_at + offset`.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np

log = logging.getLogger("hsl.media")

RATE = 48_000
FRAME = 960  # 20 ms at 48 kHz, what browsers send
FRAME_S = FRAME / RATE
# The mix runs this many frames behind the clock, so packets that arrive late still fit.
LATENCY_FRAMES = 5
# A speaker is mixed in once this many frames wait, and trimmed when too many pile up.
START_FRAMES = 3
MAX_FRAMES = 25
TICK_S = 0.1
RECORDING_BITRATE = 32_000
SILENT_DBFS = -100.0


@dataclass(frozen=True)
class Recording:
    """A finished recording: its file (relative to the recordings folder) and its span."""

    file: str
    started_at: float
    ended_at: float
    duration_s: float


class _Speaker:
    def __init__(self) -> None:
        self.decoder: Any = av.CodecContext.create("libopus", "r")
        self.decoder.sample_rate = RATE
        self.decoder.layout = "mono"
        self.decoder.format = "s16"
        self.frames: deque[np.ndarray[Any, np.dtype[np.int16]]] = deque()
        self.playing = False

    def add(self, data: bytes) -> list[np.ndarray[Any, np.dtype[np.int16]]]:
        try:
            decoded = self.decoder.decode(av.Packet(data))
        except av.FFmpegError:
            return []
        pcm = [frame.to_ndarray().reshape(-1).astype(np.int16, copy=False) for frame in decoded]
        self.frames.extend(pcm)
        if len(self.frames) > MAX_FRAMES:
            for _ in range(len(self.frames) - START_FRAMES):
                self.frames.popleft()
        return pcm

    def take(self) -> np.ndarray[Any, np.dtype[np.int16]] | None:
        if not self.playing and len(self.frames) >= START_FRAMES:
            self.playing = True
        if not self.playing:
            return None
        if not self.frames:
            self.playing = False  # ran dry: wait for a few frames again
            return None
        return self.frames.popleft()


def level_dbfs(pcm: np.ndarray[Any, np.dtype[np.int16]]) -> float:
    """Loudness of one frame in dB below full scale (0 is the loudest, -100 silence)."""
    if pcm.size == 0:
        return SILENT_DBFS
    rms = float(np.sqrt(np.mean(np.square(pcm.astype(np.float64)))))
    if rms <= 0:
        return SILENT_DBFS
    return max(SILENT_DBFS, round(20 * math.log10(rms / 32768), 1))


class _Writer:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.container: Any = av.open(str(path), "w", format="ogg")
        self.stream: Any = self.container.add_stream("libopus", rate=RATE, layout="mono")
        self.stream.bit_rate = RECORDING_BITRATE
        self.pts = 0

    def write(self, pcm: np.ndarray[Any, np.dtype[np.int16]]) -> None:
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self.pts
        self.pts += FRAME
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self.container.close()


class MeetingAudio:
    """Decodes the live speakers of one meeting, meters them, and records their mix.

    `folder` None meters without recording. `feed` is called on the event loop and only
    queues; everything else happens in the thread.
    """

    def __init__(self, meeting_id: int, folder: Path | None) -> None:
        self.meeting_id = meeting_id
        self.started_at = time.time()
        stamp = datetime.fromtimestamp(self.started_at, UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.file = f"{meeting_id}/{stamp}.ogg"
        self.path = None if folder is None else folder / self.file
        self.levels: dict[str, float] = {}
        self._inbox: queue.SimpleQueue[tuple[str, bytes] | None] = queue.SimpleQueue()
        self._speakers: dict[str, _Speaker] = {}
        self._written = 0
        self._thread = threading.Thread(
            target=self._run, name=f"media-audio-{meeting_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def feed(self, key: str, data: bytes) -> None:
        self._inbox.put((key, data))

    def stop(self) -> Recording | None:
        """Finish the file (blocking: call it from a thread) and say what was recorded."""
        self._inbox.put(None)
        self._thread.join()
        if self.path is None or self._written == 0:
            return None
        duration = self._written * FRAME_S
        return Recording(
            file=self.file,
            started_at=self.started_at,
            ended_at=self.started_at + duration,
            duration_s=round(duration, 3),
        )

    def _run(self) -> None:
        writer = None if self.path is None else _Writer(self.path)
        origin = time.monotonic()
        next_tick = origin + TICK_S
        try:
            while True:
                wait = next_tick - time.monotonic()
                if wait <= 0:
                    next_tick = max(next_tick + TICK_S, time.monotonic())
                    due = int((time.monotonic() - origin) / FRAME_S) - LATENCY_FRAMES
                    self._mix_until(due, writer)
                    continue
                try:
                    item = self._inbox.get(timeout=wait)
                except queue.Empty:
                    continue
                if item is None:
                    break  # stop was asked
                self._decode(*item)
        except Exception:
            log.exception("meeting %s: recording failed", self.meeting_id)
        finally:
            # Mix what is still waiting so the file ends when the meeting's media ended.
            if writer is not None:
                due = int((time.monotonic() - origin) / FRAME_S)
                self._mix_until(due, writer)
                writer.close()

    def _decode(self, key: str, data: bytes) -> None:
        speaker = self._speakers.get(key)
        if speaker is None:
            speaker = self._speakers[key] = _Speaker()
        for pcm in speaker.add(data):
            self.levels[key] = level_dbfs(pcm)

    def _mix_until(self, due: int, writer: _Writer | None) -> None:
        while self._written < due:
            mix = np.zeros(FRAME, dtype=np.int32)
            for speaker in self._speakers.values():
                pcm = speaker.take()
                if pcm is not None and pcm.size == FRAME:
                    mix += pcm
            if writer is not None:
                writer.write(np.clip(mix, -32768, 32767).astype(np.int16))
            self._written += 1


def sweep_recordings(folder: Path, keep_days: int, now: float | None = None) -> int:
    """Delete recordings (and their index files) older than `keep_days`; 0 keeps all.

    Returns how many files went.
    """
    if keep_days <= 0 or not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - keep_days * 86_400
    removed = 0
    for path in folder.glob("*/*"):
        if path.suffix in (".ogg", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    for meeting_folder in folder.iterdir():
        if meeting_folder.is_dir() and not any(meeting_folder.iterdir()):
            meeting_folder.rmdir()
    return removed
