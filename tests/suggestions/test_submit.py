"""Residents and participants write suggestions: each is placed in a theme at once, counted
once however often it is retried, and refused with a clear reason when it is not a text."""

from __future__ import annotations

from typing import Any

import httpx

from server.db.engine import Database
from server.domain.suggestions import submit_from_live
from server.domain.vocabulary import load_vocabulary
from tests.conftest import bearer
from tests.suggestions.conftest import Collection
from tests.suggestions.texts import LIFT, interleaved


def _theme_of(board: dict[str, Any], suggestion_id: int) -> dict[str, Any]:
    for theme in board["themes"]:
        if any(m["suggestion_id"] == suggestion_id for m in theme["members"]):
            return theme
    raise AssertionError(f"suggestion {suggestion_id} is on no theme")


async def test_each_suggestion_is_in_a_theme_as_soon_as_it_is_submitted(
    collection: Collection,
) -> None:
    for answer_text in interleaved()[:12]:
        r = await collection.submit(collection.participants[0], answer_text)
        assert r.status_code == 201, r.text
        answer = r.json()
        assert answer["created"] is True
        board = await collection.board()
        theme = _theme_of(board, answer["suggestion_id"])
        assert theme["id"] == answer["theme_id"]
        assert answer["theme_label"] in (theme["name"], theme["label"])
    assert board["total"] == 12
    assert sum(t["size"] for t in board["themes"]) == 12


async def test_a_new_suggestion_joins_the_theme_it_belongs_to(themed: Collection) -> None:
    board = await themed.board()
    assert 3 <= len(board["themes"]) <= 12, [t["label"] for t in board["themes"]]
    lift_ids = {a["suggestion_id"] for a in await _ids_of(themed, LIFT)}
    lift_theme = max(board["themes"], key=lambda t: len(lift_ids & _members(t)))
    assert len(lift_ids & _members(lift_theme)) >= 3
    r = await themed.submit(themed.participants[1], "老旧小区加装电梯的费用分摊，希望出台统一标准")
    answer = r.json()
    assert answer["new_theme"] is False
    assert answer["theme_id"] == lift_theme["id"]
    assert answer["theme_size"] == lift_theme["size"] + 1


def _members(theme: dict[str, Any]) -> set[int]:
    return {m["suggestion_id"] for m in theme["members"]}


async def _ids_of(c: Collection, texts: list[str]) -> list[dict[str, Any]]:
    r = await c.http.get(f"{c.base}/suggestions", headers=bearer(c.staff))
    return [{"suggestion_id": s["id"]} for s in r.json()["items"] if s["text"] in texts]


