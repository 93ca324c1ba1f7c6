"""The forwarding pieces on their own: a source's fan-out, a listener's track, keyframe
requests, the meeting's recording, bitrate caps, the worker link and TURN credentials.
"""

from __future__ import annotations

import asyncio
import base64
import fractions
import hashlib
import hmac
import os
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from realtime.media import wire
from realtime.media.forward import (
    EncodedFrame,
    ForwardingTrack,
    KeyframeRequests,
    Outgoing,
    PackedEncoder,
    Source,
    is_vp8_keyframe,
)
from realtime.media.ice import ice_servers
from realtime.media.quality import (
    MAX_VIDEO_BPS,
    MIN_VIDEO_BPS,
    cap_changed,
    grade,
    next_estimate,
    video_cap,
)
from realtime.media.recorder import MeetingAudio, level_dbfs, sweep_recordings
from server.settings import Settings

KEY = b"\x10\x02\x00"  # a VP8 frame tag with the key-frame bit clear
DELTA = b"\x11\x02\x00"


class Feed(MediaStreamTrack):
    """A received track that yields the frames it is given (what our decoder hands on)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.queue: asyncio.Queue[EncodedFrame | None] = asyncio.Queue()

    def send(self, data: bytes, timestamp: int) -> None:
        self.queue.put_nowait(EncodedFrame(self.kind, data, timestamp))

    async def recv(self) -> Any:
        frame = await self.queue.get()
        if frame is None:
            raise MediaStreamError
        return frame


async def drain(track: ForwardingTrack) -> list[Outgoing]:
    await asyncio.sleep(0.01)
    out = []
    while not track._queue.empty():
        out.append(await track.recv())
    return out


def test_vp8_key_frames_are_told_from_delta_frames() -> None:
    assert is_vp8_keyframe(KEY) and not is_vp8_keyframe(DELTA) and not is_vp8_keyframe(b"")


async def test_a_source_forwards_only_while_live_and_video_starts_at_a_keyframe() -> None:
    feed = Feed("video")
    asked: list[float] = []
    source = Source("video", feed, lambda: asked.append(time.monotonic()))
    source.start()
    listener = ForwardingTrack("video")
    listener.set_source(source)
    feed.send(KEY + b"muted", 0)
    assert await drain(listener) == []  # not live: nothing goes out
    source.set_live(True)
    feed.send(DELTA + b"a", 6000)
    feed.send(KEY + b"b", 12000)
    feed.send(DELTA + b"c", 18000)
    out = await drain(listener)
    assert [o.payloads[0][-1:] for o in out] == [b"b", b"c"]  # the delta before the key waits
    assert out[1].timestamp - out[0].timestamp == 6000
    assert asked, "joining a video source asks its speaker for a keyframe"
    feed.queue.put_nowait(None)


async def test_switching_speakers_keeps_one_continuous_clock_for_the_listener() -> None:
    first, second = Feed("audio"), Feed("audio")
    a, b = Source("audio", first), Source("audio", second)
    for source in (a, b):
        source.set_live(True)
        source.start()
    listener = ForwardingTrack("audio")
    listener.set_source(a)
    first.send(b"a1", 960)
    first.send(b"a2", 1920)
    before = await drain(listener)
    listener.set_source(b)
    second.send(b"b1", 4_000_000)
    second.send(b"b2", 4_000_960)
    after = await drain(listener)
    assert [o.payloads for o in before + after] == [[b"a1"], [b"a2"], [b"b1"], [b"b2"]]
    assert 0 < after[0].timestamp - before[-1].timestamp < 48_000  # follows on, no 80 s jump
    assert after[1].timestamp - after[0].timestamp == 960
    assert listener not in a.listeners and listener in b.listeners


async def test_a_slow_listener_drops_its_oldest_frames_not_the_others() -> None:
    feed = Feed("audio")
    source = Source("audio", feed)
    source.set_live(True)
    source.start()
    slow, fast = ForwardingTrack("audio"), ForwardingTrack("audio")
    slow.set_source(source)
    fast.set_source(source)
    for n in range(25):
        feed.send(bytes([n]), n * 960)
        if n % 5 == 4:
            assert len(await drain(fast)) == 5
    await asyncio.sleep(0.01)
    assert slow.frames_dropped == 15
    kept = await drain(slow)
    assert [o.payloads[0] for o in kept] == [bytes([n]) for n in range(15, 25)]


async def test_keyframe_requests_from_many_listeners_reach_the_speaker_at_most_once_a_while() -> (
    None
):
    sent: list[float] = []
    requests = KeyframeRequests(lambda: sent.append(time.monotonic()), interval_s=0.05)
    for _ in range(20):
        requests.request()
    assert len(sent) == 1
    await asyncio.sleep(0.12)
    assert len(sent) == 2  # the requests held back went as one
    assert requests.asked == 20


def test_the_packed_encoder_sends_forwarded_payloads_and_packs_anything_else_itself() -> None:
    from aiortc.codecs import get_capabilities
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    capability = next(c for c in get_capabilities("audio").codecs if c.name == "opus")
    codec = RTCRtpCodecParameters(
        mimeType=capability.mimeType, clockRate=capability.clockRate, channels=2, payloadType=111
    )
    encoder = PackedEncoder(codec)
    assert encoder.pack(Outgoing([b"p1", b"p2"], 1234)) == ([b"p1", b"p2"], 1234)
    packet = av.Packet(b"opus")
    packet.pts, packet.time_base = 960, fractions.Fraction(1, 48_000)
    assert encoder.pack(packet) == ([b"opus"], 960)


def opus_tone(hz: float, seconds: float) -> list[bytes]:
    encoder: Any = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48_000, "mono", "s16"
    encoder.time_base = fractions.Fraction(1, 48_000)
    t = np.arange(int(48_000 * seconds)) / 48_000
    pcm = (np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16)
    packets: list[bytes] = []
    for i in range(len(pcm) // 960):
        frame = av.AudioFrame.from_ndarray(
            pcm[i * 960 : (i + 1) * 960].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = 48_000, i * 960
        packets += [bytes(p) for p in encoder.encode(frame)]
    return packets


async def test_the_meeting_audio_is_metered_and_recorded_on_the_meetings_clock(
    tmp_path: Path,
) -> None:
    audio = MeetingAudio(42, tmp_path)
    audio.start()
    for packet in opus_tone(440, 1.0):
        audio.feed("wang", packet)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    assert audio.levels["wang"] > -30
    recording = await asyncio.to_thread(audio.stop)
    assert recording is not None and recording.file.startswith("42/")
    with av.open(str(tmp_path / recording.file)) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    seconds = len(pcm) / 48_000
    assert abs(seconds - recording.duration_s) < 0.1
    spectrum = np.abs(np.fft.rfft(pcm))
    assert abs(np.fft.rfftfreq(len(pcm), 1 / 48_000)[int(np.argmax(spectrum))] - 440) < 5


def test_loudness_is_measured_below_full_scale() -> None:
    assert level_dbfs(np.zeros(960, dtype=np.int16)) == -100.0
    full = np.full(960, 32767, dtype=np.int16)
    assert level_dbfs(full) == 0.0
    assert -7 < level_dbfs((full // 2).astype(np.int16)) < -5


def test_old_recordings_are_swept_and_recent_ones_kept(tmp_path: Path) -> None:
    old = tmp_path / "7" / "20250101T000000Z.ogg"
    recent = tmp_path / "8" / "20261120T000000Z.ogg"
    for path in (old, old.with_suffix(".json"), recent):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"OggS")
    now = time.time()
    for path in (old, old.with_suffix(".json")):
        os.utime(path, (now - 200 * 86_400, now - 200 * 86_400))
    assert sweep_recordings(tmp_path, keep_days=0, now=now) == 0
    assert sweep_recordings(tmp_path, keep_days=180, now=now) == 2
    assert not (tmp_path / "7").exists() and recent.exists()


def test_the_cap_follows_the_weakest_listener_and_moves_in_steps() -> None:
    lossy = next_estimate(1_000_000, fraction_lost=0.3, remb_bps=None)
    clean = next_estimate(1_000_000, fraction_lost=0.0, remb_bps=None)
    told = next_estimate(1_000_000, fraction_lost=0.0, remb_bps=300_000)
    assert lossy < 1_000_000 < clean and told == 300_000
    assert next_estimate(100_000, 0.5, None) == MIN_VIDEO_BPS
    assert next_estimate(MAX_VIDEO_BPS, 0.0, None) == MAX_VIDEO_BPS
    assert video_cap([clean, lossy, told]) == 300_000 and video_cap([]) is None
    assert cap_changed(None, 300_000) and not cap_changed(300_000, 320_000)
    assert cap_changed(300_000, 400_000) and cap_changed(300_000, None)
    assert grade(0.5, 40) == "good" and grade(5, 40) == "fair" and grade(1, 900) == "poor"


async def test_the_worker_link_carries_json_lines_and_knows_the_servers_key() -> None:
    reader = asyncio.StreamReader(limit=wire.LINE_LIMIT)
    reader.feed_data(wire.encode({"op": "offer", "sdp": "v=0\r\n会议"}) + b"[1]\n")
    assert await wire.read_message(reader) == {"op": "offer", "sdp": "v=0\r\n会议"}
    try:
        await wire.read_message(reader)
    except wire.WireError:
        pass
    else:
        raise AssertionError("a line that is not an object must be refused")
    reader.feed_eof()
    assert await wire.read_message(reader) is None
    assert wire.keys_match(wire.hello_key("秘密"), "秘密")
    assert not wire.keys_match(wire.hello_key("秘密"), "别的") and not wire.keys_match(None, "秘密")


def test_turn_entries_get_time_limited_credentials_coturn_accepts() -> None:
    settings = Settings(
        media_ice_servers=[
            {"urls": "stun:stun.example.cn:3478"},
            {"urls": ["turn:turn.example.cn:3478?transport=udp"]},
            {"urls": "turn:fixed.example.cn", "username": "u", "credential": "p"},
        ],
        media_turn_secret="coturn-secret",
        media_turn_ttl_s=3600,
    )
    stun, turn, fixed = ice_servers(settings, label="m42", now=1_790_000_000)
    assert "username" not in stun
    assert turn["username"] == "1790003600:m42"
    expected = hmac.new(b"coturn-secret", b"1790003600:m42", hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()
    assert (fixed["username"], fixed["credential"]) == ("u", "p")
