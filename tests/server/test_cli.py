"""The `hsl` command: demo data, and configuration errors that read as sentences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support import base_env, run_hsl


def test_demo_json_has_the_contract_shape(demo: dict[str, Any], env: dict[str, str]) -> None:
    assert isinstance(demo["meeting_id"], int)
    accounts = demo["accounts"]
    for who in ("moderator", "staff"):
        assert set(accounts[who]) >= {"username", "password", "name"}
    assert len(accounts["members"]) >= 8
    again = run_hsl(["demo", "--json"], env)
    assert json.loads(again.stdout) == demo


def test_a_bad_database_url_is_one_clear_message(tmp_path: Path) -> None:
    env = base_env(tmp_path, "mysql://root@127.0.0.1/hsl")
    done = run_hsl(["db", "upgrade"], env)
    assert done.returncode == 2
    assert "HSL_DATABASE_URL" in done.stderr and "不支持的数据库驱动" in done.stderr
    assert "Traceback" not in done.stderr
    env["HSL_DATABASE_URL"] = "::not a url::"
    done = run_hsl(["serve"], env)
    assert done.returncode == 2 and "无法解析数据库地址" in done.stderr


def test_several_workers_need_redis(tmp_path: Path) -> None:
    env = base_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    done = run_hsl(["serve", "--workers", "2"], env)
    assert done.returncode == 2 and "HSL_REDIS_URL" in done.stderr


def test_demo_if_empty_leaves_a_used_database_alone(
    env: dict[str, str], demo: dict[str, Any]
) -> None:
    done = run_hsl(["demo", "--if-empty"], env)
    assert done.returncode == 0 and "未载入" in done.stdout