async def test_a_retried_submission_counts_once(collection: Collection) -> None:
    token = collection.participants[0]
    first = await collection.submit(token, "小区停车位严重不足，晚上回家找不到车位", "retry-1")
    again = await collection.submit(token, "小区停车位严重不足，晚上回家找不到车位", "retry-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["suggestion_id"] == first.json()["suggestion_id"]
    assert again.json()["created"] is False
    assert again.json()["theme_id"] == first.json()["theme_id"]
    # the same client id from someone else is their own submission
    other = await collection.submit(collection.participants[1], "停车难", "retry-1")
    assert other.status_code == 201
    assert (await collection.board())["total"] == 2


BAD_INPUT = {
    "empty": ("", "不能为空"),
    "whitespace": (" \n\t\u3000  ", "不能为空"),
    "emoji only": ("😀👍🏻👍🏻🎉", "须包含文字"),
    "10 kB": ("加装电梯" * 2600, "最多 500 字"),
    "binary": (bytes(range(256)).decode("latin-1"), "无法识别的字符"),
    "undecodable": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe".decode("utf-8", "replace"), "无法识别"),
}


async def test_bad_input_is_refused_with_a_clear_reason_and_nothing_is_stored(
    collection: Collection,
) -> None:
    token = collection.participants[0]
    for what, (text, reason) in BAD_INPUT.items():
        r = await collection.submit(token, text)
        assert r.status_code == 400, what
        error = r.json()["error"]
        assert error["code"] == "invalid", what
        assert reason in error["message"], (what, error["message"])
    mine = await collection.http.get(f"{collection.base}/suggestions", headers=bearer(token))
    assert mine.status_code == 200 and mine.json()["items"] == []
    assert (await collection.board())["total"] == 0
    not_json_text = await collection.http.post(
        f"{collection.base}/suggestions", json={"text": 42}, headers=bearer(token)
    )
    assert not_json_text.status_code == 400


async def test_residents_see_only_their_own_and_guests_see_the_others_without_names(
    collection: Collection, member_token: str, staff_token: str, http: httpx.AsyncClient
) -> None:
    # a signed-in resident not on the roster
    r = await collection.submit(member_token, "建议在小区门口增设非机动车停放区")
    assert r.status_code == 201, r.text
    guest = await http.post(
        f"{collection.base}/participants",
        json={"guest_name": "钱晓东", "category": "guest"},
        headers=bearer(staff_token),
    )
    invite = await http.post(
        f"{collection.base}/invites",
        json={"participant_id": guest.json()["id"]},
        headers=bearer(staff_token),
    )
    as_guest = {"X-Invite": invite.json()["invite"]}
    r = await http.post(
        f"{collection.base}/suggestions", json={"text": "希望增加健身器材"}, headers=as_guest
    )
    assert r.status_code == 201, r.text
    seen = (await http.get(f"{collection.base}/suggestions", headers=as_guest)).json()["items"]
    # A guest is on the roster: the resident's suggestion is there, but not who wrote it.
    assert [(s["text"], s["mine"]) for s in seen] == [
        ("建议在小区门口增设非机动车停放区", False),
        ("希望增加健身器材", True),
    ]
    assert seen[0]["name"] == "" and seen[0]["participant_id"] is None
    own = seen[1]
    assert own["name"] == "钱晓东" and own["participant_id"] == guest.json()["id"]
    # The resident, off the roster, sees only their own.
    theirs = await http.get(f"{collection.base}/suggestions", headers=bearer(member_token))
    assert [s["text"] for s in theirs.json()["items"]] == ["建议在小区门口增设非机动车停放区"]
    everything = await http.get(f"{collection.base}/suggestions", headers=bearer(staff_token))
    rows = everything.json()["items"]
    assert len(rows) == 2
    resident = next(s for s in rows if s["text"].startswith("建议在小区门口"))
    assert resident["participant_id"] is None and resident["theme_id"] is not None
    assert (
        await http.post(f"{collection.base}/suggestions", json={"text": "匿名"})
    ).status_code == 401


async def test_near_duplicates_are_flagged_with_their_similarity(collection: Collection) -> None:
    await collection.submit_all(interleaved()[:8])
    first = await collection.submit(
        collection.participants[0], "伊景园滨河苑开发商捆绑销售车位，买房必须买车位"
    )
    second = await collection.submit(
        collection.participants[1], "投诉伊景园滨河苑捆绑销售车位，买房被迫买车位"
    )
    answer = second.json()
    assert answer["duplicate_of"] == first.json()["suggestion_id"]
    assert 0.6 <= answer["duplicate_similarity"] <= 1.0
    board = await collection.board()
    group = next(
        g
        for g in board["duplicates"]
        if {m["suggestion_id"] for m in g["members"]}
        == {first.json()["suggestion_id"], answer["suggestion_id"]}
    )
    assert group["members"][0]["similarity"] == 1.0
    assert 0.6 <= group["members"][1]["similarity"] < 1.0
    listed = (
        await collection.http.get(
            f"{collection.base}/suggestions", headers=bearer(collection.staff)
        )
    ).json()["items"]
    flagged = [s for s in listed if s["duplicate_of"] is not None]
    assert len(flagged) == 1 and flagged[0]["duplicate_similarity"] >= 0.6


async def test_the_live_layer_submits_for_a_participant_and_gets_what_to_broadcast(
    collection: Collection, database_url: str
) -> None:
    # This process acts as a second worker: the server must take in what it placed.
    await collection.submit_all(interleaved()[:6])
    db = Database(database_url)
    try:
        await load_vocabulary(db)
        pid = collection.participant_ids[0]
        ack = await submit_from_live(db, collection.meeting_id, pid, "垃圾分类投放点太少", "cmd-1")
        again = await submit_from_live(
            db, collection.meeting_id, pid, "垃圾分类投放点太少", "cmd-1"
        )
    finally:
        await db.close()
    assert set(ack) >= {"suggestion_id", "theme_id", "theme_label", "broadcast"}
    notice = ack["broadcast"]
    assert notice["type"] == "suggestion.added"
    assert notice["data"]["suggestion_id"] == ack["suggestion_id"]
    assert notice["data"]["participant_id"] == str(pid)
    assert notice["data"]["text"] == "垃圾分类投放点太少"
    assert again["suggestion_id"] == ack["suggestion_id"] and again["broadcast"] is None
    board = await collection.board()
    assert board["total"] == 7
    assert _theme_of(board, ack["suggestion_id"])["id"] == ack["theme_id"]
