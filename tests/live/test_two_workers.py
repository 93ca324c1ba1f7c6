"""Two workers on PostgreSQL and Redis: one queue and one unbroken seq for everyone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_URL, bearer
from tests.live.conftest import LiveUser, connect_user, new_person
from tests.support import ServerProcess, base_env, fresh_postgres, run_hsl


@pytest.fixture(scope="module")
def two_workers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    url = asyncio.run(fresh_postgres("two_workers"))
    data_dir = tmp_path_factory.mktemp("two-workers")
    env = base_env(data_dir, url, REDIS_URL)
    assert run_hsl(["db", "upgrade"], env).returncode == 0
    demo = json.loads(run_hsl(["demo", "--json"], env).stdout)
    first = ServerProcess(env, log=Path(data_dir) / "a.log")
    second = ServerProcess(env, log=Path(data_dir) / "b.log")
    yield first.url, second.url, demo
    first.stop()
    second.stop()


async def test_concurrent_hands_on_two_workers_make_one_queue(
    two_workers: tuple[str, str, dict[str, Any]],
) -> None:
    url_a, url_b, demo = two_workers
    async with httpx.AsyncClient(base_url=url_a, timeout=30) as http:
        admin = demo["accounts"]["admin"]
        token = (
            await http.post(
                "/api/auth/login",
                json={"username": admin["username"], "password": admin["password"]},
            )
        ).json()["token"]
        meeting = (
            await http.post(
                "/api/meetings",
                json={
                    "room_id": 1,
                    "title": "幸福村农村生活污水治理协商会",
                    "topic_title": "农村生活污水治理",
                    "starts_at": "2026-12-15T09:00:00+08:00",
                    "place": "幸福村党群服务站",
                    "mode": "hybrid",
                    "agenda": [
                        {
                            "title": "污水管网入户",
                            "rounds": [{"kind": "discussion", "title": "自由讨论"}],
                        }
                    ],
                },
                headers=bearer(token),
            )
        ).json()
        people = [
            ("潘国庆", "member", "moderator"),
            ("许文静", "member", "participant"),
            ("曹永福", "stakeholder", "participant"),
            ("彭丽娟", "official", "participant"),
            ("韦小军", "stakeholder", "participant"),
        ]
        users: list[LiveUser] = []
        for index, (name, category, role) in enumerate(people):
            person_id, user_token = await new_person(http, token, name, category)
            added = await http.post(
                f"/api/meetings/{meeting['id']}/participants",
                json={"person_id": person_id, "role": role},
                headers=bearer(token),
            )
            user = await connect_user(url_a if index % 2 == 0 else url_b, user_token, name)
            user.participant_id = str(added.json()["id"])
            users.append(user)
    moderator, members = users[0], users[1:]
    for user in users:
        await user.join(meeting["id"])
    item_id = str(meeting["agenda"][0]["id"])
    assert (await moderator.send("agenda.goto", {"item_id": item_id}))["ok"]
    assert (await moderator.send("round.start", {}))["ok"]
    acks = await asyncio.gather(*(m.send("hand.raise", {"kind": "speech"}) for m in members))
    assert all(a["ok"] for a in acks), acks
    seqs = sorted(a["seq"] for a in acks)
    assert len(set(seqs)) == len(seqs)  # every hand got its own place in the order
    last = seqs[-1]
    for user in users:
        await user.wait_for_seq(last)
        seen = sorted(s for s in user.events if s <= last)
        assert seen == list(range(seen[0], last + 1)), (user.name, seen)
    queues = []
    for user in (users[0], users[1]):  # one client on each worker
        snap = (await user.join(meeting["id"]))["snapshot"]
        queues.append([(e["entry_id"], e["participant_id"]) for e in snap["queue"]])
    assert queues[0] == queues[1]
    assert sorted(p for _, p in queues[0]) == sorted(m.participant_id for m in members)
    for user in users:
        for seq in range(1, last + 1):
            if seq in user.events and seq in members[0].events:
                assert user.events[seq] == members[0].events[seq]
        await user.client.disconnect()
