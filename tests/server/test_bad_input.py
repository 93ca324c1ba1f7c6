"""Bad input answers a JSON refusal, never a 500: huge ids, deep JSON, booleans as ids.

Also what every answer carries (security headers) and what the server will not parse.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from server.http.routes import ENDPOINTS
from tests.conftest import bearer

# One past PostgreSQL's INTEGER, one past SQLite's, and far past both.
HUGE = [2**31, 2**63, 10**30]

# A body each endpoint accepts, so that only the path's ids are wrong.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "OrgUnitPatch": {"name": "新名称"},
    "RoomPatch": {"name": "新名称"},
    "PersonPatch": {"name": "新名称"},
    "GrantIn": {"role": "staff", "room_id": 1},
    "MeetingPatch": {"title": "新标题"},
    "ParticipantIn": {"guest_name": "李秀英"},
    "InviteIn": {"participant_id": 1},
    "SegmentIn": {"text": "我赞成这个方案。"},
    "SegmentPatch": {"text": "我赞成这个方案。"},
    "AsrIn": {},
    "DraftIn": {},
    "ReportDraftIn": {},
    "MinutesEditIn": {"draft": {"header": {"title": "纪要"}}},
    "ReportEditIn": {"draft": {"title": "协商建议"}},
    "SuggestionIn": {"text": "建议增设停车位"},
    "MergeIn": {"theme_ids": [1, 2]},
    "SplitIn": {"theme_id": 1, "parts": [[1]]},
    "MoveIn": {"suggestion_ids": [1]},
    "RenameIn": {"name": "停车"},
    "PollIn": {},
}


def _path_cases() -> list[Any]:
    cases = []
    for ep in ENDPOINTS:
        ints = re.findall(r"\{(\w+):int\}", ep.path)
        if not ints:
            continue
        for huge in HUGE:
            path = re.sub(r"\{\w+:int\}", str(huge), ep.path).replace("{poll_id}", "p1")
            body = VALID_BODIES.get(ep.body.__name__, {}) if ep.body is not None else None
            cases.append(pytest.param(ep.method, path, body, id=f"{ep.method} {path[:60]}"))
    return cases


def assert_refused(r: httpx.Response, statuses: set[int]) -> dict[str, Any]:
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    error: dict[str, Any] = r.json()["error"]
    # `field` names where in the body the refusal belongs, when it belongs to one field.
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"} and error["message"]
    return error


@pytest.mark.parametrize(("method", "path", "body"), _path_cases())
async def test_a_path_id_too_large_for_the_database_is_not_found(
    http: httpx.AsyncClient, admin_token: str, method: str, path: str, body: Any
) -> None:
    r = await http.request(method, path, json=body, headers=bearer(admin_token))
    assert_refused(r, {400, 404})
    # Nobody signed in: refused as well, and still no 500 before the permission check.
    r = await http.request(method, path, json=body)
    assert_refused(r, {400, 401, 403, 404})


@pytest.mark.parametrize("huge", [*HUGE, -1, 0])
@pytest.mark.parametrize(
    ("path", "name"), [("/api/rooms", "org_unit_id"), ("/api/meetings", "room_id")]
)
async def test_a_query_id_out_of_range_is_invalid(
    http: httpx.AsyncClient, admin_token: str, path: str, name: str, huge: int
) -> None:
    r = await http.get(path, params={name: str(huge)}, headers=bearer(admin_token))
    error = assert_refused(r, {400})
    assert error["code"] == "invalid"


BODY_CASES = [
    ("POST", "/api/org-units", {"name": "新区", "level": "county", "parent_id": "ID"}),
    ("POST", "/api/rooms", {"name": "新议事室", "org_unit_id": "ID"}),
    (
        "POST",
        "/api/people",
        {"username": "bigid_person", "name": "王大明", "category": "member", "org_unit_id": "ID"},
    ),
    ("POST", "/api/people/1/roles", {"role": "staff", "org_unit_id": "ID"}),
    ("POST", "/api/people/1/roles", {"role": "staff", "room_id": "ID"}),
    (
        "POST",
        "/api/meetings",
        {
            "room_id": "ID",
            "title": "协商会",
            "topic_title": "停车",
            "starts_at": "2026-12-20T09:00:00+08:00",
            "place": "社区服务中心",
            "mode": "in_room",
        },
    ),
    ("PATCH", "/api/meetings/1", {"room_id": "ID"}),
    ("POST", "/api/meetings/1/participants", {"person_id": "ID"}),
    ("POST", "/api/meetings/1/invites", {"participant_id": "ID"}),
    ("POST", "/api/meetings/1/transcript/segments", {"after_id": "ID", "text": "好"}),
    ("POST", "/api/meetings/1/transcript/segments", {"participant_id": "ID", "text": "好"}),
    ("POST", "/api/meetings/1/recommendations", {"minutes_version": "ID"}),
    ("POST", "/api/meetings/1/themes/merge", {"theme_ids": ["ID", 1]}),
    ("POST", "/api/meetings/1/themes/merge", {"theme_ids": [1, 2], "into": "ID"}),
    ("POST", "/api/meetings/1/themes/split", {"theme_id": "ID", "parts": [[1]]}),
    ("POST", "/api/meetings/1/themes/split", {"theme_id": 1, "parts": [["ID"]]}),
    ("POST", "/api/meetings/1/themes/move", {"suggestion_ids": ["ID"]}),
    ("POST", "/api/meetings/1/themes/move", {"suggestion_ids": [1], "theme_id": "ID"}),
    ("POST", "/api/meetings/1/themes/poll", {"theme_ids": ["ID", 1]}),
]


def _with_id(value: Any, replacement: Any) -> Any:
    if value == "ID":
        return replacement
    if isinstance(value, dict):
        return {k: _with_id(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_id(v, replacement) for v in value]
    return value


@pytest.mark.parametrize("bad", [*HUGE, True, 0, -5])
@pytest.mark.parametrize(("method", "path", "template"), BODY_CASES)
async def test_a_body_id_out_of_range_or_a_boolean_is_invalid(
    http: httpx.AsyncClient,
    admin_token: str,
    method: str,
    path: str,
    template: dict[str, Any],
    bad: Any,
) -> None:
    r = await http.request(method, path, json=_with_id(template, bad), headers=bearer(admin_token))
    error = assert_refused(r, {400})
    assert error["code"] == "invalid"


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/meetings", "/api/screening"])
@pytest.mark.parametrize("depth", [2_000, 100_000])
async def test_json_nested_too_deep_is_refused_before_parsing(
    http: httpx.AsyncClient, admin_token: str, path: str, depth: int
) -> None:
    headers = {"content-type": "application/json", **bearer(admin_token)}
    for body in (deep_json(depth), b'{"a":' * depth + b"1" + b"}" * depth):
        r = await http.post(path, content=body, headers=headers)
        error = assert_refused(r, {400})
        assert error["code"] == "invalid"
        assert "层" in error["message"]


async def test_brackets_inside_strings_do_not_count_as_depth(
    http: httpx.AsyncClient, admin_token: str
) -> None:
    text = "【建议】" + "[[[{{{" * 500 + "增设停车位"
    r = await http.post("/api/screening", json={"text": text}, headers=bearer(admin_token))
    assert r.status_code == 200, r.text


async def test_a_body_over_the_size_limit_is_refused(
    http: httpx.AsyncClient, admin_token: str
) -> None:
    body = b'{"text": "' + "长".encode() * 1_000_000 + b'"}'
    r = await http.post(
        "/api/screening",
        content=body,
        headers={"content-type": "application/json", **bearer(admin_token)},
    )
    assert_refused(r, {400, 413})


async def test_a_transcript_file_of_deeply_nested_json_is_refused(
    http: httpx.AsyncClient, admin_token: str
) -> None:
    for body in (deep_json(100_000), b'{"speaker": "A", "text": ' + deep_json(100_000) + b"}"):
        r = await http.post(
            "/api/meetings/1/transcript/import",
            params={"filename": "发言.jsonl", "mode": "append"},
            content=body,
            headers=bearer(admin_token),
        )
        assert_refused(r, {400})


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/meetings/1", {"mode": None, "place": None}),
        ("/api/meetings/1", {"title": None}),
        ("/api/rooms/1", {"name": None}),
        ("/api/people/1", {"active": None}),
        ("/api/people/1", {"category": None}),
    ],
)
async def test_null_for_a_field_that_needs_a_value_is_invalid(
    http: httpx.AsyncClient, admin_token: str, path: str, body: dict[str, Any]
) -> None:
    r = await http.patch(path, json=body, headers=bearer(admin_token))
    error = assert_refused(r, {400})
    assert "null" in error["message"]


LONG = "欧阳" * 40  # 80 characters: within a room's name, past a person's


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/people", {"username": "long_name_1", "name": LONG, "category": "member"}),
        ("/api/people/1", {"name": LONG}),
        ("/api/meetings/1/participants", {"guest_name": LONG}),
        (
            "/api/meetings",
            {
                "room_id": 1,
                "title": "协商会",
                "topic_title": "停车",
                "starts_at": "2026-12-20T09:00:00+08:00",
                "place": "社区服务中心",
                "mode": "in_room",
                "agenda": [
                    {"title": "停车", "rounds": [{"kind": "discussion", "title": LONG * 2}]}
                ],
            },
        ),
    ],
)
async def test_text_longer_than_its_column_is_invalid_not_a_database_error(
    http: httpx.AsyncClient, admin_token: str, path: str, body: dict[str, Any]
) -> None:
    method = "PATCH" if path == "/api/people/1" else "POST"
    r = await http.request(method, path, json=body, headers=bearer(admin_token))
    error = assert_refused(r, {400})
    assert "最多" in error["message"]


async def test_the_openapi_document_says_what_ids_and_nulls_are_accepted(
    http: httpx.AsyncClient,
) -> None:
    doc = (await http.get("/api/openapi.json")).json()
    ranged = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    meeting = doc["paths"]["/api/meetings/{meeting_id}"]["get"]["parameters"]
    assert meeting[0]["schema"] == ranged
    csv_path = doc["paths"]["/api/meetings/{meeting_id}/polls/{poll_id}/result.csv"]["get"]
    assert [p["schema"]["type"] for p in csv_path["parameters"]] == ["integer", "string"]
    rooms = doc["paths"]["/api/rooms"]["get"]["parameters"]
    assert rooms[0]["schema"] == ranged
    schemas = doc["components"]["schemas"]
    grant_room = schemas["GrantIn"]["properties"]["room_id"]["anyOf"][0]
    assert grant_room["minimum"] == 1 and grant_room["maximum"] == 2**31 - 1
    mode = schemas["MeetingPatch"]["properties"]["mode"]
    assert "anyOf" not in mode and mode["enum"] == ["in_room", "online", "hybrid"]


async def test_a_new_agenda_replaces_the_old_one(http: httpx.AsyncClient, admin_token: str) -> None:
    """Found by schemathesis: the new items took the old ones' positions first (a 500)."""
    body = {
        "room_id": 1,
        "title": "议程替换检查",
        "topic_title": "停车",
        "starts_at": "2026-12-20T09:00:00+08:00",
        "place": "社区服务中心",
        "mode": "in_room",
        "agenda": [{"title": "停车位规划"}, {"title": "收费标准"}],
    }
    created = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
    assert created.status_code == 201, created.text
    r = await http.patch(
        f"/api/meetings/{created.json()['id']}",
        json={"agenda": [{"title": "充电桩", "template": "typical"}]},
        headers=bearer(admin_token),
    )
    assert r.status_code == 200, r.text
    assert [item["title"] for item in r.json()["agenda"]] == ["充电桩"]
    assert r.json()["agenda"][0]["rounds"]
