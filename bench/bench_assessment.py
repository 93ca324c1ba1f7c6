"""The yearly assessment dashboards at the scale of a province's rooms: 1,000 rooms with
20,000 held activities and 2,000 outcomes of three items each, in one year.

One worker on SQLite (or --postgres). The data are written straight into the database
after the migrations and the demo; then `GET /api/assessment?year=` and
`GET /api/assessment/dashboard?year=` are asked one after another, as the city's office
(every room) and as one county's office (100 rooms). Target: p99 under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

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
from server.auth import hash_password
from server.db.engine import Database
from server.db.models import Meeting, OrgUnit, Person, Room
from server.db.models_grants import RoleGrant
from server.db.models_outcomes import Outcome, OutcomeItem

TARGET_MS = 300
YEAR = 2026
COUNTIES, TOWNSHIPS = 10, 100  # 10 × 100 = 1,000 rooms
ACTIVITIES = 20_000
OUTCOMES = 2_000
OFFICE_PASSWORD = "bench-office-2026"


async def fill(database_url: str) -> None:
    """Write the rooms, meetings, outcomes and a county office account."""
    rng = random.Random(7)
    db = Database(database_url)
    try:
        async with db.session() as session:
            city = await session.scalar(select(OrgUnit.id).where(OrgUnit.level == "city"))
            counties = []
            for c in range(COUNTIES):
                unit = OrgUnit(name=f"基准县{c}", level="county", parent_id=city)
                session.add(unit)
                counties.append(unit)
            await session.flush()
            towns = [
                {"name": f"基准县{c}镇{t}", "level": "township", "parent_id": counties[c].id}
                for c in range(COUNTIES)
                for t in range(TOWNSHIPS)
            ]
            await session.execute(insert(OrgUnit), towns)
            town_ids = list(
                await session.scalars(
                    select(OrgUnit.id).where(OrgUnit.name.like("基准县%镇%")).order_by(OrgUnit.id)
                )
            )
            await session.execute(
                insert(Room),
                [
                    {"name": f"基准议事室{n}", "level": "township", "org_unit_id": unit_id}
                    for n, unit_id in enumerate(town_ids)
                ],
            )
            room_ids = list(
                await session.scalars(select(Room.id).where(Room.name.like("基准议事室%")))
            )
            start = datetime(YEAR, 1, 1, tzinfo=UTC)
            meetings = [
                {
                    "room_id": rng.choice(room_ids),
                    "title": f"基准协商会{n}",
                    "topic_title": "基准议题",
                    "starts_at": start + timedelta(minutes=rng.randrange(360 * 24 * 60)),
                    "place": "议事室",
                    "mode": "hybrid",
                    "status": "ended",
                    "settings": {},
                }
                for n in range(ACTIVITIES)
            ]
            for chunk in range(0, len(meetings), 2000):
                await session.execute(insert(Meeting), meetings[chunk : chunk + 2000])
            held = list(
                await session.execute(
                    select(Meeting.id, Meeting.room_id)
                    .where(Meeting.title.like("基准协商会%"))
                    .limit(OUTCOMES)
                )
            )
            serials: dict[int, int] = {}
            for meeting_id, room_id in held:
                serials[room_id] = serials.get(room_id, 0) + 1
                outcome = Outcome(
                    meeting_id=meeting_id,
                    room_id=room_id,
                    year=YEAR,
                    serial=serials[room_id],
                    title="基准协商成果",
                    recipients=["政府"],
                    report_version=1,
                    submitted_at=start,
                    submitted_by_name="基准",
                    items=[
                        OutcomeItem(
                            position=p,
                            text="基准建议",
                            unit_id=town_ids[0],
                            due_on=start.date(),
                            decision=rng.choice(["adopted", "partly_adopted", "not_adopted", None]),
                            progress=0,
                            published=False,
                            closed_at=start if rng.random() < 0.5 else None,
                        )
                        for p in (1, 2, 3)
                    ],
                )
                session.add(outcome)
            office = Person(
                username="bench_county_office",
                name="基准县政协",
                category="official",
                password_hash=hash_password(OFFICE_PASSWORD),
            )
            session.add(office)
            await session.flush()
            session.add(
                RoleGrant(person_id=office.id, role="cppcc_staff", org_unit_id=counties[0].id)
            )
            await session.commit()
    finally:
        await db.close()


def timed(url: str, token: str, n: int) -> list[float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    times = []
    for _ in range(n):
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as answer:
            json.loads(answer.read())
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="30 requests of each kind")
    ap.add_argument("--postgres", action="store_true", help="on PostgreSQL instead of SQLite")
    a = ap.parse_args()
    n = 30 if a.quick else 200
    env = hsl_env(fresh_postgres("hsl_bench_assessment") if a.postgres else None)
    demo = prepare(env)
    began = time.perf_counter()
    asyncio.run(fill(env["HSL_DATABASE_URL"]))
    print(f"data written in {time.perf_counter() - began:.1f} s", flush=True)
    port = free_port()
    rows = []
    worst = 0.0
    with hsl_server(env, port) as url:
        city = login(url, demo["accounts"]["admin"])
        county = login(url, {"username": "bench_county_office", "password": OFFICE_PASSWORD})
        for who, token, rooms in (("city", city, "1,005"), ("county", county, "100")):
            for path in ("/api/assessment", "/api/assessment/dashboard"):
                full = f"{url}{path}?year={YEAR}"
                timed(full, token, 3)  # warm the caches
                times = timed(full, token, n)
                p99 = percentile(times, 0.99)
                worst = max(worst, p99)
                rows.append(
                    [
                        f"{path} ({who}, {rooms} rooms)",
                        n,
                        f"{percentile(times, 0.5):.1f} ms",
                        f"{p99:.1f} ms",
                        f"{1000 * n / sum(times):.1f}",
                    ]
                )
    print_table(["what", "n", "p50", "p99", "per second"], rows)
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print(f"target p99 < {TARGET_MS} ms: {verdict} (worst p99 {worst:.1f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
