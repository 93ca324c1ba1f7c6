"""Moderation of public input beyond proposals: the office's sensitive words hold suggestions
too, anyone who can see an item may report it with a reason, and every decision the room's
staff take on the queue is in the audit log.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import bearer, login_token
from tests.topics.conftest import Cast, ok, proposed, village_approved


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _listed(http: httpx.AsyncClient, cast: Cast, word: str) -> None:
    now = await ok(await http.get("/api/moderation/words", headers=cast.county))
    await ok(
        await http.put(
            "/api/moderation/words", json={"words": [*now["words"], word]}, headers=cast.county
        )
    )


async def _audit(http: httpx.AsyncClient, cast: Cast) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await ok(await http.get("/api/audit", headers=cast.admin)))[
        "items"
    ]
    return items


async def _meeting(
    http: httpx.AsyncClient,
    cast: Cast,
    room_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    body = {
        "room_id": room_id or cast.township_room,
        "title": "意见征集会",
        "topic_title": "背街小巷整治",
        "starts_at": _later(3),
        "place": "党群服务中心",
        "mode": "hybrid",
    }
    return await ok(await http.post("/api/meetings", json=body, headers=headers or cast.staff), 201)


async def test_a_sensitive_word_holds_a_suggestion_until_the_staff_decide(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    word = f"黑恶{uuid.uuid4().hex[:4]}"
    await _listed(http, cast, word)
    meeting = await _meeting(http, cast)
    path = f"/api/meetings/{meeting['id']}/suggestions"
    held = await ok(
        await http.post(path, json={"text": f"巷口有{word}收保护费，要整治"}, headers=cast.staff),
        201,
    )
    assert held["held"] is True and held["theme_id"] is None
    plain = await ok(
        await http.post(path, json={"text": "背街小巷路灯不亮，晚上不安全"}, headers=cast.staff),
        201,
    )
    assert plain["held"] is False and plain["theme_id"] is not None
    shown = await ok(await http.get(path, headers=cast.staff))
    assert [s["id"] for s in shown["items"]] == [plain["suggestion_id"]]

    queue = await ok(await http.get("/api/moderation", headers=cast.staff))
    assert held["suggestion_id"] in [s["suggestion_id"] for s in queue["suggestions"]]
    # Another room's staff do not see it, and cannot decide it.
    other = await ok(await http.get("/api/moderation", headers=cast.village_staff))
    assert held["suggestion_id"] not in [s["suggestion_id"] for s in other["suggestions"]]
    decide = f"/api/moderation/suggestions/{held['suggestion_id']}"
    refused = await http.post(decide, json={"decision": "release"}, headers=cast.village_staff)
    assert refused.status_code == 403

    released = await ok(
        await http.post(
            decide, json={"decision": "release", "reason": "举报线索，可以展示"}, headers=cast.staff
        )
    )
    assert released["moderation"] == "released"
    shown = await ok(await http.get(path, headers=cast.staff))
    placed = {s["id"]: s for s in shown["items"]}
    assert placed[held["suggestion_id"]]["theme_id"] is not None
    again = await http.post(decide, json={"decision": "release"}, headers=cast.staff)
    assert again.status_code == 409

    second = await ok(
        await http.post(path, json={"text": f"{word}又来了"}, headers=cast.staff), 201
    )
    removing = f"/api/moderation/suggestions/{second['suggestion_id']}"
    no_reason = await http.post(removing, json={"decision": "remove"}, headers=cast.staff)
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["message"]
    await ok(
        await http.post(
            removing, json={"decision": "remove", "reason": "含辱骂内容"}, headers=cast.staff
        )
    )
    shown = await ok(await http.get(path, headers=cast.staff))
    assert second["suggestion_id"] not in [s["id"] for s in shown["items"]]

    log = await _audit(http, cast)
    actions = {(e["action"], e["target_id"]) for e in log}
    assert ("suggestion.release", held["suggestion_id"]) in actions
    assert ("suggestion.remove", second["suggestion_id"]) in actions
    assert any(e["action"] == "moderation.words" and word in e["details"]["added"] for e in log)

    # A suggestion anyone in the meeting can read may be reported; upheld, it leaves the board.
    report = await ok(
        await http.post(
            "/api/reports",
            json={
                "target_type": "suggestion",
                "target_id": plain["suggestion_id"],
                "reason": "与会议无关的广告",
            },
            headers=cast.staff,
        ),
        201,
    )
    await ok(
        await http.post(
            f"/api/moderation/reports/{report['report_id']}",
            json={"decision": "uphold", "reason": "确为广告"},
            headers=cast.staff,
        )
    )
    shown = await ok(await http.get(path, headers=cast.staff))
    assert plain["suggestion_id"] not in [s["id"] for s in shown["items"]]
    assert held["suggestion_id"] in [s["id"] for s in shown["items"]]


async def _noticed_village_topic(http: httpx.AsyncClient, cast: Cast, title: str) -> int:
    topic = await proposed(http, cast.village_staff, cast.village_room, title)
    tid: int = topic["topic_id"]
    await village_approved(http, cast, tid)
    await ok(
        await http.post(
            f"/api/topics/{tid}/notice",
            json={"meeting_at": _later(9), "place": "社区", "form": "in_room", "how_to_join": ""},
            headers=cast.village_staff,
        )
    )
    return tid


async def test_anyone_who_sees_a_notice_may_report_it_and_the_decision_is_logged(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    tid = await _noticed_village_topic(http, cast, f"社区广场舞噪音{uuid.uuid4().hex[:4]}")
    address = {"X-Forwarded-For": f"10.77.{uuid.uuid4().int % 250}.9"}
    body = {"target_type": "topic", "target_id": tid, "reason": "标题含有他人电话号码"}
    filed = await ok(await http.post("/api/reports", json=body, headers=address), 201)
    assert filed["status"] == "open"
    empty = await http.post("/api/reports", json={**body, "reason": " "}, headers=address)
    assert empty.status_code == 400

    # A proposal nobody outside the room can see cannot be reported by the public.
    hidden = await proposed(http, cast.village_staff, cast.village_room, "未公开的议题")
    unseen = await http.post(
        "/api/reports", json={**body, "target_id": hidden["topic_id"]}, headers=address
    )
    assert unseen.status_code == 404

    queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
    mine = next(r for r in queue["reports"] if r["report_id"] == filed["report_id"])
    assert mine["reporter"] == "公众" and mine["text"].startswith("社区广场舞噪音")
    elsewhere = await ok(await http.get("/api/moderation", headers=cast.staff))
    assert filed["report_id"] not in [r["report_id"] for r in elsewhere["reports"]]

    decide = f"/api/moderation/reports/{filed['report_id']}"
    assert (
        await http.post(decide, json={"decision": "uphold", "reason": "属实"}, headers=cast.staff)
    ).status_code == 403
    upheld = await ok(
        await http.post(
            decide,
            json={"decision": "uphold", "reason": "属实，标题泄露个人电话"},
            headers=cast.village_staff,
        )
    )
    assert upheld["status"] == "upheld"
    notices = await ok(await http.get("/api/public/notices"))
    assert tid not in [n["topic_id"] for n in notices["notices"]]
    record = await ok(await http.get(f"/api/topics/{tid}", headers=cast.village_staff))
    assert (
        record["timeline"][-1]["step"] == "moderated" and "泄露" in record["timeline"][-1]["note"]
    )
    twice = await http.post(
        decide, json={"decision": "dismiss", "reason": "重复"}, headers=cast.village_staff
    )
    assert twice.status_code == 409
    log = await _audit(http, cast)
    assert any(
        e["action"] == "report.uphold" and e["details"]["report_id"] == filed["report_id"]
        for e in log
    )


async def test_article_13_staff_screen_proposals_grouped_by_theme(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    parking = [
        await proposed(
            http,
            cast.village_staff,
            cast.village_room,
            "小区停车难，车位严重不足",
            description="晚上回家找不到车位，只能停在消防通道",
        ),
        await proposed(
            http,
            cast.village_staff,
            cast.village_room,
            "停车位太少，小区停车难问题",
            description="车位太少，车辆乱停在消防通道",
        ),
    ]
    drains = await proposed(
        http,
        cast.village_staff,
        cast.village_room,
        "雨季下水道堵塞积水严重",
        description="一下雨路面积水，下水道需要疏通",
    )
    listed = await ok(
        await http.get(
            f"/api/topics?room_id={cast.village_room}&status=proposed", headers=cast.village_staff
        )
    )
    themes = listed["themes"]
    assert themes and all(t["label"] for t in themes)
    grouped = [t["topic_ids"] for t in themes]
    assert sorted(i for ids in grouped for i in ids) == sorted(
        i["topic_id"] for i in listed["items"]
    )
    home = next(ids for ids in grouped if parking[0]["topic_id"] in ids)
    assert parking[1]["topic_id"] in home and drains["topic_id"] not in home


async def _on_roster(
    http: httpx.AsyncClient, cast: Cast, meeting_id: int, account: dict[str, str]
) -> None:
    people = await ok(await http.get("/api/people", headers=cast.admin))
    pid = next(p["id"] for p in people["items"] if p["username"] == account["username"])
    await ok(
        await http.post(
            f"/api/meetings/{meeting_id}/participants",
            json={"person_id": pid, "role": "participant"},
            headers=cast.admin,
        ),
        201,
    )


async def test_a_room_that_premoderates_holds_every_suggestion_and_one_report_per_person(
    http: httpx.AsyncClient, cast: Cast, server: str, demo: dict[str, Any]
) -> None:
    members = demo["accounts"]["members"]
    writer, reader, outsider = [bearer(await login_token(server, m)) for m in members[:3]]
    meeting = await _meeting(http, cast, room_id=cast.village_room, headers=cast.village_staff)
    for account in members[:2]:
        await _on_roster(http, cast, meeting["id"], account)
    path = f"/api/meetings/{meeting['id']}/suggestions"
    room = f"/api/rooms/{cast.village_room}"
    await ok(await http.patch(room, json={"premoderate": True}, headers=cast.admin))
    try:
        held = await ok(
            await http.post(path, json={"text": "社区路灯晚上不亮"}, headers=writer), 201
        )
        assert held["held"] is True
        mine = (await ok(await http.get(path, headers=writer)))["items"]
        assert [(s["text"], s["moderation"], s["mine"]) for s in mine] == [
            ("社区路灯晚上不亮", "held", True)
        ]
        assert (await ok(await http.get(path, headers=reader)))["items"] == []
        queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
        waiting = next(
            s for s in queue["suggestions"] if s["suggestion_id"] == held["suggestion_id"]
        )
        assert waiting["premoderated"] is True and waiting["words"] == []
        # Held, it cannot be reported: nobody but its writer sees it.
        body = {"target_type": "suggestion", "target_id": held["suggestion_id"], "reason": "广告"}
        assert (await http.post("/api/reports", json=body, headers=reader)).status_code == 404

        await ok(
            await http.post(
                f"/api/moderation/suggestions/{held['suggestion_id']}",
                json={"decision": "release"},
                headers=cast.village_staff,
            )
        )
        seen = (await ok(await http.get(path, headers=reader)))["items"]
        assert [(s["text"], s["name"], s["mine"]) for s in seen] == [
            ("社区路灯晚上不亮", "", False)
        ]

        # A second report by the same person while the first waits is refused, politely; a
        # resident off the roster, who does not see the board, cannot report at all.
        await ok(await http.post("/api/reports", json=body, headers=reader), 201)
        again = await http.post("/api/reports", json=body, headers=reader)
        assert again.status_code == 409 and "已经举报" in again.json()["error"]["message"]
        assert (await http.post("/api/reports", json=body, headers=outsider)).status_code == 404
        queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
        assert [
            r["reason"] for r in queue["reports"] if r["target_id"] == held["suggestion_id"]
        ] == ["广告"]
    finally:
        await ok(await http.patch(room, json={"premoderate": False}, headers=cast.admin))


async def test_the_queue_names_the_listed_word_that_held_a_suggestion(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    word = f"赌博{uuid.uuid4().hex[:4]}"
    await _listed(http, cast, word)
    meeting = await _meeting(http, cast)
    held = await ok(
        await http.post(
            f"/api/meetings/{meeting['id']}/suggestions",
            json={"text": f"楼下棋牌室疑似{word}"},
            headers=cast.staff,
        ),
        201,
    )
    queue = await ok(await http.get("/api/moderation", headers=cast.staff))
    waiting = next(s for s in queue["suggestions"] if s["suggestion_id"] == held["suggestion_id"])
    assert waiting["words"] == [word] and waiting["premoderated"] is False


async def test_bad_input_to_the_public_moderation_endpoints_is_refused_in_chinese(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    tid = await _noticed_village_topic(http, cast, f"社区菜场噪音{uuid.uuid4().hex[:4]}")
    address = {"X-Forwarded-For": f"10.78.{uuid.uuid4().int % 250}.9"}
    huge = {"target_type": "topic", "target_id": tid, "reason": "广" * 5000}
    for body in (
        huge,
        {**huge, "reason": "广告", "target_type": "meeting"},
        {**huge, "reason": "广告", "target_id": -1},
        {"target_type": "topic", "target_id": tid},
    ):
        refused = await http.post("/api/reports", json=body, headers=address)
        assert refused.status_code == 400, body
        message = refused.json()["error"]["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    # Script in a reason is kept as the text it is, for the staff to read.
    script = '<script>alert("x")</script>广告'
    filed = await ok(
        await http.post("/api/reports", json={**huge, "reason": script}, headers=address), 201
    )
    queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
    mine = next(r for r in queue["reports"] if r["report_id"] == filed["report_id"])
    assert mine["reason"] == script
    decide = f"/api/moderation/reports/{filed['report_id']}"
    too_long = await http.post(
        decide, json={"decision": "dismiss", "reason": "理" * 3000}, headers=cast.village_staff
    )
    assert too_long.status_code == 400
    await ok(
        await http.post(
            decide, json={"decision": "dismiss", "reason": "不属实"}, headers=cast.village_staff
        )
    )
