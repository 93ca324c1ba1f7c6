"""The office console's server side: importing people all-or-nothing with each row's error,
password reset links that work once and expire, and role grants taken back within reach.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import bearer, login_token

PASSWORD = "office-pass-2026"
HEADER = "姓名,用户名,类别,委员级别,手机,所属组织\n"


def uid(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


async def _units(http: httpx.AsyncClient, token: str) -> dict[str, int]:
    items = (await http.get("/api/org-units", headers=bearer(token))).json()["items"]
    return {u["name"]: u["id"] for u in items}


async def _staff(
    server: str, http: httpx.AsyncClient, admin_token: str, unit: str, name: str
) -> tuple[int, dict[str, str]]:
    """A CPPCC staff member with a grant over the named org unit, and their bearer header."""
    units = await _units(http, admin_token)
    username = uid("office_")
    r = await http.post(
        "/api/people",
        json={
            "username": username,
            "password": PASSWORD,
            "name": name,
            "category": "official",
            "org_unit_id": units[unit],
        },
        headers=bearer(admin_token),
    )
    assert r.status_code == 201, r.text
    person = r.json()["id"]
    grant = {"role": "cppcc_staff", "org_unit_id": units[unit]}
    r = await http.post(f"/api/people/{person}/roles", json=grant, headers=bearer(admin_token))
    assert r.status_code == 200, r.text
    token = await login_token(server, {"username": username, "password": PASSWORD})
    return person, bearer(token)


@pytest.fixture
async def county(server: str, http: httpx.AsyncClient, admin_token: str) -> dict[str, str]:
    return (await _staff(server, http, admin_token, "亭湖区", "钱县政协"))[1]


@pytest.fixture
async def township(server: str, http: httpx.AsyncClient, admin_token: str) -> dict[str, str]:
    return (await _staff(server, http, admin_token, "新兴镇", "孙镇政协"))[1]


async def _usernames(http: httpx.AsyncClient, admin_token: str) -> set[str]:
    items = (await http.get("/api/people", headers=bearer(admin_token))).json()["items"]
    return {p["username"] for p in items}


# -- who sees the console --------------------------------------------------------------------


async def test_the_console_is_offered_to_cppcc_staff_and_admins_only(
    http: httpx.AsyncClient, county: dict[str, str], member_token: str, admin_token: str
) -> None:
    me = (await http.get("/api/me", headers=county)).json()
    assert me["office"] is True
    assert (await http.get("/api/me", headers=bearer(member_token))).json()["office"] is False
    assert (await http.get("/api/me", headers=bearer(admin_token))).json()["office"] is True
    refused = await http.get("/api/office", headers=bearer(member_token))
    assert refused.status_code == 403
    reach = (await http.get("/api/office", headers=county)).json()
    units = await _units(http, admin_token)
    assert reach["everywhere"] is False
    assert reach["grantable_roles"] == ["cppcc_staff", "moderator", "staff", "unit_officer"]
    assert {units["亭湖区"], units["五星街道"], units["新兴镇"], units["解放社区"]} <= set(
        reach["org_unit_ids"]
    )
    assert units["盐都区"] not in reach["org_unit_ids"]
    assert units["大冈镇"] not in reach["org_unit_ids"]
    admin_reach = (await http.get("/api/office", headers=bearer(admin_token))).json()
    assert admin_reach["everywhere"] is True
    assert "admin" in admin_reach["grantable_roles"]


async def test_people_are_found_by_name_category_and_level(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    found = await http.get("/api/people", params={"q": "海燕"}, headers=county)
    assert [p["name"] for p in found.json()["items"]] == ["王海燕"]
    members = await http.get(
        "/api/people", params={"category": "member", "cppcc_level": "county"}, headers=county
    )
    names = {p["name"] for p in members.json()["items"]}
    assert {"刘建国", "赵明德", "孙丽华"} <= names
    assert "王海燕" not in names  # a city-level member


# -- importing people ------------------------------------------------------------------------


async def test_a_csv_with_broken_rows_lists_each_error_and_imports_nobody(
    http: httpx.AsyncClient, county: dict[str, str], admin_token: str
) -> None:
    good, dup, taken = uid("imp_"), uid("imp_"), "liujianguo"
    body = (
        HEADER
        + f"李明,{good},委员,县级,13800138000,五星街道\n"
        + f",{uid('imp_')},委员,,,五星街道\n"
        + f"张伟,{uid('imp_')},群众,,,五星街道\n"
        + f"王芳,{dup},其他,,12345,新兴镇\n"
        + f"赵强,{dup},部门负责人,,,新兴镇\n"
        + f"刘洋,{taken},委员,,,五星街道\n"
        + f"陈静,{uid('imp_')},委员,市级,,大冈镇\n"
        + f"杨光,{uid('imp_')},利益相关方代表,县级,,五星街道\n"
    )
    preview = await http.post(
        "/api/people/import/preview?filename=名单.csv", content=body.encode(), headers=county
    )
    assert preview.status_code == 200, preview.text
    report = preview.json()
    errors = {row["line"]: row["errors"] for row in report["rows"]}
    assert errors[2] == []
    assert errors[3] == ["姓名必填"]
    assert "类别“群众”不正确" in errors[4][0]
    assert "手机号“12345”格式不正确" in errors[5][0]
    assert errors[6] == [f"用户名 {dup} 与第 5 行重复"]
    assert errors[7] == [f"用户名 {taken} 已被使用"]
    assert errors[8] == ["所属组织不在您负责的范围内"]
    assert "只有委员才填委员级别" in errors[9][0]
    assert (report["valid"], report["invalid"], report["imported"]) == (1, 7, 0)
    refused = await http.post(
        "/api/people/import?filename=名单.csv", content=body.encode(), headers=county
    )
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert message.startswith("有 7 行有误，未导入任何人员")
    assert "第 3 行：姓名必填" in message
    assert good not in await _usernames(http, admin_token)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "用户名", "类别", "委员级别", "手机", "所属组织"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_xlsx_with_three_broken_rows_of_ten_imports_nothing_then_all_once_fixed(
    http: httpx.AsyncClient, county: dict[str, str], admin_token: str
) -> None:
    names = ["周一", "吴二", "郑三", "王四", "冯五", "陈六", "褚七", "卫八", "蒋九", "沈十"]
    usernames = [uid("x_") for _ in names]
    rows: list[list[Any]] = [
        [name, username, "委员", "县级", 13900000000 + i, "五星街道"]
        for i, (name, username) in enumerate(zip(names, usernames, strict=True))
    ]
    rows[2][0] = None  # no name
    rows[5][2] = "居民"  # no such category
    rows[8][5] = "火星街道"  # no such org unit
    preview = await http.post(
        "/api/people/import/preview?filename=名单.xlsx", content=_xlsx(rows), headers=county
    )
    assert preview.status_code == 200, preview.text
    broken = {r["line"]: r["errors"] for r in preview.json()["rows"] if r["errors"]}
    assert broken == {
        4: ["姓名必填"],
        7: ["类别“居民”不正确，应为 委员、利益相关方代表、部门/村居负责人 或 其他人员"],
        10: ["没有名为“火星街道”的组织"],
    }
    refused = await http.post(
        "/api/people/import?filename=名单.xlsx", content=_xlsx(rows), headers=county
    )
    assert refused.status_code == 400
    assert not set(usernames) & await _usernames(http, admin_token)

    rows[2][0], rows[5][2], rows[8][5] = "韩三", "利益相关方代表", "新兴镇"
    rows[5][3] = None
    done = await http.post(
        "/api/people/import?filename=名单.xlsx", content=_xlsx(rows), headers=county
    )
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 10
    people = {
        p["username"]: p for p in (await http.get("/api/people", headers=county)).json()["items"]
    }
    assert set(usernames) <= set(people)
    assert people[usernames[0]]["phone"] == "13900000000"
    assert people[usernames[5]]["category"] == "stakeholder"
    # Nobody typed a password for them: they get one through a reset link.
    assert people[usernames[0]]["roles"] == []


async def test_a_gbk_csv_from_excel_is_read(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    body = HEADER + f"欧阳娜,{uid('gbk_')},利益相关方代表,,0515-88886666,解放社区\n"
    r = await http.post(
        "/api/people/import/preview?filename=gbk.csv", content=body.encode("gbk"), headers=county
    )
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    assert (row["name"], row["org_unit"], row["errors"]) == ("欧阳娜", "解放社区", [])


async def test_files_that_are_not_a_table_are_refused_clearly(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    cases = {
        "photo.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "只能导入 CSV 或 XLSX 文件"),
        "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 Excel"),
        "broken.xlsx": (b"PK\x03\x04 not really a zip", "无法读取该 XLSX 文件"),
        "names.csv": ("名字,电话\n李明,1\n".encode(), "缺少列：姓名、用户名、类别"),
    }
    for name, (data, words) in cases.items():
        r = await http.post(
            f"/api/people/import/preview?filename={name}", content=data, headers=county
        )
        assert r.status_code == 400, (name, r.text)
        assert words in r.json()["error"]["message"], (name, r.text)


async def test_a_50_mb_upload_is_refused_before_it_is_read(
    server: str, county: dict[str, str]
) -> None:
    """The server answers from the declared size: the client has sent 64 KB of 50 MB."""
    url = urlsplit(server)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    size = 50 * 1024 * 1024
    head = (
        "POST /api/people/import?filename=big.csv HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\n{next(iter(county))}: {next(iter(county.values()))}\r\n"
        f"Content-Type: text/csv\r\nContent-Length: {size}\r\n\r\n"
    )
    writer.write(head.encode() + b"a" * 65536)
    await writer.drain()
    head_in = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    status_line, _, headers = head_in.decode().partition("\r\n")
    assert " 400 " in status_line, head_in
    length = next(
        int(line.split(":", 1)[1])
        for line in headers.split("\r\n")
        if line.lower().startswith("content-length:")
    )
    body = await asyncio.wait_for(reader.readexactly(length), timeout=10)
    writer.close()
    assert "不能超过 2 MB" in body.decode()


async def test_a_3_mb_upload_without_a_declared_size_is_refused(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    async def chunks() -> Any:
        for _ in range(12):
            yield b"x" * (256 * 1024)

    r = await http.post(
        "/api/people/import/preview?filename=a.csv", content=chunks(), headers=county
    )
    assert r.status_code == 400
    assert "不能超过 2 MB" in r.json()["error"]["message"]


# -- password reset links --------------------------------------------------------------------


async def _new_person(http: httpx.AsyncClient, headers: dict[str, str], unit: int) -> int:
    r = await http.post(
        "/api/people",
        json={
            "username": uid("reset_"),
            "name": "林小雨",
            "category": "member",
            "org_unit_id": unit,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    person: int = r.json()["id"]
    return person


async def test_a_reset_link_sets_a_password_once_and_ends_other_sessions(
    server: str, http: httpx.AsyncClient, county: dict[str, str], admin_token: str
) -> None:
    units = await _units(http, admin_token)
    person = await _new_person(http, county, units["五星街道"])
    made = await http.post(f"/api/people/{person}/reset-links", headers=county)
    assert made.status_code == 201, made.text
    link = made.json()
    assert "/reset/" in link["url"]
    token = link["url"].rsplit("/", 1)[1]
    info = await http.get(f"/api/password-resets/{token}")
    assert info.json()["name"] == "林小雨"
    weak = await http.post(f"/api/password-resets/{token}", json={"password": "short"})
    assert weak.status_code == 400
    assert "password：至少 8 个字符" in weak.json()["error"]["message"]
    set_it = await http.post(f"/api/password-resets/{token}", json={"password": "xiaoyu-2026"})
    assert set_it.status_code == 200, set_it.text
    username = (await http.get(f"/api/people/{person}", headers=county)).json()["username"]
    first = await login_token(server, {"username": username, "password": "xiaoyu-2026"})

    again = await http.post(f"/api/password-resets/{token}", json={"password": "taken-2026!"})
    assert again.status_code == 400
    assert "已经使用过" in again.json()["error"]["message"]
    assert (await http.get(f"/api/password-resets/{token}")).status_code == 400

    # A second link, used: the session that the first password opened is over.
    second = (await http.post(f"/api/people/{person}/reset-links", headers=county)).json()
    token2 = second["url"].rsplit("/", 1)[1]
    r = await http.post(f"/api/password-resets/{token2}", json={"password": "xiaoyu-2027"})
    assert r.status_code == 200
    assert (await http.get("/api/me", headers=bearer(first))).status_code == 401


async def test_a_new_link_replaces_the_old_one_and_an_expired_one_is_refused(
    http: httpx.AsyncClient, county: dict[str, str], admin_token: str, database_url: str
) -> None:
    units = await _units(http, admin_token)
    person = await _new_person(http, county, units["新兴镇"])
    old = (await http.post(f"/api/people/{person}/reset-links", headers=county)).json()
    new = (await http.post(f"/api/people/{person}/reset-links", headers=county)).json()
    old_token, new_token = (x["url"].rsplit("/", 1)[1] for x in (old, new))
    replaced = await http.post(f"/api/password-resets/{old_token}", json={"password": "abc-12345"})
    assert replaced.status_code == 400
    expires = datetime.fromisoformat(new["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
    # A day later (moved back in the database, as a clock cannot be here):
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE password_resets SET expires_at = :at WHERE token_hash = :h"),
            {
                "at": datetime.now(UTC) - timedelta(minutes=1),
                "h": hashlib.sha256(new_token.encode()).hexdigest(),
            },
        )
    await engine.dispose()
    expired = await http.post(f"/api/password-resets/{new_token}", json={"password": "abc-12345"})
    assert expired.status_code == 400
    assert "重置链接已过期" in expired.json()["error"]["message"]
    assert (await http.get("/api/password-resets/nothing-like-it")).status_code == 400


async def test_township_staff_cannot_make_a_reset_link_for_the_admin_or_another_township(
    http: httpx.AsyncClient, township: dict[str, str], admin_token: str
) -> None:
    admin_id = (await http.get("/api/me", headers=bearer(admin_token))).json()["id"]
    r = await http.post(f"/api/people/{admin_id}/reset-links", headers=township)
    assert r.status_code == 403, r.text
    units = await _units(http, admin_token)
    elsewhere = await _new_person(http, bearer(admin_token), units["五星街道"])
    r = await http.post(f"/api/people/{elsewhere}/reset-links", headers=township)
    assert r.status_code == 403, r.text
    mine = await _new_person(http, township, units["新兴镇"])
    assert (await http.post(f"/api/people/{mine}/reset-links", headers=township)).status_code == 201


# -- role grants taken back ------------------------------------------------------------------


async def test_a_grant_is_taken_back_within_reach_only(
    http: httpx.AsyncClient, county: dict[str, str], township: dict[str, str], admin_token: str
) -> None:
    units = await _units(http, admin_token)
    rooms = (await http.get("/api/rooms", headers=county)).json()["items"]
    room = next(r["id"] for r in rooms if r["org_unit_name"] == "五星街道")
    person = await _new_person(http, county, units["五星街道"])
    grant = {"role": "staff", "room_id": room}
    r = await http.post(f"/api/people/{person}/roles", json=grant, headers=county)
    assert r.json()["roles"] == [{"role": "staff", "org_unit_id": None, "room_id": room}]
    # 新兴镇's staff do not reach 五星街道's room.
    r = await http.post(f"/api/people/{person}/roles/revoke", json=grant, headers=township)
    assert r.status_code == 403
    r = await http.post(f"/api/people/{person}/roles/revoke", json=grant, headers=county)
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == []
    again = await http.post(f"/api/people/{person}/roles/revoke", json=grant, headers=county)
    assert again.status_code == 404
    admin_id = (await http.get("/api/me", headers=bearer(admin_token))).json()["id"]
    r = await http.post(
        f"/api/people/{admin_id}/roles/revoke", json={"role": "admin"}, headers=county
    )
    assert r.status_code == 403


async def test_five_thousand_rows_are_checked_and_one_more_is_refused(
    http: httpx.AsyncClient, county: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = [f"委员{i},bulk_{tag}_{i},委员,县级,,五星街道" for i in range(5000)]
    body = (HEADER + "\n".join(rows) + "\n").encode()
    r = await http.post("/api/people/import/preview?filename=a.csv", content=body, headers=county)
    assert r.status_code == 200, r.text
    assert (r.json()["valid"], r.json()["invalid"]) == (5000, 0)
    more = body + f"多一,bulk_{tag}_x,委员,,,五星街道\n".encode()
    r = await http.post("/api/people/import/preview?filename=a.csv", content=more, headers=county)
    assert r.status_code == 400
    assert "一次最多导入 5000 行" in r.json()["error"]["message"]
