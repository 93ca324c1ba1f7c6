"""schemathesis against /api/openapi.json: generated requests to every operation of a real server.

Signed in as the demo staff; no answer may be a 5xx or differ from the documented schema.
The budget is HSL_FUZZ_EXAMPLES examples per operation (3 in `make test`, more in `make fuzz`).
The fuzzed server has its own database, since the requests change what they reach.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy.engine import make_url

from server import __version__
from server.http.framework import openapi_document
from server.http.routes import ENDPOINTS
from tests.conftest import reset_postgres
from tests.support import ServerProcess, base_env, run_hsl

EXAMPLES = int(os.environ.get("HSL_FUZZ_EXAMPLES", "3"))
# A scratch database of its own for `make fuzz` on PostgreSQL; its schema is dropped first.
DATABASE = os.environ.get("HSL_FUZZ_DATABASE_URL", "")


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx, except the documented 501 of speech recognition with no engine installed."""
    if response.status_code == 501 and b'"not_configured"' in response.content:
        return True
    result: bool | None = not_a_server_error(ctx, response, case)
    return result


CHECKS = [no_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory, demo: dict[str, Any], database_url: str
) -> Iterator[dict[str, Any]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    if DATABASE:
        asyncio.run(reset_postgres(DATABASE))
        env = base_env(data_dir, DATABASE)
        for args in (["db", "upgrade"], ["demo"]):
            done = run_hsl(args, env)
            assert done.returncode == 0, done.stderr
    else:
        # A copy of the suite's migrated demo database (SQLite's backup is consistent even
        # while the suite's server writes), which saves two start-ups of `hsl`.
        copy = data_dir / "fuzz.db"
        source = make_url(database_url).database if database_url.startswith("sqlite") else None
        if source is None:
            env = base_env(data_dir, f"sqlite+aiosqlite:///{copy}")
            for args in (["db", "upgrade"], ["demo"]):
                done = run_hsl(args, env)
                assert done.returncode == 0, done.stderr
        else:
            with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
                src.backup(dst)
            env = base_env(data_dir, f"sqlite+aiosqlite:///{copy}")
    proc = ServerProcess(env, log=data_dir / "server.log")
    staff = demo["accounts"]["staff"]
    r = httpx.post(
        proc.url + "/api/auth/login",
        json={"username": staff["username"], "password": staff["password"]},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    yield {"url": proc.url, "token": r.json()["token"], "log": data_dir / "server.log"}
    proc.stop()


# The document the server serves, built from the same endpoint list (checked equal below);
# loading it here lets the operations become test cases before any server runs.
DOCUMENT = openapi_document(ENDPOINTS, version=__version__)
# Signing out would end the very session the run is signed in with.
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(path="/api/auth/logout")


def test_the_fuzzed_document_is_the_one_served(fuzzed: dict[str, Any]) -> None:
    served = httpx.get(fuzzed["url"] + "/api/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(DOCUMENT))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_breaks_the_api(case: Any, fuzzed: dict[str, Any]) -> None:
    case.call_and_validate(
        base_url=fuzzed["url"],
        headers={"Authorization": f"Bearer {fuzzed['token']}"},
        checks=CHECKS,
        timeout=30,
    )
