"""Votes on two workers with PostgreSQL and Redis: each counted once, none after the close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import REDIS_URL, bearer, login_token
from tests.live.conftest import LiveUser, connect_user, new_person
from tests.live.polls_support import Voter
from tests.support import ServerProcess, base_env, fresh_postgres, run_hsl

VOTERS = 8
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"


@pytest.fixture(scope="module")
def two_workers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    url = asyncio.run(fresh_postgres("polls_two_workers"))
    data_dir = tmp_path_factory.mktemp("polls-two-workers")
    env = base_env(data_dir, url, REDIS_URL)
    assert run_hsl(["db", "upgrade"], env).returncode == 0
    demo = json.loads(run_hsl(["demo", "--json"], env).stdout)
    first = ServerProcess(env, log=Path(data_dir) / "a.log")
    second = ServerProcess(env, log=Path(data_dir) / "b.log")
    yield first.url, second.url, url, demo
    first.stop()
    second.stop()


class Member:
    """One voter with a connection to each worker (a phone and a laptop)."""

    def __init__(self, on_a: Voter, on_b: Voter) -> None:
        self.on_a, self.on_b = on_a, on_b

    @property
    def participant_id(self) -> str:
        return self.on_a.participant_id


async def _meeting(
    url_a: str, url_b: str, demo: dict[str, Any]
) -> tuple[int, LiveUser, list[Member]]:
    async with httpx.AsyncClient(base_url=url_a, timeout=30) as http:
        admin = await login_token(url_a, demo["accounts"]["admin"])
        meeting = (
            await http.post(
                "/api/meetings",
                json={
                    "room_id": 1,
                    "title": "红星社区停车收费协商会",
                    "topic_title": "小区停车收费标准",
                    "starts_at": "2026-12-28T09:00:00+08:00",
                    "place": "红星社区党群服务中心",
                    "mode": "hybrid",
                    "agenda": [
                        {"title": "收费标准表决", "rounds": [{"kind": "vote", "title": "表决"}]}
                    ],
                },
                headers=bearer(admin),
            )
        ).json()
        people = [("潘国庆", "member", "moderator")] + [
            (
                f"{SURNAMES[i]}晓{'东南西北'[i % 4]}",
                "member" if i % 3 else "stakeholder",
                "participant",
            )
            for i in range(VOTERS)
        ]
        users: list[tuple[LiveUser, LiveUser]] = []
        for name, category, role in people:
            person_id, token = await new_person(http, admin, name, category)
            added = await http.post(
                f"/api/meetings/{meeting['id']}/participants",
                json={"person_id": person_id, "role": role},
                headers=bearer(admin),
            )
            pair = (await connect_user(url_a, token, name), await connect_user(url_b, token, name))
            for user in pair:
                user.participant_id = str(added.json()["id"])
                await user.join(meeting["id"])
            users.append(pair)
    moderator = users[0][0]
    members = [Member(Voter(a), Voter(b)) for a, b in users[1:]]
    return meeting["id"], moderator, members


async def _close(moderator: LiveUser, poll_id: str) -> dict[str, Any]:
    ack = await moderator.send("poll.close", {"poll_id": poll_id})
    assert ack["ok"], ack
    await moderator.wait_for_seq(ack["seq"])
    data: dict[str, Any] = moderator.events[ack["seq"]]["data"]
    return data


async def _stored(db_url: str, meeting_id: int, poll_id: str, *tables: str) -> list[int]:
    """How many rows each table holds for the poll."""
    engine = create_async_engine(db_url)
    where = {"m": meeting_id, "p": poll_id}
    try:
        async with engine.connect() as conn:
            counts = []
            for table in tables:
                query = f"SELECT count(*) FROM {table} WHERE meeting_id = :m AND poll_id = :p"
                counts.append((await conn.execute(text(query), where)).scalar_one())
            return counts
    finally:
        await engine.dispose()


async def test_votes_on_both_workers_are_counted_exactly_once(
    two_workers: tuple[str, str, str, dict[str, Any]],
) -> None:
    url_a, url_b, db_url, demo = two_workers
    meeting_id, moderator, members = await _meeting(url_a, url_b, demo)
    opened = await moderator.send(
        "poll.open",
        {"question": "是否同意按月收取停车管理费？", "kind": "yes_no_abstain", "secret": True},
    )
    assert opened["ok"], opened
    await moderator.wait_for_seq(opened["seq"])
    pid = moderator.events[opened["seq"]]["data"]["poll_id"]

    async def vote(index: int, member: Member) -> list[dict[str, Any]]:
        choice = "yes" if index % 3 else "no"
        command_id = f"vote-{index}"
        # The same command on both workers at once (a retry racing the original), and a
        # second tap with its own id: one vote must come of it.
        return list(
            await asyncio.gather(
                member.on_a.vote(pid, choice, id_=command_id),
                member.on_b.vote(pid, choice, id_=command_id),
                member.on_b.vote(pid, choice, id_=f"{command_id}-again"),
            )
        )

    results = await asyncio.gather(*(vote(i, m) for i, m in enumerate(members)))
    for same_a, same_b, again in results:
        assert same_a == same_b, (same_a, same_b)
        assert [same_a["ok"], again["ok"]].count(True) == 1, (same_a, again)
        refused = again if same_a["ok"] else same_a
        assert refused["error"]["code"] == "conflict"
    # Every client, on either worker, is told that all have voted (results stay hidden).
    for member in members:
        for voter in (member.on_a, member.on_b):
            tally = await voter.wait_tally(pid, lambda t: t["votes"] == VOTERS)
            assert tally["counts"] is None
    closed = await _close(moderator, pid)
    no = sum(1 for i in range(VOTERS) if i % 3 == 0)
    assert closed["result"]["counts"] == {"yes": VOTERS - no, "no": no, "abstain": 0}
    assert closed["result"]["votes"] == VOTERS
    assert await _stored(db_url, meeting_id, pid, "poll_voters", "poll_ballots") == [VOTERS] * 2

    # A close in the middle of a burst: what was acked is counted, what was not is not.
    opened = await moderator.send(
        "poll.open", {"question": "是否同意夜间免费停车？", "kind": "yes_no_abstain"}
    )
    await moderator.wait_for_seq(opened["seq"])
    pid = moderator.events[opened["seq"]]["data"]["poll_id"]

    async def late_vote(index: int, member: Member) -> dict[str, Any]:
        await asyncio.sleep(0.01 * index)
        return await (member.on_b if index % 2 else member.on_a).vote(pid, "yes")

    async def close_midway() -> dict[str, Any]:
        await asyncio.sleep(0.01 * VOTERS / 2)
        return await _close(moderator, pid)

    *acks, closed = await asyncio.gather(
        *(late_vote(i, m) for i, m in enumerate(members)), close_midway()
    )
    accepted = sum(1 for a in acks if a["ok"])
    assert all(a["ok"] or a["error"]["code"] == "conflict" for a in acks)
    assert closed["result"]["votes"] == closed["result"]["counts"]["yes"] == accepted
    assert await _stored(db_url, meeting_id, pid, "poll_named_votes") == [accepted]
    for member in members:
        await member.on_a.user.client.disconnect()
        await member.on_b.user.client.disconnect()
    await moderator.client.disconnect()
