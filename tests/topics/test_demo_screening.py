"""The demo data shows screening and public input at work (第十三条, 第十四条): an open
questionnaire on /public with answers in, a forum's conclusion on a proposal's timeline, and a
noticed topic with one comment shown and one held in the moderation queue."""

from __future__ import annotations

from typing import Any

import httpx

from server.demo_screening import HEARING_PLACE, HELD_COMMENT, QUESTIONNAIRE, SHOWN_COMMENT
from tests.conftest import bearer


async def ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


async def _topic(http: httpx.AsyncClient, staff: dict[str, str], title: str) -> dict[str, Any]:
    listed = (await ok(await http.get("/api/topics", headers=staff)))["items"]
    # The demo's own (the first made), not one a test made with the same title.
    found = min((t for t in listed if t["title"] == title), key=lambda t: t["topic_id"])
    return await ok(await http.get(f"/api/topics/{found['topic_id']}", headers=staff))


async def test_the_demo_seeds_a_questionnaire_a_hearing_and_public_comments(
    http: httpx.AsyncClient, staff_token: str
) -> None:
    staff = bearer(staff_token)

    portal = await ok(await http.get("/api/public/portal"))
    call = next(c for c in portal["calls"] if c["title"] == QUESTIONNAIRE)
    assert call["kind"] == "questionnaire"
    shortlist = {s["title"] for s in call["shortlist"]}
    assert shortlist == {"解放路菜场门口雨天积水", "公交站台增设遮雨棚"}
    assert [q["kind"] for q in call["questions"]] == ["rank", "multiple", "text"]
    assert call["questions"][1]["max_choices"] == 2
    results = await ok(await http.get(f"/api/questionnaires/{call['call_id']}", headers=staff))
    assert results["respondents"] >= 3 and results["recorded_at"] is None
    rank = results["results"][0]
    assert sum(t["first"] for t in rank["topics"]) == results["respondents"]

    charging = await _topic(http, staff, "小区电动车充电难")
    heard = [s for s in charging["timeline"] if s["step"] == "heard"]
    assert heard and HEARING_PLACE in heard[0]["note"] and "建议列入" in heard[0]["note"]
    (hearing,) = charging["hearings"]
    assert hearing["kind"] == "forum" and len(hearing["participants"]) == 4
    assert [c["conclusion"] for c in hearing["conclusions"]] == ["support"]

    lift = await _topic(http, staff, "老旧小区加装电梯")
    notices = (await ok(await http.get("/api/public/notices")))["notices"]
    assert next(n for n in notices if n["topic_id"] == lift["topic_id"])["comments"] >= 1
    shown = await ok(await http.get(f"/api/public/notices/{lift['topic_id']}/comments"))
    texts = [c["text"] for c in shown["comments"]]
    assert SHOWN_COMMENT in texts and HELD_COMMENT not in texts
    queue = await ok(await http.get("/api/moderation", headers=staff))
    held = next(c for c in queue["comments"] if c["text"] == HELD_COMMENT)
    assert held["topic_id"] == lift["topic_id"] and "代开发票" in held["held_reason"]
