"""The poll CSV export cannot smuggle a formula into the spreadsheet that opens it.

Names, questions, option labels and text answers that start with = + - @ (or a tab or a
carriage return) are written with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io

import httpx

from tests.conftest import bearer
from tests.live.polls_support import (
    close_poll,
    disconnect_all,
    make_people,
    open_poll,
    poll_meeting,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PEOPLE = [
    ("高志远", "member", "moderator"),
    ('=HYPERLINK("http://evil.example","林美玲")', "member", "participant"),
    ("@何建军", "stakeholder", "participant"),
]


async def test_cells_that_look_like_formulas_are_written_as_text(
    server: str, admin_token: str
) -> None:
    people = await make_people(server, admin_token, PEOPLE)
    room = await poll_meeting(server, admin_token, people, title="公式注入检查协商会")
    try:
        gao, lin, he = room.voters
        named = await open_poll(
            gao.user, question="=1+1 是否同意方案？", kind="single", options=["+方案甲", "-方案乙"]
        )
        assert (await lin.vote(named["poll_id"], "o1"))["ok"]
        assert (await he.vote(named["poll_id"], "o2"))["ok"]
        await close_poll(gao.user, named["poll_id"])
        text = await open_poll(gao.user, question="有什么建议？", kind="text")
        answers = ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3"]
        for voter, answer in zip((gao, lin, he), answers, strict=True):
            assert (await voter.vote(text["poll_id"], answer))["ok"]
        await close_poll(gao.user, text["poll_id"])
    finally:
        await disconnect_all(room)

    base = f"/api/meetings/{room.meeting_id}/polls"
    cells: list[str] = []
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        for poll in (named, text):
            r = await http.get(f"{base}/{poll['poll_id']}/result.csv", headers=bearer(admin_token))
            assert r.status_code == 200, r.text
            rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
            cells += [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], cells
    for shown in (
        "'=1+1 是否同意方案？",
        "'+方案甲",
        "'-方案乙",
        '\'=HYPERLINK("http://evil.example","林美玲")',
        "'@何建军",
        "'=cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        "'-2+3",
    ):
        assert shown in cells, (shown, cells)
