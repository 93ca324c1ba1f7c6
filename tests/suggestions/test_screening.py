"""Screening hints for proposed topics (第十一条) and the words staff teach the segmenter."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import bearer
from tests.suggestions.conftest import Collection


async def test_a_lawsuit_and_a_private_dispute_get_hints_an_ordinary_topic_none(
    http: httpx.AsyncClient, member_token: str
) -> None:
    lawsuit = "我家与邻居的宅基地纠纷，法院已经判决，但对方拒不执行，请求协商解决"
    r = await http.post("/api/screening", json={"text": lawsuit}, headers=bearer(member_token))
    assert r.status_code == 200, r.text
    hints = {h["kind"]: h for h in r.json()["hints"]}
    assert {"litigation", "individual_dispute"} <= set(hints)
    assert "涉法涉诉" in hints["litigation"]["message"]
    assert "法院" in hints["litigation"]["triggers"]
    ordinary = "五星街道老旧小区加装电梯的费用分摊和低层住户补偿"
    r = await http.post("/api/screening", json={"text": ordinary}, headers=bearer(member_token))
    assert r.status_code == 200 and r.json()["hints"] == []
    blank = await http.post("/api/screening", json={"text": "  "}, headers=bearer(member_token))
    assert blank.status_code == 400
    assert (await http.post("/api/screening", json={"text": lawsuit})).status_code == 401


async def test_staff_teach_a_word_and_themes_keep_it_whole(
    collection: Collection, member_token: str
) -> None:
    word = "伊景园滨河苑"
    staff = bearer(collection.staff)
    r = await collection.http.post("/api/vocabulary", json={"word": word}, headers=staff)
    assert r.status_code in (201, 409), r.text
    refused = await collection.http.post(
        "/api/vocabulary", json={"word": f"词{uuid.uuid4().hex[:6]}"}, headers=bearer(member_token)
    )
    assert refused.status_code == 403
    bad = await collection.http.post(
        "/api/vocabulary", json={"word": "Binhe Garden"}, headers=staff
    )
    assert bad.status_code == 400
    words = (await collection.http.get("/api/vocabulary", headers=staff)).json()["items"]
    assert word in [w["word"] for w in words]
    for text in ("伊景园滨河苑捆绑销售车位，侵害业主权益", "伊景园滨河苑的车位只租不售，希望协调"):
        assert (await collection.submit(collection.participants[0], text)).status_code == 201
    board = await collection.board()
    assert any(word in theme["keywords"] for theme in board["themes"])
