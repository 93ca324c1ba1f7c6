"""Staff and the moderator work the theme board: they merge, split, move and rename themes,
their edits survive re-clustering, and the themes become a poll. Participants only write."""

from __future__ import annotations

from typing import Any

from server.auth import principal_from_token
from server.db.engine import Database
from server.domain import themes
from tests.conftest import bearer
from tests.suggestions.conftest import Collection
from tests.suggestions.texts import LIFT, SEWAGE, interleaved


def _members(theme: dict[str, Any]) -> set[int]:
    return {m["suggestion_id"] for m in theme["members"]}


def _by_id(board: dict[str, Any], theme_id: int) -> dict[str, Any]:
    return next(t for t in board["themes"] if t["id"] == theme_id)


def _holding(board: dict[str, Any], suggestion_id: int) -> dict[str, Any]:
    return next(t for t in board["themes"] if suggestion_id in _members(t))


async def _ids(c: Collection, texts: list[str]) -> set[int]:
    r = await c.http.get(f"{c.base}/suggestions", headers=bearer(c.staff))
    return {s["id"] for s in r.json()["items"] if s["text"] in texts}


async def test_the_board_ranks_members_and_names_keywords(themed: Collection) -> None:
    board = await themed.board(themed.moderator)
    assert board["total"] == 30
    themed_only = [t for t in board["themes"] if t["key"] != "unsorted"]
    sizes = [t["size"] for t in themed_only]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(t["size"] for t in board["themes"]) == 30
    if len(themed_only) < len(board["themes"]):  # the left-overs, 待归类, come last
        assert board["themes"][-1]["key"] == "unsorted"
        assert board["themes"][-1]["label"] == "待归类"
    for theme in board["themes"]:
        assert theme["size"] == len(theme["members"])
        centrality = [m["centrality"] for m in theme["members"]]
        assert centrality == sorted(centrality, reverse=True)
        assert theme["representative"] == theme["members"][0]["text"]
    biggest = board["themes"][0]
    assert biggest["keywords"] and "、" not in biggest["label"]
    # named by a phrase its own members wrote
    phrase = biggest["label"].removesuffix("问题")
    assert any(phrase in m["text"] for m in biggest["members"]), biggest["label"]


async def test_a_participant_can_neither_read_nor_edit_the_board(themed: Collection) -> None:
    token = themed.participants[0]
    theme_ids = [t["id"] for t in (await themed.board())["themes"]]
    http, base = themed.http, themed.base
    refusals = [
        await http.get(f"{base}/themes", headers=bearer(token)),
        await http.post(f"{base}/themes/recluster", headers=bearer(token)),
        await http.post(
            f"{base}/themes/merge", json={"theme_ids": theme_ids[:2]}, headers=bearer(token)
        ),
        await http.patch(
            f"{base}/themes/{theme_ids[0]}", json={"name": "我的主题"}, headers=bearer(token)
        ),
        await http.post(f"{base}/themes/poll", json={}, headers=bearer(token)),
    ]
    for r in refusals:
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        assert "主持人和工作人员" in r.json()["error"]["message"]
    assert [t["id"] for t in (await themed.board())["themes"]] == theme_ids
    assert all(t["name"] is None for t in (await themed.board())["themes"])


async def test_a_merge_and_a_name_survive_reclustering(themed: Collection) -> None:
    lift, sewage = await _ids(themed, LIFT), await _ids(themed, SEWAGE)
    board = await themed.board()
    lift_theme = max(board["themes"], key=lambda t: len(lift & _members(t)))
    sewage_theme = max(board["themes"], key=lambda t: len(sewage & _members(t)))
    assert lift_theme["id"] != sewage_theme["id"]
    merged_members = _members(lift_theme) | _members(sewage_theme)
    board = await themed.edit(
        "merge", {"theme_ids": [sewage_theme["id"], lift_theme["id"]], "into": lift_theme["id"]}
    )
    r = await themed.http.patch(
        f"{themed.base}/themes/{lift_theme['id']}",
        json={"name": "电梯与污水"},
        headers=bearer(themed.staff),
    )
    assert r.status_code == 200, r.text
    for after in (r.json(), await themed.edit("recluster"), await themed.board()):
        theme = _by_id(after, lift_theme["id"])
        assert theme["name"] == "电梯与污水" and theme["label"] == "电梯与污水"
        assert _members(theme) >= merged_members
        assert all(m["pinned"] for m in theme["members"] if m["suggestion_id"] in merged_members)
        assert sewage_theme["id"] not in {t["id"] for t in after["themes"]}
    cleared = await themed.http.patch(
        f"{themed.base}/themes/{lift_theme['id']}", json={"name": ""}, headers=bearer(themed.staff)
    )
    assert _by_id(cleared.json(), lift_theme["id"])["name"] is None


async def test_a_split_and_a_move_survive_reclustering(themed: Collection) -> None:
    board = await themed.board()
    big = board["themes"][0]
    part = [m["suggestion_id"] for m in big["members"][-2:]]
    board = await themed.edit("split", {"theme_id": big["id"], "parts": [part]})
    split_off = _holding(board, part[0])
    assert split_off["id"] != big["id"] and _members(split_off) == set(part)
    other = next(t for t in board["themes"] if t["id"] not in (big["id"], split_off["id"]))
    moved = other["members"][0]["suggestion_id"]
    board = await themed.edit("move", {"suggestion_ids": [moved], "theme_id": big["id"]})
    assert moved in _members(_by_id(board, big["id"]))
    board = await themed.edit("move", {"suggestion_ids": [part[1]], "name": "单独讨论"})
    alone = _holding(board, part[1])
    assert alone["name"] == "单独讨论" and _members(alone) == {part[1]}
    board = await themed.edit("recluster")
    assert _members(_holding(board, part[0])) == {part[0]}
    assert _holding(board, part[0])["id"] == split_off["id"]
    assert moved in _members(_by_id(board, big["id"]))
    assert _holding(board, part[1])["name"] == "单独讨论"


