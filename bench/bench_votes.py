"""Vote burst: N voters, each on their own /live connection, vote within one second.

One worker on SQLite (1,000 voters), then two workers on PostgreSQL and Redis (2,000, half
on each). Checks that every vote counts exactly once (the close's result and the rows),
and measures the time from the last vote to the final tally at every client, the vote
acks, and how many votes a second were stored.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
from sqlalchemy import func, select

from bench.harness import (
    free_port,
    fresh_postgres,
    hsl_env,
    hsl_server,
    login,
    percentile,
    prepare,
    print_table,
)
from bench.lean_client import LeanClient
from server.db.engine import Database
from server.db.models import AuthSession, MeetingParticipant, Person
from server.db.models_polls import PollBallot, PollVoter

REDIS = "redis://127.0.0.1:6379/12"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国海燕明德桂英伟强丽华秀兰志远美玲国华文静永福小军"


@dataclass
class Client:
    """One voter's connection: when it sent its vote, got the ack, saw each final tally."""

    sio: LeanClient
    voters: int
    sent: float = 0.0
    acked: float = 0.0
    ack: dict[str, Any] = field(default_factory=dict)
    finals: dict[str, float] = field(default_factory=dict)
    tallies: dict[str, int] = field(default_factory=dict)
    polls_seen: int = 0
    closed: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_tally(self, tally: dict[str, Any]) -> None:
        self.tallies[tally["poll_id"]] = self.tallies.get(tally["poll_id"], 0) + 1
        if tally.get("votes") == self.voters and tally["poll_id"] not in self.finals:
            self.finals[tally["poll_id"]] = time.perf_counter()
            self.changed.set()

    def on_poll_opened(self) -> None:
        self.polls_seen += 1
        self.changed.set()

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "poll.closed":
            self.closed[event["data"]["poll_id"]] = event["data"]
            self.changed.set()

    async def until(self, ready: Callable[[], bool], limit_s: float = 60) -> bool:
        """Whether `ready()` came true within `limit_s`."""

        async def wait() -> None:
            while not ready():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), limit_s)
        except TimeoutError:
            return False
        return True


async def make_voters(db_url: str, meeting_id: int, count: int) -> list[tuple[str, str]]:
    """Voters on the roster with login tokens, written straight to the database.

    Logging in a thousand people through the API would spend minutes hashing passwords;
    a login stores only the SHA-256 of its token, so the bench writes those rows itself.
    """
    db = Database(db_url)
    now = datetime.now(UTC)
    out: list[tuple[str, str]] = []
    async with db.session() as session:
        people = [
            Person(
                username=f"vote{uuid.uuid4().hex[:10]}",
                password_hash=None,
                name=f"{SURNAMES[i % 20]}{GIVEN[(i * 2) % 26 : (i * 2) % 26 + 2]}{i}",
                category="member" if i % 4 else "stakeholder",
            )
            for i in range(count)
        ]
        session.add_all(people)
        await session.flush()
        rows = [
            MeetingParticipant(meeting_id=meeting_id, person_id=p.id, category=p.category)
            for p in people
        ]
        session.add_all(rows)
        tokens = [secrets.token_urlsafe(32) for _ in people]
        session.add_all(
            AuthSession(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                csrf=secrets.token_urlsafe(16),
                person_id=p.id,
                created_at=now,
                expires_at=now + timedelta(hours=2),
            )
            for p, token in zip(people, tokens, strict=True)
        )
        await session.commit()
        out = [(str(r.id), t) for r, t in zip(rows, tokens, strict=True)]
    await db.close()
    return out


