"""Shared pieces of the benchmarks: servers on free ports, demo logins, percentiles, tables.

Every server runs on 127.0.0.1 in a child process and is stopped by the harness.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HSL_SHARED_DIR", REPO.parent / "shared"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def hsl_env(database_url: str | None = None, redis_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSL_")}
    data_dir = tempfile.mkdtemp(prefix="hsl-bench-")
    env.update(
        HSL_DATA_DIR=data_dir,
        HSL_SECRET_KEY="bench-secret-key",
        HSL_LOG_LEVEL="warning",
        HSL_DATABASE_URL=database_url or f"sqlite+aiosqlite:///{data_dir}/bench.db",
    )
    if redis_url:
        env["HSL_REDIS_URL"] = redis_url
    return env


def hsl(args: Sequence[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """Migrate and load the demo; returns `hsl demo --json`."""
    hsl(["db", "upgrade"], env)
    result: dict[str, Any] = json.loads(hsl(["demo", "--json"], env))
    return result


@contextmanager
def process(
    args: Sequence[str], env: dict[str, str], health: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is up once `health` answers 200, and is stopped afterwards."""
    child = subprocess.Popen(
        list(args), env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_http(health)
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


@contextmanager
def hsl_server(env: dict[str, str], port: int) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "1"]
    with process(args, env, url + "/healthz"):
        yield url


def fresh_postgres(
    name: str, admin_dsn: str = "postgresql://postgres@127.0.0.1:5432/postgres"
) -> str:
    """Drop and create a PostgreSQL database for one run; returns its asyncpg URL."""
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin_dsn, "-qc", sql], check=True, capture_output=True)
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def login(url: str, account: dict[str, str]) -> str:
    body = json.dumps({"username": account["username"], "password": account["password"]}).encode()
    request = urllib.request.Request(
        url + "/api/auth/login", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        token: str = json.loads(answer.read())["token"]
        return token


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
