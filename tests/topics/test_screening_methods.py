"""Screening by questionnaire and by hearing (第十三条), and the public's comments on a noticed
topic (第十四条: the notice says how to take part), through the real API.

Each test walks what the office and a resident would do and checks what the rule says.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.topics.conftest import Cast, ok, proposed


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _address() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.9"}


async def _answered_challenge(http: httpx.AsyncClient) -> dict[str, str]:
    challenge = await ok(await http.get("/api/public/challenge"))
    a, b = (int(x) for x in challenge["question"].split(" 等于")[0].split(" 加 "))
    return {"token": challenge["token"], "answer": str(a + b)}


async def _proposals(http: httpx.AsyncClient, cast: Cast, *titles: str) -> list[int]:
    return [
        (await proposed(http, cast.staff, cast.township_room, title))["topic_id"]
        for title in titles
    ]


QUESTIONS = [
    {"kind": "rank", "prompt": "请按您认为的轻重缓急排序"},
    {"kind": "choose", "prompt": "最想先协商哪一个？", "max_choices": 1},
    {"kind": "single", "prompt": "您住在哪里？", "options": ["本街道", "外街道"]},
    {"kind": "multiple", "prompt": "您愿意怎样参加？", "options": ["到场", "网上", "书面"]},
    {"kind": "text", "prompt": "还有什么想说的？"},
]


async def _questionnaire(
    http: httpx.AsyncClient, cast: Cast, ids: list[int], questions: list[dict[str, Any]]
) -> httpx.Response:
    return await http.post(
        "/api/questionnaires",
        json={
            "room_id": cast.township_room,
            "title": "议题筛选问卷",
            "description": "请选出最该协商的事",
            "deadline": _later(5),
            "topic_ids": ids,
            "questions": questions,
        },
        headers=cast.staff,
    )


async def test_article_13_a_questionnaire_counts_each_respondent_once_and_its_result_is_evidence(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    ids = await _proposals(http, cast, "农贸市场周边停车难", "老旧小区加装电梯", "河道垃圾清理")
    call = await ok(await _questionnaire(http, cast, ids, QUESTIONS), 201)
    path = f"/api/public/questionnaires/{call['call_id']}"

    portal = await ok(await http.get("/api/public/portal"))
    shown = next(c for c in portal["calls"] if c["call_id"] == call["call_id"])
    assert shown["kind"] == "questionnaire" and len(shown["questions"]) == 5
    assert sorted(i["topic_id"] for i in shown["shortlist"]) == sorted(ids)

    first = [[ids[1], ids[0], ids[2]], [ids[1]], 0, [0, 1], "电梯的事拖了三年"]
    tries = []
    for device in range(3):  # a phone, a laptop, a retry after a timeout: one respondent
        answers = first if device == 0 else [[ids[2]], [ids[2]], 1, [2], "换个说法"]
        r = await http.post(
            path,
            json={
                "phone": "139 0000 4444",
                "answers": answers,
                "challenge": await _answered_challenge(http),
            },
            headers=_address(),
        )
        tries.append(await ok(r))
    assert [t["counted"] for t in tries] == [True, False, False]
    assert tries[-1]["respondents"] == 1
    second = [[ids[0], ids[1]], [ids[0]], 0, [1], ""]
    await ok(
        await http.post(path, json={"phone": "13900005555", "answers": second}, headers=_address())
    )
    # Signed in, the account is the respondent whatever number is typed.
    mine = [[ids[1]], [ids[1]], 1, [0], ""]
    got = await ok(
        await http.post(
            path,
            json={"phone": "13900006666", "answers": mine},
            headers={**cast.staff, **_address()},
        )
    )
    again = await ok(
        await http.post(
            path,
            json={"phone": "13900007777", "answers": mine},
            headers={**cast.staff, **_address()},
        )
    )
    assert (got["counted"], again["counted"]) == (True, False)

    results = await ok(await http.get(f"/api/questionnaires/{call['call_id']}", headers=cast.staff))
    assert results["respondents"] == 3
    rank, choose, single, multiple, text = results["results"]
    points = {r["topic_id"]: (r["points"], r["first"]) for r in rank["topics"]}
    assert points == {ids[1]: (3 + 2 + 3, 2), ids[0]: (2 + 3, 1), ids[2]: (1, 0)}
    assert {r["topic_id"]: r["count"] for r in choose["topics"]} == {
        ids[0]: 1,
        ids[1]: 2,
        ids[2]: 0,
    }
    assert [o["count"] for o in single["options"]] == [2, 1]
    assert [o["count"] for o in multiple["options"]] == [2, 2, 0]
    assert text["texts"] == ["电梯的事拖了三年"]
    # The public never sees the tallies nor the free answers.
    assert (await http.get(f"/api/questionnaires/{call['call_id']}")).status_code == 401
    portal = await ok(await http.get("/api/public/portal"))
    assert "电梯的事拖了三年" not in str(portal)

    # Screening by questionnaire needs the recorded result first.
    early = await http.post(
        f"/api/topics/{ids[1]}/screen",
        json={"decision": "shortlist", "method": "questionnaire"},
        headers=cast.staff,
    )
    assert early.status_code == 409 and "第十三条" in early.json()["error"]["message"]
    recorded = await ok(
        await http.post(f"/api/questionnaires/{call['call_id']}/record", headers=cast.staff)
    )
    assert recorded["recorded_at"] is not None
    twice = await http.post(f"/api/questionnaires/{call['call_id']}/record", headers=cast.staff)
    assert twice.status_code == 409
    late = await http.post(
        path, json={"phone": "13900008888", "answers": second}, headers=_address()
    )
    assert late.status_code == 409  # recording the result closes the questionnaire
    topic = await ok(await http.get(f"/api/topics/{ids[1]}", headers=cast.staff))
    step = topic["timeline"][-1]
    assert step["step"] == "surveyed" and "3 人作答" in step["note"] and "列第 1 位" in step["note"]
    screened = await ok(
        await http.post(
            f"/api/topics/{ids[1]}/screen",
            json={"decision": "shortlist", "method": "questionnaire"},
            headers=cast.staff,
        )
    )
    assert screened["status"] == "screened"
    assert "依据问卷调查结果" in screened["timeline"][-1]["note"]


async def test_article_13_a_questionnaire_refuses_what_it_cannot_count(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    ids = await _proposals(http, cast, "菜场噪音扰民", "公交站台遮阳棚")
    only_one = await _questionnaire(http, cast, ids[:1], QUESTIONS)
    assert only_one.status_code == 400 and only_one.json()["error"]["field"] == "topic_ids"
    no_topic_question = await _questionnaire(http, cast, ids, [QUESTIONS[2]])
    assert no_topic_question.status_code == 400
    other_room = await proposed(http, cast.village_staff, cast.village_room, "社区停车")
    foreign = await _questionnaire(http, cast, [ids[0], other_room["topic_id"]], QUESTIONS)
    assert foreign.status_code == 400
    refused = await http.post(
        "/api/questionnaires",
        json={
            "room_id": cast.township_room,
            "title": "问卷",
            "deadline": _later(3),
            "topic_ids": ids,
            "questions": QUESTIONS,
        },
        headers=cast.village_staff,
    )
    assert refused.status_code == 403
    past = await http.post(
        "/api/questionnaires",
        json={
            "room_id": cast.township_room,
            "title": "问卷",
            "deadline": _later(-1),
            "topic_ids": ids,
            "questions": QUESTIONS,
        },
        headers=cast.staff,
    )
    assert past.status_code == 400 and past.json()["error"]["field"] == "deadline"

    call = await ok(await _questionnaire(http, cast, ids, QUESTIONS), 201)
    path = f"/api/public/questionnaires/{call['call_id']}"
    good = [[ids[0], ids[1]], [ids[0]], 0, [0], ""]
    bad = {
        "too few answers": good[:3],
        "a topic off the list": [[ids[0], other_room["topic_id"]], *good[1:]],
        "a topic twice": [[ids[0], ids[0]], *good[1:]],
        "two where one may be chosen": [good[0], ids, *good[2:]],
        "an option that is not there": [*good[:2], 7, *good[3:]],
        "a long free answer": [*good[:4], "长" * 201],
        "an unanswered question": [good[0], [], *good[2:]],
    }
    for why, answers in bad.items():
        r = await http.post(
            path, json={"phone": "13600001111", "answers": answers}, headers=_address()
        )
        assert r.status_code == 400, why
    not_a_phone = await http.post(path, json={"phone": "12", "answers": good}, headers=_address())
    assert not_a_phone.status_code == 400
    # None of the refused tries counted the respondent: the good answer still counts.
    kept = await ok(
        await http.post(path, json={"phone": "13600001111", "answers": good}, headers=_address())
    )
    assert kept["counted"] is True and kept["respondents"] == 1
    empty = await ok(await _questionnaire(http, cast, ids, QUESTIONS), 201)
    nothing = await http.post(f"/api/questionnaires/{empty['call_id']}/record", headers=cast.staff)
    assert nothing.status_code == 409


async def test_article_13_a_hearing_records_who_spoke_and_its_conclusion_on_each_proposal(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    ids = await _proposals(http, cast, "小区电动车充电难", "沿街商铺油烟扰民")
    early = await http.post(
        f"/api/topics/{ids[0]}/screen",
        json={"decision": "shortlist", "method": "hearing"},
        headers=cast.staff,
    )
    assert early.status_code == 409
    body = {
        "room_id": cast.township_room,
        "kind": "hearing",
        "held_on": _later(-1),
        "place": "五星街道党群服务中心",
        "participants": [
            {"name": "王委员", "category": "member"},
            {"name": "李阿姨", "category": "resident"},
            {"name": "城管中队", "category": "official"},
        ],
        "record": "居民反映充电桩不足，城管中队说明油烟已有执法程序。",
        "conclusions": [
            {"topic_id": ids[0], "conclusion": "support", "note": "与会者一致认为应当协商"},
            {"topic_id": ids[1], "conclusion": "oppose", "note": "已有明文规定，按第十一条不列入"},
        ],
    }
    hearing = await ok(await http.post("/api/hearings", json=body, headers=cast.staff), 201)
    assert [p["name"] for p in hearing["participants"]] == ["王委员", "李阿姨", "城管中队"]
    topic = await ok(await http.get(f"/api/topics/{ids[0]}", headers=cast.staff))
    assert topic["hearings"][0]["hearing_id"] == hearing["hearing_id"]
    step = topic["timeline"][-1]
    assert step["step"] == "heard" and "听证会" in step["note"] and "建议列入" in step["note"]
    assert "3人参加" in step["note"]
    other = await ok(await http.get(f"/api/topics/{ids[1]}", headers=cast.staff))
    assert "建议不列入" in other["timeline"][-1]["note"]

    # The hearing's record goes with it through the topic file upload.
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    attached = await ok(
        await http.post(
            f"/api/topics/{ids[0]}/attachments",
            params={"filename": "听证会签到表.png", "hearing_id": hearing["hearing_id"]},
            content=png,
            headers=cast.staff,
        ),
        201,
    )
    assert any(a["filename"] == "听证会签到表.png" for a in attached["attachments"])
    unrelated = await _proposals(http, cast, "菜场门口积水")
    wrong = await http.post(
        f"/api/topics/{unrelated[0]}/attachments",
        params={"filename": "a.png", "hearing_id": hearing["hearing_id"]},
        content=png,
        headers=cast.staff,
    )
    assert wrong.status_code == 404

    screened = await ok(
        await http.post(
            f"/api/topics/{ids[0]}/screen",
            json={"decision": "shortlist", "method": "hearing"},
            headers=cast.staff,
        )
    )
    assert "依据听证会、座谈会结果" in screened["timeline"][-1]["note"]

    future = await http.post(
        "/api/hearings", json={**body, "held_on": _later(5)}, headers=cast.staff
    )
    assert future.status_code == 400 and future.json()["error"]["field"] == "held_on"
    await ok(
        await http.post(
            f"/api/topics/{ids[1]}/screen",
            json={
                "decision": "exclude",
                "exclusion": "settled_by_policy",
                "reason": "听证会认为已有明文规定",
            },
            headers=cast.staff,
        )
    )
    decided = await http.post("/api/hearings", json=body, headers=cast.staff)
    assert decided.status_code == 400  # ids[1] is decided: no more hearings on it
    elsewhere = await http.post("/api/hearings", json=body, headers=cast.village_staff)
    assert elsewhere.status_code == 403
