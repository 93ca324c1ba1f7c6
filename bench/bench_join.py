"""Join storm: N connections join one meeting at once, ours against the bare floor.

The shared probe (`../shared/bench/join_probe.py`) against the bare python-socketio server
(`raw_live_server.py`) and against ours, back to back in one run on one worker: as one
person holding N connections, and as N public observers (watchers) holding the meeting's
watch link. Prints seconds until all have joined, the per-join delays and the ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from typing import Any

from bench.bench_live import raw
from bench.harness import SHARED, free_port, hsl_env, hsl_server, login, prepare, print_table

PROBE = SHARED / "bench" / "join_probe.py"


def probe(url: str, clients: int, extra: list[str]) -> dict[str, Any]:
    args = [sys.executable, str(PROBE), "--url", url, "--clients", str(clients), *extra]
    done = subprocess.run(args, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"probe failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def watch_token(url: str, token: str, meeting_id: int) -> str:
    """The moderator turns the meeting's watch link on; returns its token."""
    request = urllib.request.Request(
        f"{url}/api/meetings/{meeting_id}/watch",
        data=json.dumps({"enabled": True}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        found: str = json.loads(answer.read())["token"]
        return found


def ours(clients: int, watchers: bool) -> dict[str, Any]:
    env = hsl_env()
    demo = prepare(env)
    with hsl_server(env, free_port()) as url:
        meeting = f"--meeting={demo['meeting_id']}"
        if watchers:
            moderator = login(url, demo["accounts"]["moderator"])
            who = f"--watch={watch_token(url, moderator, demo['meeting_id'])}"
        else:
            who = f"--token={login(url, demo['accounts']['members'][0])}"
        # Tokens may start with "-", so they go as --name=value.
        return probe(url, clients, [who, meeting])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="200 connections")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--only", choices=["person", "watchers"], default=None)
    a = ap.parse_args()
    clients = 200 if a.quick else a.clients
    rows = []
    failed = 0
    for label, watchers in (("one person", False), ("watchers", True)):
        if a.only and a.only != label.split()[-1]:
            continue
        port = free_port()
        with ExitStack() as stack:
            stack.enter_context(raw([port], None)[0])
            floor = probe(f"http://127.0.0.1:{port}", clients, [])
        mine = ours(clients, watchers)
        failed += floor["failed"] + mine["failed"]
        for name, r in (("raw python-socketio", floor), ("好商量", mine)):
            rows.append(
                [
                    label,
                    name,
                    r["clients"],
                    r["seconds_to_all_joined"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["failed"],
                    r["events_received"],
                ]
            )
        ratio = (mine["seconds_to_all_joined"] or 0) / (floor["seconds_to_all_joined"] or 1)
        rows.append([label, "ratio 好商量/raw (seconds)", "", round(ratio, 2), "", "", "", ""])
    print_table(
        [
            "joining as",
            "server",
            "clients",
            "s to all joined",
            "p50 ms",
            "p99 ms",
            "failed",
            "events",
        ],
        rows,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
