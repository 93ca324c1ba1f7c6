"""Live fan-out: the shared probe against the bare python-socketio floor and against ours.

Same N listeners, same machine, back to back: one worker (in-process manager), then two
workers with Redis (and PostgreSQL for ours). Prints p50/p99 and our/raw ratio, and the
command throughput one worker sustains while N listen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import socketio

from bench.harness import (
    SHARED,
    free_port,
    fresh_postgres,
    hsl_env,
    hsl_server,
    login,
    prepare,
    print_table,
    process,
)

PROBE = SHARED / "bench" / "live_probe.py"
RAW = SHARED / "bench" / "raw_live_server.py"
REDIS = "redis://127.0.0.1:6379/13"
COMMANDS = ["hand.raise:" + json.dumps({"kind": "speech"}), "hand.lower:{}"]


def probe(
    urls: list[str], clients: int, rounds: int, extra: list[str], wait_s: float = 10.0
) -> dict[str, Any]:
    args = [sys.executable, str(PROBE), "--clients", str(clients), "--rounds", str(rounds)]
    args += ["--wait-s", str(wait_s)]
    for url in urls:
        args += ["--url", url]
    done = subprocess.run(args + extra, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"probe failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def raw(urls_ports: list[int], redis: str | None) -> list[Any]:
    managers = []
    for port in urls_ports:
        args = [sys.executable, str(RAW), "--port", str(port)] + (
            ["--redis", redis] if redis else []
        )
        managers.append(
            process(
                args,
                dict(os.environ),
                f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling",
            )
        )
    return managers


async def open_round(url: str, token: str, meeting_id: int) -> None:
    """The moderator opens the first agenda item so that hands may be raised."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"])
    ack = await client.call("join", {"meeting_id": meeting_id}, namespace="/live")
    item = ack["snapshot"]["agenda"]["items"][0]["item_id"]
    for type_, data in (("agenda.goto", {"item_id": item}), ("round.start", {})):
        body = {"id": uuid.uuid4().hex, "type": type_, "data": data}
        await client.call("command", body, namespace="/live")
    await client.disconnect()


async def throughput(url: str, token: str, meeting_id: int, seconds: float) -> float:
    """Commands acked per second from one actor sending back to back."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"])
    await client.call("join", {"meeting_id": meeting_id}, namespace="/live")
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        type_ = "hand.raise" if done % 2 == 0 else "hand.lower"
        data = {"kind": "speech"} if done % 2 == 0 else {}
        ack = await client.call(
            "command",
            {"id": uuid.uuid4().hex, "type": type_, "data": data},
            namespace="/live",
            timeout=30,
        )
        if not ack.get("ok"):
            raise RuntimeError(f"refused: {ack}")
        done += 1
    await client.disconnect()
    return done / (time.perf_counter() - started)


def ours(
    env: dict[str, str],
    ports: list[int],
    clients: int,
    rounds: int,
    throughput_s: float,
    *,
    watchers: bool = False,
    wait_s: float = 10.0,
) -> tuple[dict[str, Any], float | None]:
    demo = prepare(env)
    from contextlib import ExitStack

    with ExitStack() as stack:
        urls = [stack.enter_context(hsl_server(env, port)) for port in ports]
        accounts = demo["accounts"]
        listener = login(urls[0], accounts["members"][0])
        actor = login(urls[0], accounts["members"][1])
        moderator = login(urls[0], accounts["moderator"])
        asyncio.run(open_round(urls[0], moderator, demo["meeting_id"]))
        # Tokens may start with "-", so they go as --name=value.
        listen = f"--token={listener}"
        if watchers:
            from bench.bench_join import watch_token

            listen = f"--watch={watch_token(urls[0], moderator, demo['meeting_id'])}"
        extra = [listen, f"--actor-token={actor}", f"--meeting={demo['meeting_id']}"]
        for command in COMMANDS:
            extra.append(f"--command={command}")
        result = probe(urls, clients, rounds, extra, wait_s)
        rate = None
        if throughput_s > 0:
            rate = asyncio.run(throughput(urls[0], actor, demo["meeting_id"], throughput_s))
        return result, rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100 listeners, 10 rounds")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument(
        "--watchers",
        action="store_true",
        help="the listeners are public observers (watch link) instead of a participant",
    )
    ap.add_argument("--two-workers-only", action="store_true", help="skip the one-worker runs")
    ap.add_argument(
        "--wait-s", type=float, default=10.0, help="how long the probe waits for each event"
    )
    a = ap.parse_args()
    clients, rounds = (100, 10) if a.quick else (a.clients, a.rounds)
    rows = []
    who = "watchers" if a.watchers else "participant"

    floor1 = mine1 = None
    rate = None
    if not a.two_workers_only:
        port = free_port()
        with raw([port], None)[0]:
            floor1 = probe([f"http://127.0.0.1:{port}"], clients, rounds, [], a.wait_s)
        # The per-connection command limit guards people, not this measurement: lift it.
        env1 = hsl_env() | {"HSL_LIVE_COMMANDS_PER_S": "100000", "HSL_LIVE_COMMAND_BURST": "100000"}
        mine1, rate = ours(
            env1,
            [free_port()],
            clients,
            rounds,
            5.0 if a.quick else 10.0,
            watchers=a.watchers,
            wait_s=a.wait_s,
        )

    ports = [free_port(), free_port()]
    from contextlib import ExitStack

    with ExitStack() as stack:
        for manager in raw(ports, REDIS):
            stack.enter_context(manager)
        floor2 = probe([f"http://127.0.0.1:{p}" for p in ports], clients, rounds, [], a.wait_s)
    env2 = hsl_env(fresh_postgres("hsl_bench_live"), REDIS)
    mine2, _ = ours(
        env2, [free_port(), free_port()], clients, rounds, 0, watchers=a.watchers, wait_s=a.wait_s
    )

    setups = [("1 worker", floor1, mine1), ("2 workers + Redis", floor2, mine2)]
    for label, floor, mine in [(lb, f, m) for lb, f, m in setups if f and m]:
        for name, r in (("raw python-socketio", floor), (f"好商量 ({who})", mine)):
            rows.append(
                [
                    label,
                    name,
                    r["clients"],
                    r["rounds"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["max_ms"],
                    r["missed"],
                ]
            )
        rows.append(
            [
                label,
                "ratio 好商量/raw (p99)",
                "",
                "",
                "",
                round(mine["p99_ms"] / floor["p99_ms"], 2),
                "",
                "",
            ]
        )
    print_table(
        ["setup", "server", "listeners", "rounds", "p50 ms", "p99 ms", "max ms", "missed"], rows
    )
    print()
    print_table(
        ["what", "listeners", "commands/s"],
        [["one worker, one actor", clients, round(rate or 0, 1)]],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