async def test_edits_naming_unknown_things_are_refused(themed: Collection) -> None:
    board = await themed.board()
    first, second = board["themes"][0], board["themes"][1]
    cases = [
        ("merge", {"theme_ids": [first["id"], 999_999]}, 404),
        ("merge", {"theme_ids": [first["id"], first["id"]]}, 400),
        (
            "split",
            {"theme_id": first["id"], "parts": [[second["members"][0]["suggestion_id"]]]},
            400,
        ),
        ("move", {"suggestion_ids": [999_999], "theme_id": first["id"]}, 404),
        (
            "move",
            {"suggestion_ids": [first["members"][0]["suggestion_id"]], "name": "名" * 61},
            400,
        ),
    ]
    for path, body, status in cases:
        r = await themed.http.post(
            f"{themed.base}/themes/{path}", json=body, headers=bearer(themed.staff)
        )
        assert r.status_code == status, (path, body, r.text)
    # A merge of one theme says in Chinese what is missing.
    one = await themed.http.post(
        f"{themed.base}/themes/merge",
        json={"theme_ids": [first["id"]]},
        headers=bearer(themed.staff),
    )
    assert one.status_code == 400
    assert one.json()["error"]["message"] == "输入有误 — theme_ids：至少 2 项"
    after = await themed.board()
    assert [(t["id"], t["size"]) for t in after["themes"]] == [
        (t["id"], t["size"]) for t in board["themes"]
    ]


async def test_themes_become_a_poll_with_one_option_per_theme(themed: Collection) -> None:
    board = await themed.board()
    await themed.http.patch(
        f"{themed.base}/themes/{board['themes'][0]['id']}",
        json={"name": "加装电梯"},
        headers=bearer(themed.staff),
    )
    board = await themed.board()
    board["themes"] = [t for t in board["themes"] if t["key"] != "unsorted"]  # never an option
    r = await themed.http.post(
        f"{themed.base}/themes/poll", json={"kind": "ranking"}, headers=bearer(themed.moderator)
    )
    assert r.status_code == 200, r.text
    poll = r.json()
    assert poll["type"] == "poll.open"
    assert poll["theme_ids"] == [t["id"] for t in board["themes"]]
    data = poll["data"]
    assert data["kind"] == "ranking" and data["secret"] is False and data["question"]
    assert len(data["options"]) == len(board["themes"]) == len(set(data["options"]))
    assert data["options"][0] == "加装电梯"
    assert data["options"][1:] == [t["label"][:60] for t in board["themes"][1:]]
    chosen = [board["themes"][2]["id"], board["themes"][0]["id"]]
    r = await themed.http.post(
        f"{themed.base}/themes/poll",
        json={"theme_ids": chosen, "question": "先协商哪一项？"},
        headers=bearer(themed.staff),
    )
    assert r.json()["data"]["kind"] == "multiple"
    assert r.json()["data"]["question"] == "先协商哪一项？"
    assert r.json()["data"]["options"][1] == "加装电梯" and r.json()["theme_ids"] == chosen


async def test_a_poll_needs_two_themes(collection: Collection) -> None:
    await collection.submit(collection.participants[0], "建议老旧小区加装电梯")
    r = await collection.http.post(
        f"{collection.base}/themes/poll", json={}, headers=bearer(collection.staff)
    )
    assert r.status_code == 409
    assert "两个主题" in r.json()["error"]["message"]


async def test_another_worker_rebuilds_the_same_board_from_the_database(
    themed: Collection, database_url: str
) -> None:
    board = await themed.board()
    first, second, third = board["themes"][:3]
    await themed.edit("merge", {"theme_ids": [first["id"], third["id"]], "name": "合并后的主题"})
    moved = second["members"][-1]["suggestion_id"]
    served = await themed.edit("move", {"suggestion_ids": [moved], "theme_id": first["id"]})
    # this process is a fresh worker: its board comes from the database alone
    db = Database(database_url)
    try:
        async with db.session() as session:
            principal = await principal_from_token(session, themed.staff)
            rebuilt = await themes.theme_board(session, principal, themed.meeting_id)
    finally:
        await db.close()

    def layout(themes: list[Any]) -> dict[int, tuple[str | None, set[int]]]:
        return {t["id"]: (t["name"], _members(t)) for t in themes}

    as_dicts = [
        {"id": t.id, "name": t.name, "members": [vars(m) for m in t.members]}
        for t in rebuilt.themes
    ]
    assert layout(as_dicts) == layout(served["themes"])
    pinned = {m.suggestion_id for t in rebuilt.themes for m in t.members if m.pinned}
    assert pinned == {
        m["suggestion_id"] for t in served["themes"] for m in t["members"] if m["pinned"]
    }
    assert rebuilt.revision == served["revision"]


async def test_each_suggestion_on_the_board_carries_its_screening_hints(
    collection: Collection,
) -> None:
    dispute = "我家和邻居的宅基地纠纷已经起诉到法院，请协商议事室评评理"
    public = "加强对信访工作的监督，及时回应群众诉求"
    await collection.submit_all([*interleaved()[:6], dispute, public])
    board = await collection.board()
    members = {m["text"]: m for t in board["themes"] for m in t["members"]}
    assert {h["kind"] for h in members[dispute]["hints"]} == {"individual_dispute", "litigation"}
    for hint in members[dispute]["hints"]:
        assert "第十一条" in hint["message"] and hint["triggers"]
    assert members[public]["hints"] == []  # public work on petitions is no lawsuit
    assert all(m["hints"] == [] for text, m in members.items() if text != dispute)
