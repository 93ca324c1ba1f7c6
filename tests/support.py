"""Test support: start real `hsl serve` processes on free ports and talk to them.

Used by the fixtures in conftest.py and by tests that need several workers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
HSL = [sys.executable, "-m", "server.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_hsl(
    args: list[str], env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HSL, *args], env=dict(env), cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


class ServerProcess:
    """A real uvicorn server (`hsl serve`) in a child process, on 127.0.0.1."""

    def __init__(self, env: Mapping[str, str], *, workers: int = 1, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115 - kept open for the child's whole life
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            [*HSL, *args], env=dict(env), cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not become ready:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """End the server at once, as a crash would: no shutdown, nothing handed back."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


def base_env(data_dir: Path, database_url: str, redis_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSL_")}
    env.update(
        HSL_DATA_DIR=str(data_dir),
        HSL_DATABASE_URL=database_url,
        HSL_SECRET_KEY="test-secret-key-for-the-suite-only",
        HSL_LOG_LEVEL="warning",
        HSL_LOGIN_ATTEMPTS_PER_MINUTE="5",
        # Scripted moderators are faster than people; the limit itself is tested with 150.
        HSL_LIVE_COMMAND_BURST="100",
    )
    if redis_url:
        env["HSL_REDIS_URL"] = redis_url
    return env


async def fresh_postgres(name: str) -> str:
    """A new, empty PostgreSQL database for a test that needs PostgreSQL whatever the suite
    runs on (several workers); named after the suite's own database too, so that a SQLite
    run and a PostgreSQL run of the suite side by side never share one."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = os.environ.get(
        "HSL_TEST_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    suite = os.environ.get("HSL_TEST_DATABASE_URL", "").rsplit("/", 1)[-1] or "sqlite"
    target = f"hsl_{name}_{suite}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{target}"'))
    await engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{target}"


async def own_database(data_dir: Path, name: str) -> str:
    """A database of its own for a test that starts, kills or restarts its own servers.

    On PostgreSQL (HSL_TEST_DATABASE_URL set) a fresh database named after the test
    database with `name` appended; otherwise a SQLite file in `data_dir`.
    """
    pg_url = os.environ.get("HSL_TEST_DATABASE_URL", "")
    if not pg_url:
        return f"sqlite+aiosqlite:///{data_dir / name}.db"
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    base, database = pg_url.rsplit("/", 1)
    target = f"{database}_{name}"
    engine = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{target}"'))
    await engine.dispose()
    return f"{base}/{target}"


def prepared_env(
    data_dir: Path, database_url: str, redis_url: str | None = None, **extra: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of a migrated database holding the demo, and `hsl demo --json`."""
    env = base_env(data_dir, database_url, redis_url)
    env.update(extra)
    done = run_hsl(["db", "upgrade"], env)
    assert done.returncode == 0, done.stderr
    demo = run_hsl(["demo", "--json"], env)
    assert demo.returncode == 0, demo.stderr
    result: dict[str, Any] = json.loads(demo.stdout)
    return env, result
