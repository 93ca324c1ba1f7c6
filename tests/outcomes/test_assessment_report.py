"""A county's yearly report as DOCX in the official layout: the figures a reader finds in it are
the ones the dashboard shows the same county office, for the demo data plus a training course
and a report; only the county's (or the city's) CPPCC office may download it."""

from __future__ import annotations

import io
import shutil
from typing import Any

import docx
import httpx
import pytest
from docx.oxml.ns import qn

from server.documents.pdf import PdfConverter
from tests.conftest import bearer, login_token
from tests.outcomes.conftest import YEAR, ok


def _text(document: Any) -> tuple[list[str], list[list[list[str]]]]:
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables


@pytest.fixture
async def county(server: str, demo: dict[str, Any]) -> dict[str, str]:
    return bearer(await login_token(server, demo["accounts"]["county"]))


async def _unit(http: httpx.AsyncClient, headers: dict[str, str], name: str) -> int:
    units = (await ok(await http.get("/api/org-units", headers=headers)))["items"]
    return int(next(u["id"] for u in units if u["name"] == name))


async def _report(http: httpx.AsyncClient, headers: dict[str, str], unit_id: int) -> bytes:
    r = await http.get(
        f"/api/assessment/report.docx?year={YEAR}&org_unit_id={unit_id}", headers=headers
    )
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    return r.content


async def test_the_report_says_what_the_dashboard_shows(
    http: httpx.AsyncClient, county: dict[str, str], admin: dict[str, str]
) -> None:
    tinghu = await _unit(http, county, "亭湖区")
    wuxing = await _unit(http, county, "五星街道")
    await ok(
        await http.post(
            "/api/trainings",
            json={
                "org_unit_id": wuxing,
                "title": "协商议事骨干培训班",
                "held_on": f"{YEAR}-06-18",
                "place": "区政协会议室",
            },
            headers=admin,
        ),
        201,
    )
    await ok(
        await http.post(
            "/api/rooms/1/publicity",
            json={
                "title": "路灯亮了，居民心也亮了",
                "url": "https://example.org/wuxing-lights",
                "channel": "wechat",
                "published_on": f"{YEAR}-07-02",
            },
            headers=admin,
        ),
        201,
    )
    dash = await ok(await http.get(f"/api/assessment/dashboard?year={YEAR}", headers=county))
    duty = (await ok(await http.get(f"/api/assessment/duty?year={YEAR}", headers=county)))["items"]
    document = docx.Document(io.BytesIO(await _report(http, county, tinghu)))
    paragraphs, tables = _text(document)
    body = "\n".join(paragraphs)

    assert paragraphs[0] == f"亭湖区“有事好商量”协商议事室{YEAR}年度工作报告"
    rooms = dash["rooms"]
    assert rooms and f"共有“有事好商量”协商议事室{len(rooms)}个" in body
    held = sum(r["activities"] for r in rooms)
    assert f"全年举办协商议事活动{held}次" in body

    # The activities table: one row per room, as the dashboard counts them.
    activities = tables[0]
    assert activities[0] == ["序号", "协商议事室", "层级", "活动次数", "应办次数", "完成情况"]
    assert [(r[1], r[3], r[4], r[5]) for r in activities[1:]] == [
        (
            r["name"],
            str(r["activities"]),
            str(r["required"]),
            "未达标" if r["behind"] else "达标",
        )
        for r in rooms
    ]
    widths = [c.width for c in document.tables[0].columns]
    assert max(widths) == widths[1]  # the rooms' names get the room
    for room in rooms:
        if room["behind"]:
            assert f"{room['name']}：已举办{room['activities']}次，应办{room['required']}次" in body

    # Outcomes with the dashboard's rates (the demo's outcome is among them).
    submitted = sum(r["outcomes"] for r in rooms)
    adopted = sum(r["adopted"] for r in rooms)
    implemented = sum(r["implemented"] for r in rooms)
    assert submitted >= 1 and dash["items"] >= 1
    assert f"全年报送协商成果{submitted}份，提出建议{dash['items']}条" in body
    assert f"采纳（含部分采纳）{adopted}条，采纳率{dash['adoption_rate']:.1%}" in body
    assert f"已落实{implemented}条，落实率{dash['implementation_rate']:.1%}" in body
    per_room = tables[1]
    assert per_room[0] == ["协商议事室", "报送成果", "采纳建议", "落实建议"]
    assert [tuple(row) for row in per_room[1:]] == [
        (r["name"], str(r["outcomes"]), str(r["adopted"]), str(r["implemented"]))
        for r in rooms
        if r["outcomes"]
    ]

    # Members, training and publicity.
    attended = sum(r["counts"]["attended"] for r in duty)
    assert f"{len(duty)}名委员有履职记录" in body and f"出席{attended:g}人次" in body
    assert "协商议事骨干培训班（区政协会议室）" in body
    assert "微信公众号：路灯亮了，居民心也亮了" in body

    # The official layout: the minutes' title and body faces, the issuer and a page number.
    assert paragraphs[-2] == "政协盐城市亭湖区委员会办公室"
    assert paragraphs[-1].endswith("日") and paragraphs[-1].startswith(f"{YEAR}年")
    fonts = document.paragraphs[0].runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body_fonts = document.paragraphs[2].runs[0]._element.rPr.rFonts
    assert body_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer


async def test_only_the_county_or_city_office_may_download_it(
    http: httpx.AsyncClient,
    county: dict[str, str],
    admin: dict[str, str],
    member_token: str,
) -> None:
    tinghu = await _unit(http, county, "亭湖区")
    yandu = await _unit(http, county, "盐都区")
    path = f"/api/assessment/report.docx?year={YEAR}&org_unit_id="
    member = await http.get(path + str(tinghu), headers=bearer(member_token))
    assert member.status_code == 403 and member.json()["error"]["code"] == "forbidden"
    other = await http.get(path + str(yandu), headers=county)
    assert other.status_code == 403
    assert (await http.get(path + str(tinghu))).status_code == 401
    # The city's office (here the admin) may ask for any county, and for the city.
    await _report(http, admin, yandu)
    township = await http.get(path + str(await _unit(http, county, "五星街道")), headers=admin)
    assert township.status_code == 400 and township.json()["error"]["field"] == "org_unit_id"
    missing = await http.get(f"/api/assessment/report.docx?year={YEAR}", headers=county)
    assert missing.status_code == 400
    bad_year = await http.get(
        f"/api/assessment/report.docx?year=1900&org_unit_id={tinghu}", headers=county
    )
    assert bad_year.status_code == 400


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is not installed",
)
async def test_libreoffice_converts_the_report(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    data = await _report(http, county, await _unit(http, county, "亭湖区"))
    assert PdfConverter(timeout_s=180).convert(data).startswith(b"%PDF")
