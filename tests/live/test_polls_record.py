"""What a poll leaves behind: secret ballots nothing can trace, the record, the CSV export."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tests.conftest import bearer
from tests.live.polls_support import (
    Person,
    PollMeeting,
    close_poll,
    disconnect_all,
    make_people,
    open_poll,
    poll_meeting,
)


@pytest.fixture(scope="module")
async def poll_people(server: str, admin_token: str) -> list[Person]:
    return await make_people(server, admin_token)


@pytest.fixture
async def room(
    server: str, admin_token: str, poll_people: list[Person]
) -> AsyncIterator[PollMeeting]:
    meeting = await poll_meeting(server, admin_token, poll_people, title="南湖村道路硬化协商会")
    yield meeting
    await disconnect_all(meeting)


def as_json(value: object) -> str:
    """A JSON column as text (SQLite hands it back as text, PostgreSQL as a dict)."""
    return value if isinstance(value, str) else json.dumps(value)


async def of_poll(
    conn: AsyncConnection, columns: str, table: str, where: dict[str, object]
) -> list[Row[Any]]:
    query = f"SELECT {columns} FROM {table} WHERE meeting_id = :m AND poll_id = :p"
    return list((await conn.execute(text(query), where)).all())


async def test_a_secret_ballot_cannot_be_joined_to_its_voter(
    room: PollMeeting, database_url: str
) -> None:
    gao, lin, he, wu, zheng = room.voters
    poll = await open_poll(
        gao.user, question="是否同意村道拓宽占用部分自留地？", kind="yes_no_abstain", secret=True
    )
    pid = poll["poll_id"]
    choices = [(zheng, "no"), (gao, "yes"), (wu, "abstain"), (lin, "yes"), (he, "no")]
    for voter, choice in choices:
        assert (await voter.vote(pid, choice))["ok"]
    closed = await close_poll(gao.user, pid)
    assert closed["result"]["counts"] == {"yes": 2, "no": 2, "abstain": 1}
    assert closed["named"] is None
    assert sorted(closed["voters"]) == sorted(v.participant_id for v, _ in choices)

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {
                    t: {col["name"]: str(col["type"]) for col in inspect(c).get_columns(t)}
                    for t in ("poll_voters", "poll_ballots")
                }
            )
            # Who voted, and what was chosen: the only columns they share name the poll.
            assert set(columns["poll_voters"]) == {"meeting_id", "poll_id", "participant_id"}
            assert set(columns["poll_ballots"]) == {"ballot_id", "meeting_id", "poll_id", "choice"}
            assert set(columns["poll_voters"]) & set(columns["poll_ballots"]) == {
                "meeting_id",
                "poll_id",
            }
            where = {"m": room.meeting_id, "p": pid}
            ballots = await of_poll(conn, "ballot_id, choice", "poll_ballots", where)
            voters = await of_poll(conn, "participant_id", "poll_voters", where)
            assert len(ballots) == len(voters) == 5
            # A ballot's key is random (UUID version 4): it orders nothing.
            assert all(uuid.UUID(b.ballot_id).version == 4 for b in ballots)
            if conn.dialect.name == "sqlite":
                # No hidden rowid either, which would number the rows as they were written.
                for table in ("poll_voters", "poll_ballots"):
                    with pytest.raises(DBAPIError):
                        await conn.execute(text(f"SELECT rowid FROM {table}"))
            else:
                # The close wrote every ballot again in one transaction, in random order:
                # the transaction that wrote a ballot no longer matches its voter's.
                ballot_xids = await of_poll(conn, "DISTINCT xmin::text", "poll_ballots", where)
                voter_xids = await of_poll(conn, "DISTINCT xmin::text", "poll_voters", where)
                ballot_set = {x for (x,) in ballot_xids}
                voter_set = {x for (x,) in voter_xids}
                assert len(ballot_set) == 1 and not ballot_set & voter_set
            # The event log and the stored acks hold no choice and no vote of this poll.
            rows = await conn.execute(
                text("SELECT type, data FROM meeting_events WHERE meeting_id = :m"),
                {"m": room.meeting_id},
            )
            for type_, data in rows:
                assert type_ != "vote.accepted"
                assert '"choice"' not in as_json(data)
            acks = await conn.execute(
                text("SELECT ack FROM meeting_commands WHERE meeting_id = :m"),
                {"m": room.meeting_id},
            )
            assert all('"choice"' not in as_json(ack) for (ack,) in acks)
    finally:
        await engine.dispose()


async def test_the_record_and_the_csv_export_say_who_chose_what_only_when_named(
    server: str, room: PollMeeting, poll_people: list[Person]
) -> None:
    gao, lin, he, wu, _ = room.voters
    named = await open_poll(
        gao.user,
        question="道路硬化采用哪种材料？",
        kind="single",
        options=["水泥混凝土", "沥青"],
    )
    for voter, choice in ((gao, "o1"), (lin, "o2"), (he, "o1")):
        assert (await voter.vote(named["poll_id"], choice))["ok"]
    await close_poll(gao.user, named["poll_id"])
    secret = await open_poll(
        gao.user, question="是否同意筹资方案？", kind="yes_no_abstain", secret=True
    )
    for voter, choice in ((lin, "yes"), (wu, "no")):
        assert (await voter.vote(secret["poll_id"], choice))["ok"]
    await close_poll(gao.user, secret["poll_id"])

    moderator = next(p.token for p in poll_people if p.name == "高志远")
    member = next(p.token for p in poll_people if p.name == "林美玲")
    base = f"/api/meetings/{room.meeting_id}/polls"
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.get(f"{base}/{named['poll_id']}/result.csv", headers=bearer(moderator))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith("\ufeff".encode())  # so that Excel reads it as UTF-8
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert ["表决事项", "道路硬化采用哪种材料？"] in rows
        assert ["水泥混凝土", "2"] in rows and ["沥青", "1"] in rows
        assert ["林美玲", "委员", "沥青", ""] in rows
        assert ["何建军", "利益相关方代表", "水泥混凝土", ""] in rows

        r = await http.get(f"{base}/{secret['poll_id']}/result.csv", headers=bearer(moderator))
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert ["已投票的参会人", "类别"] in rows and ["吴秀兰", "委员"] in rows
        assert ["记名方式", "无记名"] in rows
        assert not any("选择" in cell for row in rows for cell in row)

        refused = await http.get(f"{base}/{named['poll_id']}/result.csv", headers=bearer(member))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        missing = await http.get(f"{base}/p999/result.csv", headers=bearer(moderator))
        assert missing.status_code == 404

        record = (await http.get(base, headers=bearer(moderator))).json()["items"]
    assert [p["poll_id"] for p in record] == [named["poll_id"], secret["poll_id"]]
    assert record[0]["result"]["counts"] == {"o1": 2, "o2": 1}
    assert {v["name"]: v["choice"] for v in record[0]["voters"]} == {
        "高志远": "o1",
        "林美玲": "o2",
        "何建军": "o1",
    }
    assert all("choice" not in v for v in record[1]["voters"])
    assert record[1]["result"]["passed"] is False  # 1 of 2 is not more than half