async def new_meeting(url: str, admin_token: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post(
            "/api/meetings",
            json={
                "room_id": 1,
                "title": "全区政协委员网络协商：老旧小区改造",
                "topic_title": "老旧小区改造",
                "starts_at": "2026-11-25T19:00:00+08:00",
                "place": "线上",
                "mode": "online",
                "agenda": [
                    {"title": "改造方案表决", "rounds": [{"kind": "vote", "title": "表决"}]}
                ],
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        r.raise_for_status()
        meeting_id: int = r.json()["id"]
        return meeting_id


async def connect(
    http: aiohttp.ClientSession, url: str, token: str, meeting_id: int, voters: int, chair: bool
) -> Client:
    client = Client(LeanClient(http), voters)
    client.sio.on("tally", client.on_tally)
    client.sio.on_text('"poll.opened"', client.on_poll_opened)
    if chair:
        client.sio.on("event", client.on_event)
    await client.sio.connect(url, {"token": token})
    ack = await client.sio.call("join", {"meeting_id": meeting_id})
    if not ack.get("ok"):
        raise SystemExit(f"join refused: {ack}")
    return client


async def command(client: Client, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    body = {"id": uuid.uuid4().hex, "type": type_, "data": data}
    ack: dict[str, Any] = await client.sio.call("command", body)
    if type_ != "vote.cast" and not ack.get("ok"):
        raise SystemExit(f"{type_} refused: {ack}")
    return ack


async def one_poll(
    clients: list[Client], chair: Client, poll_id: str, spread_s: float
) -> dict[str, Any]:
    """Open a poll, have every client vote (spread evenly over `spread_s`), close it."""
    voters = len(clients)
    await command(
        chair,
        "poll.open",
        {
            "question": "是否同意老旧小区改造方案？",
            "kind": "yes_no_abstain",
            "secret": True,
        },
    )
    # Voters vote once they see the poll. Each join was broadcast to everyone already
    # there, so the first poll also waits for that backlog to reach every client.
    number = int(poll_id[1:])
    ready = await asyncio.gather(
        *(c.until(lambda c=c: c.polls_seen >= number, 600) for c in clients)
    )
    if not all(ready):
        raise SystemExit("some clients never saw the poll")
    choices = ["yes", "yes", "no", "abstain"]
    t0 = time.perf_counter() + 0.2

    async def vote(index: int, client: Client) -> None:
        await asyncio.sleep(max(0.0, t0 + spread_s * index / voters - time.perf_counter()))
        client.sent = time.perf_counter()
        client.ack = await command(
            client, "vote.cast", {"poll_id": poll_id, "choice": choices[index % 4]}
        )
        client.acked = time.perf_counter()

    await asyncio.gather(*(vote(i, c) for i, c in enumerate(clients)))
    everyone = [*clients, chair]
    await asyncio.gather(*(c.until(lambda c=c: poll_id in c.finals, 30) for c in everyone))
    await command(chair, "poll.close", {"poll_id": poll_id})
    if not await chair.until(lambda: poll_id in chair.closed):
        raise SystemExit("the close never arrived")
    result = chair.closed[poll_id]["result"]
    first_sent = min(c.sent for c in clients)
    last_sent = max(c.sent for c in clients)
    seen = [c.finals[poll_id] for c in everyone if poll_id in c.finals]
    return {
        "voters": voters,
        "refused": sum(1 for c in clients if not c.ack.get("ok")),
        "counted": result["votes"],
        "counts_add_up": sum(result["counts"].values()) == result["votes"],
        "ack_ms": [1000 * (c.acked - c.sent) for c in clients],
        "final_ms": [1000 * (f - last_sent) for f in seen],
        "missing_final": len(everyone) - len(seen),
        "votes_per_s": voters / (max(c.acked for c in clients) - first_sent),
        "end_to_end_s": (max(seen) - first_sent) if seen else float("nan"),
        "send_span_s": last_sent - first_sent,
        "tallies": max(c.tallies.get(poll_id, 0) for c in everyone),
    }


async def burst(
    urls: list[str], db_url: str, admin_token: str, moderator_token: str, voters: int
) -> list[dict[str, Any]]:
    meeting_id = await new_meeting(urls[0], admin_token)
    roster = await make_voters(db_url, meeting_id, voters)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        gate = asyncio.Semaphore(40)

        async def up(index: int, token: str) -> Client:
            async with gate:
                url = urls[index % len(urls)]
                return await connect(http, url, token, meeting_id, voters, chair=False)

        clients = await asyncio.gather(*(up(i, tok) for i, (_, tok) in enumerate(roster)))
        connect_s = time.perf_counter() - started
        # The demo's moderator holds a grant over room 1, so may run this meeting's polls.
        chair = await connect(http, urls[0], moderator_token, meeting_id, voters, chair=True)
        runs = []
        for number, spread in enumerate((1.0, 0.0), 1):
            poll_id = f"p{number}"
            run = await one_poll(clients, chair, poll_id, spread)
            stored = await stored_rows(db_url, meeting_id, poll_id)
            run.update(
                stored=stored,
                connect_s=round(connect_s, 1),
                exactly_once=run["counted"] == voters == stored[0] == stored[1]
                and not run["refused"]
                and run["counts_add_up"],
            )
            runs.append(run)
        await asyncio.gather(*(c.sio.close() for c in [*clients, chair]))
    return runs


async def stored_rows(db_url: str, meeting_id: int, poll_id: str) -> tuple[int, int]:
    db = Database(db_url)
    async with db.session() as session:
        counts = []
        for table in (PollVoter, PollBallot):
            counts.append(
                await session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.meeting_id == meeting_id, table.poll_id == poll_id)
                )
                or 0
            )
    await db.close()
    return counts[0], counts[1]


def measure(env: dict[str, str], workers: int, voters: int) -> list[dict[str, Any]]:
    demo = prepare(env)
    with ExitStack() as stack:
        urls = [stack.enter_context(hsl_server(env, free_port())) for _ in range(workers)]
        admin = login(urls[0], demo["accounts"]["admin"])
        moderator = login(urls[0], demo["accounts"]["moderator"])
        return asyncio.run(burst(urls, env["HSL_DATABASE_URL"], admin, moderator, voters))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100 voters, and 200 on two workers")
    ap.add_argument("--voters", type=int, default=1000, help="voters on one worker")
    a = ap.parse_args()
    one = 100 if a.quick else a.voters
    setups = [
        ("1 worker, SQLite", measure(hsl_env(), 1, one)),
        (
            "2 workers, PostgreSQL + Redis",
            measure(hsl_env(fresh_postgres("hsl_bench_votes"), REDIS), 2, 2 * one),
        ),
    ]
    rows, checks = [], []
    for label, runs in setups:
        for pace, r in zip(("within 1 s", "all at once"), runs, strict=True):
            name = f"{label}, {pace}"
            rows += [
                [name, "vote acked (sent → ack), ms", r["voters"], *_spread(r["ack_ms"]), ""],
                [
                    name,
                    "last vote sent → final tally, each client, ms",
                    len(r["final_ms"]),
                    *_spread(r["final_ms"]),
                    "",
                ],
                [name, "votes stored and acked", r["voters"], "", "", round(r["votes_per_s"])],
            ]
            checks.append(
                [
                    name,
                    r["voters"],
                    round(r["send_span_s"], 2),
                    round(r["end_to_end_s"], 2),
                    r["counted"],
                    f"{r['stored'][0]}/{r['stored'][1]}",
                    r["refused"],
                    r["missing_final"],
                    r["exactly_once"],
                    r["tallies"],
                    r["connect_s"],
                ]
            )
    print_table(["setup", "what", "n", "p50", "p99", "per second"], rows)
    print()
    print_table(
        [
            "setup",
            "voters",
            "votes sent over s",
            "first vote → every client final s",
            "counted",
            "voter/ballot rows",
            "refused",
            "no final tally",
            "exactly once",
            "tallies a client got",
            "connect s",
        ],
        checks,
    )
    ok = all(r["exactly_once"] and not r["missing_final"] for _, runs in setups for r in runs)
    return 0 if ok else 1


def _spread(values: list[float]) -> list[float]:
    return [round(percentile(values, 0.5), 1), round(percentile(values, 0.99), 1)]


if __name__ == "__main__":
    sys.exit(main())
