"""A topic's timeline goes on after its meeting (第十七—十九条): held when the meeting closes,
submitted with the outcome, adopted and implemented as its unit answers, closed at the last
feedback; the topic's page shows each step in order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.outcomes.conftest import HELD_AT, TRANSCRIPT, hold, unit_account
from tests.topics.conftest import Cast, ok, proposed


async def _topic(http: httpx.AsyncClient, cast: Cast, topic_id: int) -> dict[str, Any]:
    return await ok(await http.get(f"/api/topics/{topic_id}", headers=cast.staff))  # type: ignore[no-any-return]


async def test_the_timeline_continues_held_submitted_adopted_implemented_closed(
    http: httpx.AsyncClient, cast: Cast, server: str
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "菜市场门口占道经营整治")
    topic_id = topic["topic_id"]
    await ok(
        await http.post(
            f"/api/topics/{topic_id}/screen", json={"decision": "shortlist"}, headers=cast.staff
        )
    )
    await ok(
        await http.post(
            f"/api/topics/{topic_id}/review", json={"decision": "approve"}, headers=cast.reviewer
        )
    )
    meeting = await ok(
        await http.post(
            "/api/meetings",
            json={
                "room_id": cast.township_room,
                "topic_id": topic_id,
                "title": "菜市场门口占道经营整治协商会",
                "topic_title": "菜市场门口占道经营整治",
                "starts_at": HELD_AT.isoformat(),
                "place": "五星街道党群服务中心",
                "mode": "hybrid",
                "agenda": [
                    {"title": "占道经营", "rounds": [{"kind": "discussion", "title": "讨论"}]}
                ],
            },
            headers=cast.admin,
        ),
        201,
    )
    base = f"/api/meetings/{meeting['id']}"
    await hold(server, cast.admin["Authorization"][7:], meeting["id"])
    assert (await _topic(http, cast, topic_id))["status"] == "held"

    await ok(
        await http.post(
            f"{base}/transcript/import?filename=a.txt",
            content=TRANSCRIPT.encode(),
            headers=cast.admin,
        )
    )
    for kind in ("minutes", "recommendations"):
        draft = await ok(await http.post(f"{base}/{kind}", json={}, headers=cast.admin), 201)
        await ok(await http.post(f"{base}/{kind}/{draft['number']}/sign", headers=cast.admin))
    unit = await unit_account(http, server, cast.admin, "新兴镇")
    outcome = await ok(
        await http.post(
            f"{base}/outcome",
            json={
                "title": "占道经营整治协商建议",
                "recipients": ["五星街道办事处"],
                "items": [
                    {
                        "text": "划定临时摊位区域",
                        "unit_id": unit.unit_id,
                        "due_on": (date.today() + timedelta(days=10)).isoformat(),
                    }
                ],
            },
            headers=cast.staff,
        ),
        201,
    )
    assert (await _topic(http, cast, topic_id))["status"] == "submitted"

    path = f"/api/outcome-items/{outcome['items'][0]['id']}/records"
    for body in (
        {"kind": "decision", "decision": "adopted"},
        {"kind": "progress", "percent": 100, "note": "摊位区域已划定"},
        {"kind": "feedback", "note": "占道经营明显减少"},
    ):
        await ok(await http.post(path, json=body, headers=unit.headers), 201)
    after = await _topic(http, cast, topic_id)
    assert after["status"] == "closed"
    steps = [s["step"] for s in after["timeline"]]
    assert steps[-5:] == ["held", "submitted", "adopted", "implemented", "closed"], steps
    assert steps.index("approved") < steps.index("meeting") < steps.index("held")
