"""A burst of logins must not stall the server: password hashing runs off the event loop.

The server is our own (its own database), so the burst cannot trip the suite's login limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from server import passwords
from server.db.models import Person
from tests.conftest import bearer
from tests.support import ServerProcess, own_database, prepared_env

BURST = 14
QUESTIONS = 5


@pytest.fixture(scope="module")
def busy_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The server's address, its demo and its database's URL."""
    data_dir = tmp_path_factory.mktemp("login-burst")
    database_url = asyncio.run(own_database(data_dir, "login_burst"))
    env, demo = prepared_env(data_dir, database_url, HSL_LOGIN_ATTEMPTS_PER_MINUTE="100")
    server = ServerProcess(env, log=Path(data_dir) / "server.log")
    yield server.url, demo, database_url
    server.stop()


async def _login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await http.post("/api/auth/login", json={"username": username, "password": password})


async def test_the_server_answers_others_while_logins_are_checked(
    busy_server: tuple[str, dict[str, Any], str],
) -> None:
    url, demo, _ = busy_server
    member = demo["accounts"]["members"][0]
    limits = httpx.Limits(max_connections=BURST + QUESTIONS + 2)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        token = (await _login(http, member["username"], member["password"])).json()["token"]
        http.cookies.clear()  # the token is enough; a session cookie would ask for CSRF
        finished: list[str] = []

        async def wrong_login(n: int) -> int:
            r = await _login(http, member["username"], f"错误的密码{n}")
            finished.append("login")
            return r.status_code

        async def who_am_i() -> int:
            r = await http.get("/api/me", headers=bearer(token))
            finished.append("me")
            return r.status_code

        logins = [asyncio.create_task(wrong_login(n)) for n in range(BURST)]
        # The logins reach the server first (this orders the requests; nothing is timed).
        await asyncio.sleep(0.05)
        questions = [asyncio.create_task(who_am_i()) for _ in range(QUESTIONS)]
        assert await asyncio.gather(*logins) == [401] * BURST
        assert await asyncio.gather(*questions) == [200] * QUESTIONS
    # A password check takes far longer than /api/me. Off the event loop, every /api/me
    # asked during the burst is answered before the first check is done; on the loop,
    # they wait behind the checks.
    assert finished[:QUESTIONS] == ["me"] * QUESTIONS, finished


async def test_an_unknown_username_waits_for_a_password_check_too(
    busy_server: tuple[str, dict[str, Any], str],
) -> None:
    """Timing must not tell which usernames exist: an unknown one is checked like the rest.

    Several logins for a real name are sent first and queue for the password checks; a
    login for a name that does not exist, sent after them, must queue behind them too.
    """
    url, demo, _ = busy_server
    member = demo["accounts"]["members"][1]
    known_logins = 6
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        order: list[str] = []

        async def attempt(label: str, username: str) -> None:
            r = await _login(http, username, "不是这个密码")
            assert r.status_code == 401
            assert r.json()["error"]["message"] == "用户名或密码错误"
            order.append(label)

        known = [
            asyncio.create_task(attempt("known", member["username"])) for _ in range(known_logins)
        ]
        # Let the known logins reach the server first (ordering only; nothing is timed).
        await asyncio.sleep(0.1)
        unknown = asyncio.create_task(attempt("unknown", "没有这个人"))
        await asyncio.gather(*known, unknown)
    # Queued behind them all (logins pass a gate in turn, then wait for a password
    # process), it ends last or next to last; without its own check it would end as soon
    # as it passed the gate, with three of them still queued or being checked.
    assert order.index("unknown") >= known_logins - 1, order


def test_the_stand_in_hash_costs_what_a_real_one_does() -> None:
    """The hash unknown usernames are checked against has the hasher's own parameters."""
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)
    assert not passwords.needs_rehash(passwords.hash_now("任何一个密码"))


async def test_a_login_stores_a_hash_made_with_older_parameters_anew(
    busy_server: tuple[str, dict[str, Any], str],
) -> None:
    """A password hashed with four lanes (the earlier parameters) still lets its owner in,
    and that login stores it again with ours; the next login uses the new hash."""
    url, demo, database_url = busy_server
    member = demo["accounts"]["members"][1]
    older = PasswordHasher(parallelism=4).hash(member["password"])
    assert passwords.needs_rehash(older)
    engine = create_async_engine(database_url)
    of_member = Person.username == member["username"]
    try:
        async with engine.begin() as db:
            await db.execute(update(Person).where(of_member).values(password_hash=older))
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            first = await _login(http, member["username"], member["password"])
            assert first.status_code == 200, first.text
            async with engine.connect() as db:
                stored = await db.scalar(select(Person.password_hash).where(of_member))
            assert stored is not None and stored != older
            assert not passwords.needs_rehash(stored)
            assert passwords.verify_now(stored, member["password"])
            http.cookies.clear()
            again = await _login(http, member["username"], member["password"])
            assert again.status_code == 200, again.text
            http.cookies.clear()
            wrong = await _login(http, member["username"], "不是这个密码")
            assert wrong.status_code == 401
    finally:
        await engine.dispose()
