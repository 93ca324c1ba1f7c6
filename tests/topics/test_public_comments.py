"""The public's comments on a topic under notice (第十四条: the notice says how to take part),
through the real API: anyone may comment behind the public forms' guard, the office's
sensitive words and the room's pre-moderation hold a comment for the moderation queue, reports
of abuse take one down, and what was typed comes back as text.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.topics.conftest import Cast, ok, proposed, village_approved


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _address() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.17"}


async def _noticed(http: httpx.AsyncClient, cast: Cast, title: str) -> dict[str, Any]:
    """A village topic approved and under notice (a village room needs no county filing)."""
    topic = await proposed(http, cast.village_staff, cast.village_room, title)
    await village_approved(http, cast, topic["topic_id"])
    noticed: dict[str, Any] = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/notice",
            json={
                "meeting_at": _later(9),
                "place": "社区服务中心",
                "form": "in_room",
                "how_to_join": "到场旁听，或在公开页面留言",
            },
            headers=cast.village_staff,
        )
    )
    return noticed


def _path(topic: dict[str, Any]) -> str:
    return f"/api/public/notices/{topic['topic_id']}/comments"


async def _words(http: httpx.AsyncClient, cast: Cast, change: Any) -> None:
    now = (await ok(await http.get("/api/moderation/words", headers=cast.county)))["words"]
    await ok(
        await http.put("/api/moderation/words", json={"words": change(now)}, headers=cast.county)
    )


async def test_article_14_anyone_comments_on_a_noticed_topic_and_it_is_counted_as_text(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await _noticed(http, cast, "社区菜场早市占道")
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>早市可以挪到广场'
    sent = await ok(
        await http.post(_path(topic), json={"name": "张大爷", "text": script}, headers=_address()),
        201,
    )
    assert sent["held"] is False
    anonymous = await ok(
        await http.post(_path(topic), json={"text": "支持，早上太堵了"}, headers=_address()), 201
    )
    listed = await ok(await http.get(_path(topic)))
    assert [(c["name"], c["text"]) for c in listed["comments"]] == [
        ("张大爷", script),  # kept exactly as typed; the page shows it as text
        ("居民", "支持，早上太堵了"),
    ]
    assert anonymous["comment_id"] == listed["comments"][1]["comment_id"]
    notices = await ok(await http.get("/api/public/notices"))
    shown = next(n for n in notices["notices"] if n["topic_id"] == topic["topic_id"])
    assert shown["comments"] == 2
    # The room's staff see them on the topic's page.
    page = await ok(await http.get(f"/api/topics/{topic['topic_id']}", headers=cast.village_staff))
    assert [c["text"] for c in page["public_comments"]] == [script, "支持，早上太堵了"]

    # Only a topic under notice takes comments: not one still being screened.
    draft = await proposed(http, cast.village_staff, cast.village_room, "社区路灯")
    refused = await http.post(_path(draft), json={"text": "路灯不亮"}, headers=_address())
    assert refused.status_code == 404
    assert (await http.get(_path(draft))).status_code == 404
    empty = await http.post(_path(topic), json={"text": "   "}, headers=_address())
    assert empty.status_code == 400
    too_long = await http.post(_path(topic), json={"text": "长" * 501}, headers=_address())
    assert too_long.status_code == 400


async def test_a_retried_comment_with_the_same_client_key_is_kept_once(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await _noticed(http, cast, "社区快递柜乱收费")
    key, other = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"name": "李阿姨", "text": "超时费太贵了", "client_id": key}
    address = _address()
    first = await ok(await http.post(_path(topic), json=body, headers=address), 201)
    # The network dropped the answer; the page sends the same comment again with its key, from
    # the same address and without a challenge: the first comment comes back, nothing is added.
    again = await ok(await http.post(_path(topic), json=body, headers=address), 201)
    assert again == first
    listed = await ok(await http.get(_path(topic)))
    assert [c["comment_id"] for c in listed["comments"]] == [first["comment_id"]]
    # Another key is another comment, even with the same words.
    second = await ok(
        await http.post(_path(topic), json={**body, "client_id": other}, headers=_address()), 201
    )
    assert second["comment_id"] != first["comment_id"]
    listed = await ok(await http.get(_path(topic)))
    assert [c["comment_id"] for c in listed["comments"]] == [
        first["comment_id"],
        second["comment_id"],
    ]
    # A key is a UUID; anything else is refused before it is stored.
    bad = await http.post(_path(topic), json={**body, "client_id": "1"}, headers=_address())
    assert bad.status_code == 400


async def test_article_14_a_flood_of_comments_from_one_address_meets_the_challenge_then_the_limit(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await _noticed(http, cast, "社区停车收费")
    address = _address()
    body = {"text": "收费太高"}
    first = await http.post(_path(topic), json=body, headers=address)
    assert first.status_code == 201, first.text
    second = await http.post(_path(topic), json=body, headers=address)
    assert second.status_code == 400 and second.json()["error"]["field"] == "challenge"
    challenge = await ok(await http.get("/api/public/challenge"))
    a, b = (int(x) for x in challenge["question"].split(" 等于")[0].split(" 加 "))
    answered = await http.post(
        _path(topic),
        json={**body, "challenge": {"token": challenge["token"], "answer": str(a + b)}},
        headers=address,
    )
    assert answered.status_code == 201, answered.text
    statuses = [
        (await http.post(_path(topic), json=body, headers=address)).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429
    listed = await ok(await http.get(_path(topic)))
    assert len(listed["comments"]) == 2  # the refused tries left nothing behind


async def test_article_14_a_sensitive_word_holds_a_comment_for_the_moderation_queue(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    word = f"辱骂{uuid.uuid4().hex[:4]}"
    await _words(http, cast, lambda now: [*now, word])
    try:
        topic = await _noticed(http, cast, "社区垃圾分类")
        held = await ok(
            await http.post(_path(topic), json={"text": f"这里有{word}"}, headers=_address()), 201
        )
        assert held["held"] is True
        assert (await ok(await http.get(_path(topic))))["comments"] == []
        queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
        item = next(c for c in queue["comments"] if c["comment_id"] == held["comment_id"])
        assert word in item["held_reason"]
        other = await ok(await http.get("/api/moderation", headers=cast.staff))
        assert held["comment_id"] not in [c["comment_id"] for c in other["comments"]]
        decide = f"/api/moderation/comments/{held['comment_id']}"
        refused = await http.post(decide, json={"decision": "release"}, headers=cast.staff)
        assert refused.status_code == 403
        page = await ok(
            await http.get(f"/api/topics/{topic['topic_id']}", headers=cast.village_staff)
        )
        assert page["public_comments"][0]["moderation"] == "held"
        await ok(
            await http.post(
                decide,
                json={"decision": "release", "reason": "说的是现象"},
                headers=cast.village_staff,
            )
        )
        assert len((await ok(await http.get(_path(topic))))["comments"]) == 1
        again = await http.post(decide, json={"decision": "remove"}, headers=cast.village_staff)
        assert again.status_code == 409
        log = await ok(await http.get("/api/audit", headers=cast.admin))
        assert any(
            e["action"] == "comment.release" and e["target_id"] == held["comment_id"]
            for e in log["items"]
        )
    finally:
        await _words(http, cast, lambda now: [w for w in now if w != word])


async def test_article_14_a_room_that_premoderates_holds_every_comment(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    room = f"/api/rooms/{cast.village_room}"
    await ok(await http.patch(room, json={"premoderate": True}, headers=cast.admin))
    try:
        topic = await _noticed(http, cast, "社区健身器材")
        held = await ok(
            await http.post(_path(topic), json={"text": "器材坏了"}, headers=_address()), 201
        )
        assert held["held"] is True
        decide = f"/api/moderation/comments/{held['comment_id']}"
        no_reason = await http.post(decide, json={"decision": "remove"}, headers=cast.village_staff)
        assert no_reason.status_code == 400 and no_reason.json()["error"]["field"] == "reason"
        await ok(
            await http.post(
                decide,
                json={"decision": "remove", "reason": "与议题无关"},
                headers=cast.village_staff,
            )
        )
        assert (await ok(await http.get(_path(topic))))["comments"] == []
    finally:
        await ok(await http.patch(room, json={"premoderate": False}, headers=cast.admin))


async def test_a_report_of_abuse_on_a_comment_takes_it_down_when_upheld(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await _noticed(http, cast, "社区宠物管理")
    sent = await ok(
        await http.post(_path(topic), json={"text": "楼上那家人就是素质差"}, headers=_address()),
        201,
    )
    report = await ok(
        await http.post(
            "/api/reports",
            json={"target_type": "comment", "target_id": sent["comment_id"], "reason": "人身攻击"},
            headers=_address(),
        ),
        201,
    )
    queue = await ok(await http.get("/api/moderation", headers=cast.village_staff))
    item = next(r for r in queue["reports"] if r["report_id"] == report["report_id"])
    assert item["target_type"] == "comment" and item["text"] == "楼上那家人就是素质差"
    await ok(
        await http.post(
            f"/api/moderation/reports/{report['report_id']}",
            json={"decision": "uphold", "reason": "人身攻击，撤下"},
            headers=cast.village_staff,
        )
    )
    assert (await ok(await http.get(_path(topic))))["comments"] == []
    gone = await http.post(
        "/api/reports",
        json={"target_type": "comment", "target_id": sent["comment_id"], "reason": "再举报"},
        headers=_address(),
    )
    assert gone.status_code == 404
