"""Fixtures that tell the user's story: a real server, the demo people, their clients.

The suite runs on SQLite by default and on PostgreSQL when HSL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
import socketio
from redis.exceptions import ConnectionError as RedisUnavailable
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import ServerProcess, base_env, run_hsl

PG_URL = os.environ.get("HSL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("HSL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
async def fresh_redis() -> None:
    """Presence counts live in Redis across runs; a new run starts from none."""
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except RedisUnavailable:
        pass  # tests that need Redis say so themselves
    finally:
        await client.aclose()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hsl-data")


@pytest.fixture(scope="session")
async def database_url(data_dir: Path) -> str:
    if PG_URL:
        await reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite+aiosqlite:///{data_dir / 'test.db'}"


@pytest.fixture(scope="session")
def env(data_dir: Path, database_url: str) -> dict[str, str]:
    environment = base_env(data_dir, database_url)
    done = run_hsl(["db", "upgrade"], environment)
    assert done.returncode == 0, done.stderr
    return environment


@pytest.fixture(scope="session")
def demo(env: dict[str, str]) -> dict[str, Any]:
    done = run_hsl(["demo", "--json"], env)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="session")
def server(env: dict[str, str], demo: dict[str, Any], data_dir: Path) -> Iterator[str]:
    proc = ServerProcess(env, log=data_dir / "server.log")
    yield proc.url
    proc.stop()


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


async def login_token(server: str, account: dict[str, str]) -> str:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        r = await client.post(
            "/api/auth/login",
            json={"username": account["username"], "password": account["password"]},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["token"]
        return token


@pytest.fixture(scope="session")
async def moderator_token(server: str, demo: dict[str, Any]) -> str:
    return await login_token(server, demo["accounts"]["moderator"])


@pytest.fixture(scope="session")
async def staff_token(server: str, demo: dict[str, Any]) -> str:
    return await login_token(server, demo["accounts"]["staff"])


@pytest.fixture(scope="session")
async def member_token(server: str, demo: dict[str, Any]) -> str:
    return await login_token(server, demo["accounts"]["members"][0])


@pytest.fixture(scope="session")
async def admin_token(server: str, demo: dict[str, Any]) -> str:
    return await login_token(server, demo["accounts"]["admin"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class LiveRefused(Exception):
    """The server refused a /live connection; `data` is what it said why."""

    def __init__(self, data: Any) -> None:
        super().__init__(str(data))
        self.data = data


async def live_client(server: str, auth: dict[str, str] | None) -> socketio.AsyncClient:
    """A python-socketio client connected to /live (raises LiveRefused when refused)."""
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[Any] = []
    client.on("connect_error", refusals.append, namespace="/live")
    try:
        await client.connect(
            server, namespaces=["/live"], auth=auth, transports=["websocket"], wait_timeout=10
        )
    except socketio.exceptions.ConnectionError:
        await client.disconnect()
        raise LiveRefused(refusals[0] if refusals else None) from None
    return client
