"""Media relay: one speaker relayed to N aiortc listeners, our forwarding worker against
aiortc's default decode-and-re-encode relay, measured in the same run.

Every peer is a real aiortc RTCPeerConnection on 127.0.0.1 (ICE, DTLS, SRTP): the speaker
in one process, the listeners spread over other processes, the relay in its own. The
relay's CPU is read from /proc over the measuring window; each listener counts the
frames it received per second (listeners count encoded frames and never decode, so their
own CPU stays out of the way). Scenarios: audio (Opus, 50 frames/s) and audio + video
(VP8 640x360, 15 frames/s), N = 10, 20, 40 (--quick: N = 10, shorter windows); then
one speaker's audio to 100 watchers through our worker alone (--hundred runs only that:
public observers joining as the worker's receive-only `watcher` peers, as /watch pages do
when the moderator lets them listen; every one >= 49 frames/s, the worker under half a
core) and the room endpoint's audio and video to 20 listeners (--room-endpoint runs only
that).
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.harness import percentile, print_table

SECRET = "bench-media-secret"
MEETING = 1
SPEAKER = "speaker"
POLICY: dict[str, Any] = {
    "seq": 1,
    "closed": False,
    "speakers": [SPEAKER],
    # The room is live too: --room makes the speaker the room endpoint (kind "room").
    "room_live": True,
    "floor": SPEAKER,
    "moderators": [],
    "muted": [],
    "open_mics": False,
    # The moderator lets watchers listen (--hundred's listeners are watchers).
    "watch_audio": True,
    "names": {SPEAKER: "主讲人"},
    "speeches": [],
}
WIDTH, HEIGHT, FPS = 640, 360, 15
LISTENER_PROCESSES = 4
CONNECT_TIMEOUT_S = 120


def loopback_only() -> None:
    """Gather ICE candidates on 127.0.0.1 only (aioice leaves loopback out by default)."""
    import aioice.ice

    def addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    aioice.ice.get_host_addresses = addresses


# --- the speaker: pre-encoded media, paced like a live source ------------------------------


def opus_loop() -> list[bytes]:
    """One second of a 440 Hz tone as 50 Opus packets (20 ms each)."""
    import av
    import numpy as np

    encoder: Any = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48_000, "stereo", "s16"
    encoder.bit_rate = 48_000
    encoder.time_base = fractions.Fraction(1, 48_000)
    t = np.arange(48_000) / 48_000
    tone = (np.sin(2 * np.pi * 440 * t) * 6000).astype(np.int16)
    stereo = np.repeat(tone, 2).reshape(1, -1)
    packets: list[bytes] = []
    for i in range(50):
        chunk = stereo[:, i * 1920 : (i + 1) * 1920]
        frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 48_000, i * 960
        packets += [bytes(p) for p in encoder.encode(frame)]
    return packets[:50]


def vp8_loop(frames: int = 30) -> list[bytes]:
    """Two seconds of moving 640x360 video as VP8 frames, the first a keyframe."""
    import av
    import numpy as np

    encoder: Any = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.bit_rate = 600_000
    encoder.time_base = fractions.Fraction(1, FPS)
    encoder.gop_size = frames
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    packets: list[bytes] = []
    for i in range(frames):
        image = np.stack(
            [(x + 8 * i) % 256, (y + 4 * i) % 256, (x + y + 12 * i) % 256], axis=-1
        ).astype(np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        packets += [bytes(p) for p in encoder.encode(frame)]
    packets += [bytes(p) for p in encoder.encode(None)]
    return packets[:frames]


def looping_track(kind: str, packets: list[bytes]) -> Any:
    import av
    from aiortc.mediastreams import MediaStreamTrack

    rate = 48_000 if kind == "audio" else 90_000
    step = 960 if kind == "audio" else rate // FPS
    interval = 0.02 if kind == "audio" else 1 / FPS

    class Looping(MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.n = 0
            self.start = time.monotonic()

        async def recv(self) -> Any:
            due = self.start + self.n * interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            packet = av.Packet(packets[self.n % len(packets)])
            packet.pts = self.n * step
            packet.time_base = fractions.Fraction(1, rate)
            self.n += 1
            return packet

    return Looping()


# --- peers talking to a relay over the worker link -----------------------------------------


async def open_link(port: int) -> Any:
    from realtime.media.gateway import WorkerLink
    from realtime.media.wire import hello_key

    async def ignore(_message: dict[str, Any]) -> None:
        return None

    return WorkerLink("127.0.0.1", port, hello_key(SECRET), ignore)


async def connect_peer(
    link: Any, peer_id: str, participant_id: str | None, pc: Any, kind: str = "person"
) -> None:
    reply = await link.request(
        "join",
        peer_id=peer_id,
        meeting_id=MEETING,
        participant_id=participant_id,
        kind=kind,
        name=peer_id,
        role="participant",
        policy=POLICY,
        ice_servers=[],
    )
    assert reply["ok"], reply
    await pc.setLocalDescription(await pc.createOffer())
    reply = await link.request("offer", peer_id=peer_id, sdp=pc.localDescription.sdp)
    assert reply["ok"], reply
    from aiortc import RTCSessionDescription

    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))


async def run_speaker(port: int, video: bool, room: bool = False) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection

    loopback_only()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(looping_track("audio", opus_loop()), direction="sendonly")
    if video:
        pc.addTransceiver(looping_track("video", vp8_loop()), direction="sendonly")
    link = await open_link(port)
    if room:
        await connect_peer(link, "room", None, pc, kind="room")
    else:
        await connect_peer(link, "speaker", SPEAKER, pc)
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await pc.close()


async def run_listeners(
    port: int, first: int, count: int, video: bool, watchers: bool = False
) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection

    from realtime.media.forward import install_forwarding_codecs

    loopback_only()
    install_forwarding_codecs()  # count encoded frames; never decode
    link = await open_link(port)
    counts: list[dict[str, int]] = []
    peers = []

    async def count_frames(track: Any, tally: dict[str, int]) -> None:
        while True:
            try:
                await track.recv()
            except Exception:
                return
            tally[track.kind] += 1

    async def one(index: int) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        tally = {"audio": 0, "video": 0}
        counts.append(tally)
        for kind in ["audio", "video"] if video else ["audio"]:
            pc.addTransceiver(kind, direction="recvonly")
        kind = "watcher" if watchers else "person"
        await connect_peer(link, f"listener-{index}", None, pc, kind=kind)
        for transceiver in pc.getTransceivers():  # their tracks exist once answered
            asyncio.get_running_loop().create_task(count_frames(transceiver.receiver.track, tally))
        peers.append(pc)

    await asyncio.wait_for(
        asyncio.gather(*(one(first + i) for i in range(count))), CONNECT_TIMEOUT_S
    )
    print("READY", flush=True)
    read = asyncio.get_running_loop().run_in_executor
    await read(None, sys.stdin.readline)  # start of the window
    before = [dict(c) for c in counts]
    started = time.monotonic()
    await read(None, sys.stdin.readline)  # end of the window
    elapsed = time.monotonic() - started
    rates = [
        {k: (after[k] - b[k]) / elapsed for k in after}
        for b, after in zip(before, counts, strict=True)
    ]
    print(json.dumps(rates), flush=True)
    for pc in peers:
        await pc.close()


# --- aiortc's default relay: decode once, encode per listener ------------------------------


async def run_default_relay() -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    from realtime.media import wire

    loopback_only()
    relay = MediaRelay()
    sources: dict[str, Any] = {}
    pcs: dict[str, Any] = {}

    async def handle(message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        if op == "join":
            pcs[message["peer_id"]] = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            return {"ok": True}
        if op == "offer":
            pc = pcs[message["peer_id"]]
            await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
            for transceiver in pc.getTransceivers():
                if transceiver._offerDirection == "recvonly":  # the speaker sends
                    sources[transceiver.kind] = transceiver.receiver.track
                elif transceiver.kind in sources:
                    transceiver.sender.replaceTrack(relay.subscribe(sources[transceiver.kind]))
                    transceiver.direction = "sendonly"
            await pc.setLocalDescription(await pc.createAnswer())
            return {"ok": True, "sdp": pc.localDescription.sdp, "type": "answer"}
        return {"ok": True}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hello = await wire.read_message(reader)
        if hello is None or not wire.keys_match(hello.get("key"), SECRET):
            writer.close()
            return
        writer.write(wire.encode({"op": "welcome"}))
        while (message := await wire.read_message(reader)) is not None:
            reply = await handle(message)
            writer.write(wire.encode({"id": message.get("id"), **reply}))

    server = await asyncio.start_server(serve, "127.0.0.1", 0, limit=wire.LINE_LIMIT)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


# --- the conductor -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Child:
    proc: subprocess.Popen[str]

    def wait_line(self, prefix: str, timeout: float = CONNECT_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"child exited: {self.proc.args}")
            if line.startswith(prefix):
                return line.strip()
        raise RuntimeError(f"no {prefix!r} from {self.proc.args}")

    def say(self, line: str = "go") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def child(args: Sequence[str], env: dict[str, str]) -> Child:
    return Child(
        subprocess.Popen(
            [sys.executable, *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
    )


def bench_env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSL_")}
    # The worker records as it would in a meeting (decode, mix, encode once); into a
    # folder of this run's own, deleted afterwards.
    env.update(
        HSL_SECRET_KEY=SECRET,
        HSL_LOG_LEVEL="warning",
        HSL_MEDIA_ICE_ADDRESSES="127.0.0.1",
        HSL_DATA_DIR=data_dir,
    )
    return env


def scenario(
    relay: str,
    listeners: int,
    video: bool,
    warmup: float,
    window: float,
    room: bool = False,
    watchers: bool = False,
) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="hsl-bench-media-")
    env = bench_env(data_dir)
    me = ["-m", "bench.bench_media"]
    if relay == "forwarding":
        server = child(["-m", "realtime.media.worker", "--port", "0"], env)
    else:
        server = child([*me, "--role", "default-relay"], env)
    children = [server]
    try:
        port = int(server.wait_line("READY").split()[1])
        flags = ["--port", str(port)] + (["--video"] if video else [])
        speaker = child([*me, "--role", "speaker", *flags, *(["--room"] if room else [])], env)
        children.append(speaker)
        speaker.wait_line("READY")
        spread = min(LISTENER_PROCESSES, listeners)
        groups = []
        for g in range(spread):
            first = g * listeners // spread
            count = (g + 1) * listeners // spread - first
            group = child(
                [
                    *me,
                    *("--role", "listeners", "--first", str(first), "--count", str(count)),
                    *flags,
                    *(["--watchers"] if watchers else []),
                ],
                env,
            )
            children.append(group)
            groups.append(group)
        for group in groups:
            group.wait_line("READY")
        time.sleep(warmup)
        pid = server.proc.pid
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        for group in groups:
            group.say()
        time.sleep(window)
        for group in groups:
            group.say()
        cpu1, t1 = cpu_seconds(pid), time.monotonic()
        rates: list[dict[str, float]] = []
        for group in groups:
            rates += json.loads(group.wait_line("["))
        speaker.say()
        return {
            "cpu": (cpu1 - cpu0) / (t1 - t0),
            "audio": [r["audio"] for r in rates],
            "video": [r["video"] for r in rates],
        }
    finally:
        for c in reversed(children):
            c.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def conduct(quick: bool) -> int:
    sizes = [10] if quick else [10, 20, 40]
    warmup, window = (3.0, 4.0) if quick else (4.0, 8.0)
    rows = []
    results: dict[tuple[str, bool, int], dict[str, Any]] = {}
    for video in (False, True):
        for n in sizes:
            for relay in ("forwarding", "default"):
                result = scenario(relay, n, video, warmup, window)
                results[(relay, video, n)] = result
                audio, vid = result["audio"], result["video"]
                rows.append(
                    [
                        relay,
                        "audio+video" if video else "audio",
                        n,
                        f"{100 * result['cpu']:.1f}",
                        f"{100 * result['cpu'] / n:.2f}",
                        f"{min(audio):.1f} / {percentile(audio, 0.5):.1f}",
                        f"{min(vid):.1f} / {percentile(vid, 0.5):.1f}" if video else "–",
                    ]
                )
                print(f"# {rows[-1]}", file=sys.stderr, flush=True)
    print_table(
        [
            "relay",
            "media",
            "listeners",
            "relay CPU %",
            "CPU % / listener",
            "audio fps min / p50",
            "video fps min / p50",
        ],
        rows,
    )
    summarise(results, sizes)
    if not quick:
        hundred(warmup, window)
        room_endpoint(warmup, window)
    if quick:
        print("(--quick: N = 10 only; the targets are for the full run, N up to 40)")
    return 0


def served(result: dict[str, Any], video: bool) -> float:
    """Listeners fully served: each counts by the share of the frames it got (at most 1)."""
    total = 0.0
    for audio, vid in zip(result["audio"], result["video"], strict=True):
        share = min(1.0, audio / 50)
        if video:
            share *= min(1.0, vid / FPS)
        total += share
    return total


def per_core(result: dict[str, Any], video: bool) -> float:
    return served(result, video) / max(result["cpu"], 1e-6)


def summarise(results: dict[tuple[str, bool, int], dict[str, Any]], sizes: list[int]) -> None:
    """The issue's targets, checked against this run."""
    print()
    big = max(sizes)
    audio = results[("forwarding", False, big)]
    mid = 20 if 20 in sizes else big
    both = results[("forwarding", True, mid)]
    checks = [
        (
            f"{big} audio listeners: every one >= 49 frames/s (min {min(audio['audio']):.1f}), "
            f"worker < 40 % of a core ({100 * audio['cpu']:.1f} %)",
            min(audio["audio"]) >= 49 and audio["cpu"] < 0.40,
        ),
        (
            f"{mid} audio+video listeners: >= 49 audio and >= 14.5 video frames/s "
            f"(min {min(both['audio']):.1f} and {min(both['video']):.1f})",
            min(both["audio"]) >= 49 and min(both["video"]) >= 14.5,
        ),
    ]
    for video in (False, True):
        ours = per_core(results[("forwarding", video, big)], video)
        # The default relay at its best size (it falls behind as listeners are added).
        theirs = max(per_core(results[("default", video, n)], video) for n in sizes)
        ratio = ours / max(theirs, 1e-6)
        media = "audio+video" if video else "audio"
        checks.append(
            (
                f"{media}: listeners served per core {ours:.0f} (forwarding, N={big}) vs "
                f"{theirs:.1f} (default relay, best N): {ratio:.1f}x, target >= 5x",
                ratio >= 5,
            )
        )
    for text, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {text}")


