"""The demo data has an outcome that looks lived-in: last month's street-lights meeting, its
items adopted and implemented (with a photo on the progress, published), partly adopted,
not adopted with a reason, and one overdue; /public and the county's dashboard show it."""

from __future__ import annotations

from typing import Any

import httpx

from server.demo_outcomes import ITEMS, TITLE
from tests.conftest import bearer, login_token
from tests.outcomes.conftest import ok


async def test_the_demo_seeds_an_outcome_in_every_state(
    http: httpx.AsyncClient, server: str, demo: dict[str, Any], staff_token: str
) -> None:
    staff = bearer(staff_token)
    meetings = (await ok(await http.get("/api/meetings", headers=staff)))["items"]
    held = next(m for m in meetings if m["title"] == "五星街道背街小巷路灯维修协商议事会")
    outcome = await ok(await http.get(f"/api/meetings/{held['id']}/outcome", headers=staff))
    assert outcome["title"] == TITLE and outcome["topic_id"] is not None
    assert [i["text"] for i in outcome["items"]] == [text for text, _, _ in ITEMS]
    done, patrol, hotline, late = outcome["items"]

    assert (done["decision"], done["progress"], done["published"]) == ("adopted", 100, True)
    assert done["closed_at"] is not None and done["feedback"]
    photos = [a for r in done["records"] if r["kind"] == "progress" for a in r["attachments"]]
    assert [p["filename"] for p in photos] == ["修复后的建军巷路灯.png"]
    photo = await http.get(photos[0]["url"], headers=staff)
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")

    assert patrol["decision"] == "partly_adopted" and patrol["decision_reason"]
    assert 0 < patrol["progress"] < 100 and not patrol["overdue"]
    assert hotline["decision"] == "not_adopted" and "12345" in hotline["decision_reason"]
    assert "explanation" in [r["kind"] for r in hotline["records"]]
    assert late["decision"] is None and late["overdue"]

    public = (await ok(await http.get("/api/public/outcomes")))["outcomes"]
    shown = next(o for o in public if o["outcome_id"] == outcome["id"])
    assert [i["text"] for i in shown["items"]] == [done["text"]]

    county = bearer(await login_token(server, demo["accounts"]["county"]))
    year = outcome["code"].split("〔")[1][:4]  # the year it was submitted in
    dash = await ok(await http.get(f"/api/assessment/dashboard?year={year}", headers=county))
    room = next(r for r in dash["rooms"] if r["room_id"] == held["room_id"])
    assert room["outcomes"] >= 1 and room["adopted"] >= 2 and room["implemented"] >= 1
