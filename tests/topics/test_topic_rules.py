"""The rules before a meeting, by article (第十一条 to 第十五条), through the real API and /live.

Each test walks a topic as the office would and checks what the rule says must happen.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import docx
import httpx

from tests.live.conftest import connect_user
from tests.topics.conftest import Cast, approved, ok, proposed


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _meeting(
    http: httpx.AsyncClient, cast: Cast, topic: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    body = {
        "room_id": topic["room_id"],
        "title": f"{topic['title']}协商会",
        "topic_title": topic["title"],
        "topic_id": topic["topic_id"],
        "starts_at": _later(10),
        "place": "党群服务中心",
        "mode": "hybrid",
        "agenda": [{"title": topic["title"], "rounds": [{"kind": "discussion", "title": "讨论"}]}],
    }
    return await ok(await http.post("/api/meetings", json=body, headers=headers), 201)


async def _open(server: str, moderator_token: str, meeting: dict[str, Any]) -> dict[str, Any]:
    user = await connect_user(server, moderator_token, "刘建国")
    try:
        await user.join(meeting["id"])
        return await user.send("agenda.goto", {"item_id": str(meeting["agenda"][0]["id"])})
    finally:
        await user.client.disconnect()


async def test_article_11_an_exclusion_is_a_decision_with_its_reason_beside_the_hints(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await proposed(
        http, cast.staff, cast.township_room, "我家与邻居的宅基地纠纷", description="已向法院起诉"
    )
    listed = await ok(
        await http.get(f"/api/topics?room_id={cast.township_room}", headers=cast.staff)
    )
    mine = next(i for i in listed["items"] if i["topic_id"] == topic["topic_id"])
    assert {h["kind"] for h in mine["hints"]} >= {"litigation"}

    no_reason = await http.post(
        f"/api/topics/{topic['topic_id']}/screen",
        json={"decision": "exclude", "exclusion": "litigation"},
        headers=cast.staff,
    )
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["message"]
    done = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/screen",
            json={"decision": "exclude", "exclusion": "litigation", "reason": "应通过司法途径解决"},
            headers=cast.staff,
        )
    )
    assert done["status"] == "rejected" and done["exclusion"] == "litigation"
    last = done["timeline"][-1]
    assert last["step"] == "excluded" and "第十一条" in last["note"] and "司法途径" in last["note"]
    assert last["by"] == "陈晓燕"


async def test_article_12_four_sources_and_a_public_proposal_as_the_contract_says(
    server: str, http: httpx.AsyncClient, cast: Cast
) -> None:
    for source in ("resident", "member", "leader", "public"):
        topic = await proposed(
            http,
            cast.staff,
            cast.township_room,
            f"来源{source}路灯",
            source=source,
            proposer_name="钱居民",
        )
        assert topic["source"] == source and topic["proposer_name"] == "钱居民"
    sent = await http.post(
        "/api/public/proposals",
        json={
            "title": "<script>alert(1)</script>菜场门口积水",
            "description": "下雨天菜场门口积水很深。",
            "room_id": cast.township_room,
            "contact": {"name": "孙大妈", "phone": "13800001111"},
        },
        headers={"X-Forwarded-For": f"10.12.{uuid.uuid4().int % 250}.1"},
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert set(body) == {"proposal_id", "receipt"} and body["receipt"]
    topic = await ok(await http.get(f"/api/topics/{body['proposal_id']}", headers=cast.staff))
    assert topic["title"].startswith("<script>")  # kept as text; the pages never render HTML
    assert topic["source"] == "public" and topic["contact"]["phone"] == "13800001111"
    assert (await http.get(f"/api/topics/{body['proposal_id']}")).status_code == 401
    assert (
        await http.get(f"/api/topics/{body['proposal_id']}", headers=cast.village_staff)
    ).status_code == 403


async def test_article_12_a_flood_from_one_address_meets_the_challenge_then_the_limit(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    address = {"X-Forwarded-For": f"10.99.{uuid.uuid4().int % 250}.7"}
    body = {
        "title": "公园路灯不亮",
        "description": "晚上很黑。",
        "room_id": cast.township_room,
        "contact": {"name": "李先生", "phone": "13900002222"},
    }
    first = await http.post("/api/public/proposals", json=body, headers=address)
    assert first.status_code == 201, first.text
    second = await http.post("/api/public/proposals", json=body, headers=address)
    assert second.status_code == 400 and second.json()["error"]["field"] == "challenge"
    challenge = await ok(await http.get("/api/public/challenge"))
    a, b = (int(x) for x in challenge["question"].split(" 等于")[0].split(" 加 "))
    answered = await http.post(
        "/api/public/proposals",
        json={**body, "challenge": {"token": challenge["token"], "answer": str(a + b)}},
        headers=address,
    )
    assert answered.status_code == 201, answered.text
    statuses = [
        (await http.post("/api/public/proposals", json=body, headers=address)).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429
    too_long = await http.post(
        "/api/public/proposals",
        json={**body, "title": "长" * 201},
        headers={"X-Forwarded-For": "10.98.0.1"},
    )
    assert too_long.status_code == 400


async def test_article_14_nobody_approves_their_own_proposal(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await proposed(http, cast.reviewer, cast.township_room, "审定人自己提的停车议题")
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/screen",
            json={"decision": "shortlist"},
            headers=cast.staff,
        )
    )
    own = await http.post(
        f"/api/topics/{topic['topic_id']}/review",
        json={"decision": "approve"},
        headers=cast.reviewer,
    )
    assert own.status_code == 403 and "本人" in own.json()["error"]["message"]
    after = await ok(await http.get(f"/api/topics/{topic['topic_id']}", headers=cast.staff))
    assert after["status"] == "screened"
    by_staff = await http.post(
        f"/api/topics/{topic['topic_id']}/review", json={"decision": "approve"}, headers=cast.staff
    )
    assert by_staff.status_code == 403


async def test_article_14_a_returned_topic_goes_back_to_its_proposers_staff_with_the_reason(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "小区垃圾分类亭选址")
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/screen",
            json={"decision": "shortlist"},
            headers=cast.staff,
        )
    )
    bare = await http.post(
        f"/api/topics/{topic['topic_id']}/review",
        json={"decision": "return"},
        headers=cast.reviewer,
    )
    assert bare.status_code == 400
    back = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/review",
            json={"decision": "return", "reason": "请补充居民意见征集情况"},
            headers=cast.reviewer,
        )
    )
    assert back["status"] == "proposed"
    assert back["timeline"][-1]["step"] == "returned"
    assert "请补充居民意见征集情况" in back["timeline"][-1]["note"]
    listed = await ok(await http.get("/api/topics?status=proposed", headers=cast.staff))
    mine = next(i for i in listed["items"] if i["topic_id"] == topic["topic_id"])
    assert mine["last_step"] == "returned" and "居民意见" in mine["last_note"]


async def test_article_14_a_village_topic_needs_no_county_filing(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await proposed(http, cast.village_staff, cast.village_room, "社区广场舞噪音")
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/screen",
            json={"decision": "shortlist"},
            headers=cast.village_staff,
        )
    )
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/review",
            json={"decision": "approve"},
            headers=cast.village_reviewer,
        )
    )
    filing = await http.post(f"/api/topics/{topic['topic_id']}/file", json={}, headers=cast.county)
    assert filing.status_code == 409 and "无需" in filing.json()["error"]["message"]
    noticed = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/notice",
            json={"meeting_at": _later(9), "place": "社区服务中心", "form": "in_room"},
            headers=cast.village_staff,
        )
    )
    assert noticed["status"] == "noticed" and noticed["filing_required"] is False
    public = await ok(await http.get("/api/public/notices"))
    shown = next(n for n in public["notices"] if n["topic_id"] == topic["topic_id"])
    assert set(shown) >= {"topic_id", "title", "room", "noticed_at", "meeting_at", "days_left"}
    assert shown["days_left"] in (8, 9) and "phone" not in str(shown)


async def test_article_14_the_county_files_township_topics_and_only_the_county(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "背街小巷增设路灯")
    await approved(http, cast, topic["topic_id"])
    early = await http.post(
        f"/api/topics/{topic['topic_id']}/notice",
        json={"meeting_at": _later(9), "place": "党群服务中心", "form": "hybrid"},
        headers=cast.staff,
    )
    assert early.status_code == 409 and "备案" in early.json()["error"]["message"]
    by_township = await http.post(
        f"/api/topics/{topic['topic_id']}/file", json={}, headers=cast.township_cppcc
    )
    assert by_township.status_code == 403
    filed = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/file", json={"note": "同意备案"}, headers=cast.county
        )
    )
    assert filed["status"] == "filed"
    seen = await ok(await http.get(f"/api/topics/{topic['topic_id']}", headers=cast.county))
    assert [s["step"] for s in seen["timeline"]] == ["proposed", "screened", "approved", "filed"]
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/comments",
            json={"note": "请注意听取沿街商户意见"},
            headers=cast.county,
        )
    )


async def test_article_14_no_meeting_opens_for_a_topic_not_approved_or_not_filed(
    server: str, http: httpx.AsyncClient, cast: Cast, moderator_token: str
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "农贸市场周边停车")
    refused = await http.post(
        "/api/meetings",
        json={
            "room_id": cast.township_room,
            "title": "停车协商会",
            "topic_title": "停车",
            "topic_id": topic["topic_id"],
            "starts_at": _later(10),
            "place": "会议室",
            "mode": "in_room",
        },
        headers=cast.staff,
    )
    assert refused.status_code == 409 and "审定" in refused.json()["error"]["message"]
    await approved(http, cast, topic["topic_id"])
    meeting = await _meeting(http, cast, topic, cast.staff)
    assert meeting["topic_id"] == topic["topic_id"]
    ack = await _open(server, moderator_token, meeting)
    assert ack["ok"] is False and ack["error"]["code"] == "conflict"
    assert ack["error"]["message"].startswith("依据第十四条") and "备案" in ack["error"]["message"]
    status = await ok(await http.get(f"/api/meetings/{meeting['id']}", headers=cast.staff))
    assert status["status"] == "scheduled"


async def test_article_14_and_15_within_seven_days_only_with_a_recorded_override(
    server: str, http: httpx.AsyncClient, cast: Cast, moderator_token: str
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "老旧小区加装电梯费用分摊")
    await approved(http, cast, topic["topic_id"])
    await ok(await http.post(f"/api/topics/{topic['topic_id']}/file", json={}, headers=cast.county))
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/notice",
            json={
                "meeting_at": _later(3),
                "place": "党群服务中心",
                "form": "hybrid",
                "how_to_join": "扫码报名旁听",
            },
            headers=cast.staff,
        )
    )
    meeting = await _meeting(http, cast, topic, cast.staff)
    ack = await _open(server, moderator_token, meeting)
    assert not ack["ok"] and "依据第十四条，议题公示未满七天" in ack["error"]["message"]

    short = await http.post(
        f"/api/topics/{topic['topic_id']}/override",
        json={"rules": ["notice"], "reason": "急"},
        headers=cast.staff,
    )
    assert short.status_code == 400
    await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/override",
            json={
                "rules": ["notice"],
                "reason": "汛期前必须定下施工方案，经街道党工委同意提前召开",
            },
            headers=cast.staff,
        )
    )
    ack = await _open(server, moderator_token, meeting)
    assert not ack["ok"] and ack["error"]["message"].startswith("依据第十五条")

    research = await ok(
        await http.post(
            f"/api/topics/{topic['topic_id']}/research",
            json={
                "who": "王海燕委员、街道城建科",
                "place": "五星街道3个老旧小区",
                "done_on": datetime.now(UTC).isoformat(),
                "findings": "走访住户86户，七成以上支持加装。",
            },
            headers=cast.staff,
        ),
        201,
    )
    assert research["status"] == "researched" and research["research"][0]["who"].startswith("王")
    ack = await _open(server, moderator_token, meeting)
    assert ack["ok"], ack
    record = await ok(await http.get(f"/api/topics/{topic['topic_id']}", headers=cast.staff))
    override = next(s for s in record["timeline"] if s["step"] == "override")
    assert "汛期" in override["note"] and override["by"] == "陈晓燕"
    log = await ok(await http.get("/api/audit", headers=cast.admin))
    assert any(
        e["action"] == "topic.override" and e["target_id"] == topic["topic_id"]
        for e in log["items"]
    )


async def test_article_13_a_screening_vote_counts_each_voter_once(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    ids = []
    for title in ("菜场周边停车", "小区增设充电桩"):
        topic = await proposed(http, cast.staff, cast.township_room, title)
        await ok(
            await http.post(
                f"/api/topics/{topic['topic_id']}/screen",
                json={"decision": "shortlist"},
                headers=cast.staff,
            )
        )
        ids.append(topic["topic_id"])
    call = await ok(
        await http.post(
            "/api/topic-calls",
            json={
                "room_id": cast.township_room,
                "kind": "vote",
                "title": "请选出最想协商的议题",
                "deadline": _later(5),
                "topic_ids": ids,
            },
            headers=cast.staff,
        ),
        201,
    )
    votes = []
    for device in range(3):  # a phone, a laptop, a retry: one voter
        challenge = await ok(await http.get("/api/public/challenge"))
        a, b = (int(x) for x in challenge["question"].split(" 等于")[0].split(" 加 "))
        r = await http.post(
            f"/api/public/votes/{call['call_id']}",
            json={
                "topic_id": ids[device % 2],
                "phone": "138 0000 3333",
                "challenge": {"token": challenge["token"], "answer": str(a + b)},
            },
            headers={"X-Forwarded-For": f"10.77.{device}.{uuid.uuid4().int % 250}"},
        )
        votes.append(await ok(r))
    assert [v["counted"] for v in votes] == [True, False, False]
    counts = {i["topic_id"]: i["votes"] for i in votes[-1]["shortlist"]}
    assert counts == {ids[0]: 1, ids[1]: 0}
    past = await http.post(
        "/api/topic-calls",
        json={"room_id": cast.township_room, "title": "征题", "deadline": _later(-1)},
        headers=cast.staff,
    )
    assert past.status_code == 400 and past.json()["error"]["field"] == "deadline"


async def test_a_sensitive_word_holds_a_public_proposal_for_moderation(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    await ok(
        await http.put("/api/moderation/words", json={"words": ["违禁词样例"]}, headers=cast.county)
    )
    sent = await ok(
        await http.post(
            "/api/public/proposals",
            json={
                "title": "关于违禁词样例的议题",
                "description": "测试",
                "room_id": cast.township_room,
                "contact": {"name": "周", "phone": "13700001234"},
            },
            headers={"X-Forwarded-For": f"10.55.{uuid.uuid4().int % 250}.3"},
        ),
        201,
    )
    queue = await ok(await http.get("/api/moderation", headers=cast.staff))
    assert sent["proposal_id"] in [i["topic_id"] for i in queue["items"]]
    screened = await http.post(
        f"/api/topics/{sent['proposal_id']}/screen",
        json={"decision": "shortlist"},
        headers=cast.staff,
    )
    assert screened.status_code == 409
    await ok(
        await http.post(
            f"/api/topics/{sent['proposal_id']}/moderate",
            json={"decision": "release", "reason": "内容正常"},
            headers=cast.staff,
        )
    )
    await ok(await http.put("/api/moderation/words", json={"words": []}, headers=cast.county))


async def test_article_14_the_notice_period_is_the_rooms_own(
    server: str, http: httpx.AsyncClient, cast: Cast, admin_token: str
) -> None:
    """A village room that notices two days ahead opens after two days; here none at all."""
    room = f"/api/rooms/{cast.village_room}"
    assert (await ok(await http.patch(room, json={"notice_days": 0}, headers=cast.admin)))[
        "notice_days"
    ] == 0
    try:
        topic = await proposed(http, cast.village_staff, cast.village_room, "社区停车棚")
        await ok(
            await http.post(
                f"/api/topics/{topic['topic_id']}/screen",
                json={"decision": "shortlist"},
                headers=cast.village_staff,
            )
        )
        await ok(
            await http.post(
                f"/api/topics/{topic['topic_id']}/review",
                json={"decision": "approve"},
                headers=cast.village_reviewer,
            )
        )
        await ok(
            await http.post(
                f"/api/topics/{topic['topic_id']}/notice",
                json={"meeting_at": _later(1), "place": "社区服务中心", "form": "online"},
                headers=cast.village_staff,
            )
        )
        await ok(
            await http.post(
                f"/api/topics/{topic['topic_id']}/research",
                json={
                    "who": "社区网格员",
                    "place": "各楼栋",
                    "done_on": _later(0),
                    "findings": "需要停车棚的住户约四十户",
                },
                headers=cast.village_staff,
            ),
            201,
        )
        meeting = await _meeting(http, cast, topic, cast.admin)
        ack = await _open(server, admin_token, meeting)
        assert ack["ok"], ack
    finally:
        await ok(await http.patch(room, json={"notice_days": 7}, headers=cast.admin))


async def test_a_topics_file_exports_as_a_word_document_that_libreoffice_reads(
    http: httpx.AsyncClient, cast: Cast, tmp_path: Path
) -> None:
    topic = await proposed(http, cast.staff, cast.township_room, "小巷路面修补")
    await approved(http, cast, topic["topic_id"])
    r = await http.get(f"/api/topics/{topic['topic_id']}/docx", headers=cast.staff)
    assert r.status_code == 200, r.text
    path = tmp_path / "topic.docx"
    path.write_bytes(r.content)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "小巷路面修补" in text and "审定" in text and "尚无调研记录" in text
    done = await anyio.run_process(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path),
            str(path),
            f"-env:UserInstallation=file://{tmp_path}/profile",
        ],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "小巷路面修补" in (tmp_path / "topic.txt").read_text(encoding="utf-8")
    assert (await http.get(f"/api/topics/{topic['topic_id']}/docx")).status_code == 401


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def test_article_12_attachments_are_checked_by_type_and_size(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    address = {"X-Forwarded-For": f"10.44.{uuid.uuid4().int % 250}.2"}
    sent = await ok(
        await http.post(
            "/api/public/proposals",
            json={
                "title": "河边护栏破损",
                "description": "见照片",
                "room_id": cast.township_room,
                "contact": {"name": "钱", "phone": "13600001111"},
            },
            headers=address,
        ),
        201,
    )
    base = f"/api/public/proposals/{sent['proposal_id']}/attachments"
    photo = await http.post(
        f"{base}?receipt={sent['receipt']}&filename=护栏.png", content=PNG, headers=address
    )
    assert photo.status_code == 201, photo.text
    wrong_type = await http.post(
        f"{base}?receipt={sent['receipt']}&filename=护栏.png",
        content=b"MZ\x90\x00not a png",
        headers=address,
    )
    assert wrong_type.status_code == 400 and "不符" in wrong_type.json()["error"]["message"]
    script = await http.post(
        f"{base}?receipt={sent['receipt']}&filename=a.html",
        content=b"<script>alert(1)</script>",
        headers=address,
    )
    assert script.status_code == 400
    too_big = await http.post(
        f"{base}?receipt={sent['receipt']}&filename=大.png",
        content=PNG + b"\x00" * (5 << 20),
        headers=address,
    )
    assert too_big.status_code == 413
    stranger = await http.post(
        f"{base}?receipt=YT0000000000&filename=a.png", content=PNG, headers=address
    )
    assert stranger.status_code == 404

    topic = await ok(await http.get(f"/api/topics/{sent['proposal_id']}", headers=cast.staff))
    assert [a["filename"] for a in topic["attachments"]] == ["护栏.png"]
    got = await http.get(topic["attachments"][0]["url"], headers=cast.staff)
    assert got.status_code == 200 and got.content == PNG
    assert (await http.get(topic["attachments"][0]["url"])).status_code == 401
    staff_file = await http.post(
        f"/api/topics/{sent['proposal_id']}/attachments?filename=现场.docx",
        content=PNG,
        headers=cast.staff,
    )
    assert staff_file.status_code == 400