HUNDRED = 100


def hundred(warmup: float, window: float) -> bool:
    """One speaker's audio to 100 watchers (receive-only) through one forwarding worker."""
    result = scenario("forwarding", HUNDRED, False, warmup, window, watchers=True)
    audio = result["audio"]
    print_table(
        ["relay", "media", "watchers", "worker CPU %", "audio fps min / p50"],
        [
            [
                "forwarding",
                "audio",
                HUNDRED,
                f"{100 * result['cpu']:.1f}",
                f"{min(audio):.1f} / {percentile(audio, 0.5):.1f}",
            ]
        ],
    )
    ok = bool(min(audio) >= 49 and result["cpu"] < 0.50)
    print(
        f"{'PASS' if ok else 'MISS'}  {HUNDRED} watchers hearing one speaker through one worker: "
        "every one "
        f">= 49 frames/s (min {min(audio):.1f}), worker < 50 % of a core "
        f"({100 * result['cpu']:.1f} %)"
    )
    return ok


ROOM_LISTENERS = 20


def room_endpoint(warmup: float, window: float) -> bool:
    """The room endpoint's audio and video (kind "room") to 20 remote participants."""
    result = scenario("forwarding", ROOM_LISTENERS, True, warmup, window, room=True)
    audio, vid = result["audio"], result["video"]
    print_table(
        ["speaker", "media", "listeners", "worker CPU %", "audio fps min", "video fps min"],
        [
            [
                "room endpoint",
                "audio+video",
                ROOM_LISTENERS,
                f"{100 * result['cpu']:.1f}",
                f"{min(audio):.1f}",
                f"{min(vid):.1f}",
            ]
        ],
    )
    ok = bool(min(audio) >= 49 and min(vid) >= 14.5)
    print(
        f"{'PASS' if ok else 'MISS'}  the room's audio and video to {ROOM_LISTENERS} remote "
        f"participants: >= 49 audio and >= 14.5 video frames/s (min {min(audio):.1f} and "
        f"{min(vid):.1f})"
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="N = 10 only, short windows")
    parser.add_argument("--role", choices=["speaker", "listeners", "default-relay"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--video", action="store_true")
    parser.add_argument(
        "--watchers", action="store_true", help="listeners join as watchers (receive-only)"
    )
    parser.add_argument(
        "--hundred", action="store_true", help="only: one speaker's audio to 100 watchers"
    )
    parser.add_argument(
        "--room", action="store_true", help="the speaker joins as the room endpoint"
    )
    parser.add_argument(
        "--room-endpoint", action="store_true", help="only: the room's audio+video to 20"
    )
    args = parser.parse_args(argv)
    if args.role == "speaker":
        asyncio.run(run_speaker(args.port, args.video, args.room))
    elif args.role == "listeners":
        asyncio.run(run_listeners(args.port, args.first, args.count, args.video, args.watchers))
    elif args.role == "default-relay":
        asyncio.run(run_default_relay())
    elif args.hundred:
        return 0 if hundred(4.0, 8.0) else 1
    elif args.room_endpoint:
        return 0 if room_endpoint(4.0, 8.0) else 1
    else:
        return conduct(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
