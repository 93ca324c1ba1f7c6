"""Every endpoint and live command, tried by every kind of person over three scopes.

The expected answer of each cell comes from the policy's own table (`server.policy`): the
facts of a persona towards a target are worked out here from the persona's declared grants
and roster places, independently of the server's resolver, and `policy.decide` says whether
the action is allowed. The server must then answer accordingly: 401 or 403 for a refusal,
anything else (done, not found, conflict, invalid data after the check) for an allowance.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio

from realtime.meeting import MACHINE
from server import policy
from server.db.models import ROLES
from server.http.routes import ENDPOINTS
from tests.conftest import bearer, live_client, login_token

SCOPES = ("own", "other_room", "other_county")
PASSWORD = "matrix-pass-2026"


@dataclass
class Persona:
    """A kind of caller: its grants as (role, "room"|"unit"|"global", key) and roster place."""

    key: str
    grants: list[tuple[str, str, str]] = field(default_factory=list)
    roster: tuple[str, str] | None = None  # (category, meeting role) in the own meeting
    guest: bool = False
    anonymous: bool = False
    person_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: dict[str, str] | None = None
    credentials: dict[str, str] | None = None


def personas() -> list[Persona]:
    return [
        Persona("anonymous", anonymous=True),
        Persona("guest", guest=True),
        Persona("member", roster=("member", "participant")),
        Persona("stakeholder", roster=("stakeholder", "participant")),
        Persona("official", roster=("official", "participant")),
        Persona("moderator_here", roster=("member", "moderator")),
        Persona("moderator_elsewhere", grants=[("moderator", "room", "other_room")]),
        Persona("staff", grants=[("staff", "room", "own")]),
        Persona("party_reviewer", grants=[("party_reviewer", "unit", "own_township")]),
        Persona("unit_officer", grants=[("unit_officer", "unit", "own_township")]),
        Persona("cppcc_township", grants=[("cppcc_staff", "unit", "own_township")]),
        Persona("cppcc_county", grants=[("cppcc_staff", "unit", "own_county")]),
        Persona("cppcc_city", grants=[("cppcc_staff", "unit", "city")]),
        Persona("admin", grants=[("admin", "global", "")]),
    ]


@dataclass
class World:
    """Three meetings: in the own room, in another room of the county, in another county."""

    units: dict[str, int]  # city, own_county, own_township, other_township, ...
    rooms: dict[str, int]  # own, other_room, other_county
    meetings: dict[str, int]
    targets: dict[str, int]  # a plain person filed under each scope's township
    guests: dict[str, int]  # a guest participant of each meeting
    invite: str
    personas: list[Persona]
    topics: dict[str, int]  # a topic proposed by the admin in each scope's room
    suggestions: dict[str, int]  # a suggestion the admin wrote to each scope's meeting
    reports: dict[str, int]  # the admin's report on each scope's topic
    questionnaires: dict[str, int] = field(default_factory=dict)  # one in each scope's room
    comments: dict[str, int] = field(default_factory=dict)  # on a noticed topic of each room
    # where each scope sits: its room, its township, its county
    place: dict[str, tuple[str, str, str]] = field(
        default_factory=lambda: {
            "own": ("own", "own_township", "own_county"),
            "other_room": ("other_room", "other_township", "own_county"),
            "other_county": ("other_county", "far_township", "far_county"),
        }
    )


_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}"


async def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture(scope="module")
async def world(server: str, admin_token: str) -> World:
    admin = bearer(admin_token)
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        units_list = (await http.get("/api/org-units", headers=admin)).json()["items"]
        by_name = {u["name"]: u["id"] for u in units_list}
        city = next(u["id"] for u in units_list if u["level"] == "city")
        units = {
            "city": city,
            "own_county": by_name["亭湖区"],
            "own_township": by_name["五星街道"],
            "other_township": by_name["新兴镇"],
            "far_county": by_name["盐都区"],
            "far_township": by_name["大冈镇"],
        }
        rooms_list = (await http.get("/api/rooms", headers=admin)).json()["items"]
        # The demo's room of each township: the first, not one an earlier test added there
        # (the office console's test makes a pre-moderating room in a demo township).
        room_of: dict[int, int] = {}
        for r in sorted(rooms_list, key=lambda r: r["id"]):
            if r["level"] == "township":
                room_of.setdefault(r["org_unit_id"], r["id"])
        rooms = {
            "own": room_of[units["own_township"]],
            "other_room": room_of[units["other_township"]],
            "other_county": room_of[units["far_township"]],
        }
        meetings: dict[str, int] = {}
        guests: dict[str, int] = {}
        targets: dict[str, int] = {}
        township_of = {"own": "own_township", "other_room": "other_township"}
        township_of["other_county"] = "far_township"
        for scope in SCOPES:
            body = {
                "room_id": rooms[scope],
                "title": f"权限矩阵协商会（{scope}）",
                "topic_title": "背街小巷路灯维修",
                "starts_at": "2026-12-28T09:00:00+08:00",
                "place": "党群服务中心",
                "mode": "hybrid",
                "agenda": [
                    {"title": "路灯维修", "rounds": [{"kind": "discussion", "title": "讨论"}]}
                ],
            }
            meeting = await _ok(await http.post("/api/meetings", json=body, headers=admin), 201)
            meetings[scope] = meeting["id"]
            guest = await _ok(
                await http.post(
                    f"/api/meetings/{meeting['id']}/participants",
                    json={"guest_name": "周来宾"},
                    headers=admin,
                ),
                201,
            )
            guests[scope] = guest["id"]
            target = await _ok(
                await http.post(
                    "/api/people",
                    json={
                        "username": unique("target"),
                        "name": "吴目标",
                        "category": "member",
                        "org_unit_id": units[township_of[scope]],
                    },
                    headers=admin,
                ),
                201,
            )
            targets[scope] = target["id"]
        invite = (
            await _ok(
                await http.post(
                    f"/api/meetings/{meetings['own']}/invites",
                    json={"participant_id": guests["own"]},
                    headers=admin,
                ),
                201,
            )
        )["invite"]
        cast = personas()
        for persona in cast:
            if persona.anonymous:
                continue
            if persona.guest:
                persona.headers = {"X-Invite": invite}
                persona.auth = {"invite": invite}
                continue
            username = unique(f"m_{persona.key}_")
            created = await _ok(
                await http.post(
                    "/api/people",
                    json={
                        "username": username,
                        "name": f"矩阵{persona.key}",
                        "category": persona.roster[0] if persona.roster else "official",
                        "password": PASSWORD,
                        "org_unit_id": units["own_township"],
                    },
                    headers=admin,
                ),
                201,
            )
            persona.person_id = created["id"]
            for role, kind, key in persona.grants:
                grant: dict[str, Any] = {"role": role}
                if kind == "room":
                    grant["room_id"] = rooms[key]
                elif kind == "unit":
                    grant["org_unit_id"] = units[key]
                await _ok(
                    await http.post(f"/api/people/{created['id']}/roles", json=grant, headers=admin)
                )
            if persona.roster:
                await _ok(
                    await http.post(
                        f"/api/meetings/{meetings['own']}/participants",
                        json={"person_id": created["id"], "role": persona.roster[1]},
                        headers=admin,
                    ),
                    201,
                )
            persona.credentials = {"username": username, "password": PASSWORD}
            token = await login_token(server, persona.credentials)
            persona.headers = bearer(token)
            persona.auth = {"token": token}
        topics: dict[str, int] = {}
        for scope in SCOPES:
            topic = await _ok(
                await http.post(
                    "/api/topics",
                    json={"room_id": rooms[scope], "title": f"矩阵议题（{scope}）"},
                    headers=admin,
                ),
                201,
            )
            topics[scope] = topic["topic_id"]
        suggestions: dict[str, int] = {}
        reports: dict[str, int] = {}
        for scope in SCOPES:
            written = await _ok(
                await http.post(
                    f"/api/meetings/{meetings[scope]}/suggestions",
                    json={"text": f"矩阵意见：路灯要修（{scope}）"},
                    headers=admin,
                ),
                201,
            )
            suggestions[scope] = written["suggestion_id"]
            filed = await _ok(
                await http.post(
                    "/api/reports",
                    json={"target_type": "topic", "target_id": topics[scope], "reason": "矩阵"},
                    headers=admin,
                ),
                201,
            )
            reports[scope] = filed["report_id"]
        built = World(
            units, rooms, meetings, targets, guests, invite, cast, topics, suggestions, reports
        )
        for scope in SCOPES:
            built.questionnaires[scope] = await _questionnaire(
                http, admin, rooms[scope], topics[scope]
            )
            built.comments[scope] = await _public_comment(http, admin, rooms[scope])
        return built


async def _questionnaire(
    http: httpx.AsyncClient, admin: dict[str, str], room_id: int, topic_id: int
) -> int:
    second = await _ok(
        await http.post(
            "/api/topics", json={"room_id": room_id, "title": "矩阵议题二"}, headers=admin
        ),
        201,
    )
    call = await _ok(
        await http.post(
            "/api/questionnaires",
            json={
                "room_id": room_id,
                "title": "矩阵问卷",
                "deadline": "2027-03-01T09:00:00+08:00",
                "topic_ids": [topic_id, second["topic_id"]],
                "questions": [{"kind": "rank", "prompt": "请排序"}],
            },
            headers=admin,
        ),
        201,
    )
    return int(call["call_id"])


async def _public_comment(http: httpx.AsyncClient, admin: dict[str, str], room_id: int) -> int:
    """A comment from the public on a topic of the room under notice."""
    address = {"X-Forwarded-For": f"10.201.{next(_counter) % 250}.{uuid.uuid4().int % 250}"}
    sent = await _ok(
        await http.post(
            "/api/public/proposals",
            json={**PUBLIC_PROPOSAL, "room_id": room_id},
            headers=address,
        ),
        201,
    )
    path = f"/api/topics/{sent['proposal_id']}"
    await _ok(await http.post(path + "/screen", json={"decision": "shortlist"}, headers=admin))
    await _ok(await http.post(path + "/review", json={"decision": "approve"}, headers=admin))
    await _ok(await http.post(path + "/file", json={}, headers=admin))
    notice = {"meeting_at": "2027-03-01T09:00:00+08:00", "place": "会议室", "form": "in_room"}
    await _ok(await http.post(path + "/notice", json=notice, headers=admin))
    comment = await _ok(
        await http.post(
            f"/api/public/notices/{sent['proposal_id']}/comments",
            json={"text": "矩阵留言"},
            headers={"X-Forwarded-For": f"10.202.{next(_counter) % 250}.{uuid.uuid4().int % 250}"},
        ),
        201,
    )
    return int(comment["comment_id"])


# -- the oracle: facts from the declared world ---------------------------------------------


def _chain(world: World, scope: str) -> tuple[str, list[str]]:
    room, township, county = world.place[scope]
    return room, [township, county, "city"]


def _held(persona: Persona, world: World, where: str, scope: str) -> frozenset[str]:
    """Account roles the persona holds over the target: `where` is what the action is
    about (room, township, person, nothing at all, or anything)."""
    held: set[str] = set()
    room, units = _chain(world, scope)
    if where == "parent":  # an org unit is looked after from the unit above it
        units = units[1:]
    for role, kind, key in persona.grants:
        if kind == "global" or where == "any":
            held.add(role)
        elif where == "none":
            continue
        elif kind == "room":
            if where == "room" and key == room:
                held.add(role)
        elif key in units:
            held.add(role)
    return frozenset(ROLES) if "admin" in held else frozenset(held)


def _meeting_role(persona: Persona, world: World, scope: str) -> str | None:
    if persona.roster and scope == "own" and persona.roster[1] in ("moderator", "staff"):
        return persona.roster[1]
    held = _held(persona, world, "room", scope)
    if "moderator" in held:
        return "moderator"
    if held & {"staff", "cppcc_staff"}:
        return "staff"
    if scope == "own" and (persona.roster or persona.guest):
        return "participant"
    return None


def expected(persona: Persona, world: World, name: str, scope: str) -> bool:
    p = policy.permission(name)
    where = {
        "none": "none",
        "any": "any",
        "org_unit": "unit",
        "room": "room",
        "meeting": "room",
        "person": "unit",
    }[p.scope]
    if name in ("org_unit.update", "topic.file", "topic.comment", "assessment.report"):
        # An org unit, and a township's topic filing, are looked after from the unit above;
        # the yearly report is asked for the scope's county.
        where = "parent"
    if name == "room.award":
        # Only the city marks excellent rooms: a CPPCC-staff grant over the city (or global).
        held = {r for r, kind, key in persona.grants if kind == "global" or key == "city"}
        return not persona.guest and bool(held & {"cppcc_staff", "admin"})
    if name in ("person.grant", "person.revoke"):
        # Handing out (or taking back) `staff` over the scope's room needs a grantor's role
        # over that room.
        held = _held(persona, world, "room", scope)
        return not persona.guest and bool(held & {"cppcc_staff", "admin"})
    facts = policy.Facts(
        identified=not persona.anonymous,
        signed_in=not persona.anonymous and not persona.guest,
        is_self=False,
        grants=frozenset() if persona.guest else _held(persona, world, where, scope),
        meeting_role=_meeting_role(persona, world, scope) if p.scope == "meeting" else None,
    )
    return policy.decide(p, facts)


# -- one request per endpoint and scope ----------------------------------------------------

Request = tuple[str, dict[str, Any] | None, bytes | None]
Builder = Callable[[World, str], Request]
M = "/api/meetings/{m}"


def _meeting_path(suffix: str) -> Builder:
    return lambda w, s: (f"/api/meetings/{w.meetings[s]}{suffix}", None, None)


def _meeting_body(suffix: str, body: dict[str, Any]) -> Builder:
    return lambda w, s: (f"/api/meetings/{w.meetings[s]}{suffix}", body, None)


TOWNSHIP_NAMES = {"own": "五星街道", "other_room": "新兴镇", "other_county": "大冈镇"}


def _broken_import(scope: str) -> bytes:
    return f"姓名,用户名,类别,所属组织\n,{unique('imp')},委员,{TOWNSHIP_NAMES[scope]}\n".encode()


BUILDERS: dict[str, Builder] = {
    "openapi_json": lambda w, s: ("/api/openapi.json", None, None),
    "get_me": lambda w, s: ("/api/me", None, None),
    "list_org_units": lambda w, s: ("/api/org-units", None, None),
    "create_org_unit": lambda w, s: (
        "/api/org-units",
        {"name": unique("矩阵村"), "level": "village", "parent_id": w.units[w.place[s][1]]},
        None,
    ),
    "get_org_unit": lambda w, s: (f"/api/org-units/{w.units[w.place[s][1]]}", None, None),
    "update_org_unit": lambda w, s: (f"/api/org-units/{w.units[w.place[s][1]]}", {}, None),
    "list_rooms": lambda w, s: ("/api/rooms", None, None),
    "create_room": lambda w, s: (
        "/api/rooms",
        {"name": unique("矩阵议事室"), "org_unit_id": w.units[w.place[s][1]]},
        None,
    ),
    "get_room": lambda w, s: (f"/api/rooms/{w.rooms[s]}", None, None),
    "update_room": lambda w, s: (f"/api/rooms/{w.rooms[s]}", {}, None),
    "list_people": lambda w, s: ("/api/people", None, None),
    "create_person": lambda w, s: (
        "/api/people",
        {
            "username": unique("new"),
            "name": "郑新人",
            "category": "guest",
            "org_unit_id": w.units[w.place[s][1]],
        },
        None,
    ),
    "get_person": lambda w, s: (f"/api/people/{w.targets[s]}", None, None),
    "update_person": lambda w, s: (f"/api/people/{w.targets[s]}", {"name": "吴目标"}, None),
    "grant_role": lambda w, s: (
        f"/api/people/{w.targets[s]}/roles",
        {"role": "staff", "room_id": w.rooms[s]},
        None,
    ),
    "revoke_role": lambda w, s: (
        f"/api/people/{w.targets[s]}/roles/revoke",
        {"role": "staff", "room_id": w.rooms[s]},
        None,
    ),
    "office": lambda w, s: ("/api/office", None, None),
    # A row without a name: allowed callers are told so, and nobody is imported.
    "preview_import": lambda w, s: (
        "/api/people/import/preview?filename=a.csv",
        None,
        _broken_import(s),
    ),
    "import_people": lambda w, s: (
        "/api/people/import?filename=a.csv",
        None,
        _broken_import(s),
    ),
    "create_reset_link": lambda w, s: (f"/api/people/{w.targets[s]}/reset-links", None, None),
    "read_reset_link": lambda w, s: ("/api/password-resets/not-a-real-link", None, None),
    "use_reset_link": lambda w, s: (
        "/api/password-resets/not-a-real-link",
        {"password": "new-pass-2026"},
        None,
    ),
    "list_meetings": lambda w, s: ("/api/meetings", None, None),
    "create_meeting": lambda w, s: (
        "/api/meetings",
        {
            "room_id": w.rooms[s],
            "title": "矩阵新建会议",
            "topic_title": "路灯",
            "starts_at": "2026-12-29T09:00:00+08:00",
            "place": "会议室",
            "mode": "online",
        },
        None,
    ),
    "get_meeting": _meeting_path(""),
    "update_meeting": _meeting_body("", {}),
    "my_place": _meeting_path("/me"),
    "list_participants": _meeting_path("/participants"),
    "add_participant": _meeting_body("/participants", {"guest_name": "冯旁听"}),
    "create_invite": lambda w, s: (
        f"/api/meetings/{w.meetings[s]}/invites",
        {"participant_id": w.guests[s]},
        None,
    ),
    "read_invite": lambda w, s: (f"/api/invites/{w.invite}", None, None),
    "read_watch": _meeting_path("/watch"),
    # Off, so that the matrix leaves no link on; an allowed caller hears 200 all the same.
    "set_watch": _meeting_body("/watch", {"enabled": False}),
    "watched": lambda w, s: ("/api/watch/no-such-link", None, None),
    # No such invite: an allowed caller hears not_found, so the matrix's own invite lives on.
    "revoke_invite": _meeting_path("/invites/999999/revoke"),
    "plannable_rooms": lambda w, s: ("/api/rooms/plannable", None, None),
    "list_polls": _meeting_path("/polls"),
    "export_poll": _meeting_path("/polls/p-none/result.csv"),
    "get_transcript": _meeting_path("/transcript"),
    "build_transcript": _meeting_path("/transcript"),
    "add_segment": _meeting_body("/transcript/segments", {"text": "路灯坏了三个月。"}),
    "update_segment": _meeting_body("/transcript/999999", {"text": "改"}),
    "delete_segment": _meeting_path("/transcript/999999"),
    "import_transcript": lambda w, s: (
        f"/api/meetings/{w.meetings[s]}/transcript/import?mode=append&filename=a.txt",
        None,
        "周来宾：路灯要尽快修。\n".encode(),
    ),
    "transcribe": _meeting_body("/transcript/asr", {"recording": "none.wav"}),
    "asr_engines": lambda w, s: ("/api/asr/engines", None, None),
    "submit_suggestion": _meeting_body("/suggestions", {"text": "建议每月巡查一次路灯"}),
    "list_suggestions": _meeting_path("/suggestions"),
    "get_board": _meeting_path("/themes"),
    "recluster": _meeting_path("/themes/recluster"),
    "merge_themes": _meeting_body("/themes/merge", {"theme_ids": [999998, 999999]}),
    "split_theme": _meeting_body("/themes/split", {"theme_id": 999999, "parts": [[999999]]}),
    "move_suggestions": _meeting_body(
        "/themes/move", {"suggestion_ids": [999999], "theme_id": 999999}
    ),
    "rename_theme": _meeting_body("/themes/999999", {"name": "路灯"}),
    "themes_to_poll": _meeting_body("/themes/poll", {"theme_ids": [999998, 999999]}),
    "screen_topic": lambda w, s: ("/api/screening", {"text": "背街小巷路灯维修"}, None),
    "list_words": lambda w, s: ("/api/vocabulary", None, None),
    "add_word": lambda w, s: ("/api/vocabulary", {"word": unique("路灯")[:12]}, None),
    "list_audit": lambda w, s: ("/api/audit", None, None),
    "search_people": _meeting_path("/people?q=吴"),
    "get_roster": _meeting_path("/roster"),
    "update_participant": lambda w, s: (
        f"/api/meetings/{w.meetings[s]}/participants/{w.guests[s]}",
        {"attendance_mode": "remote"},
        None,
    ),
    "remove_participant": _meeting_path("/participants/999999"),
    "upload_briefing": lambda w, s: (
        f"/api/meetings/{w.meetings[s]}/briefings?filename=通报.pdf",
        None,
        b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n",
    ),
    "list_briefings": _meeting_path("/briefings"),
    "download_briefing": _meeting_path("/briefings/999999"),
    "delete_briefing": _meeting_path("/briefings/999999"),
    "download_research_file": _meeting_path("/briefings/research/999999"),
    "send_invitations": _meeting_path("/invitations"),
    # No such participant: resending would revoke the matrix's own guest links.
    "resend_invitation": _meeting_path("/participants/999999/invitation"),
    "my_invitations": lambda w, s: ("/api/me/invitations", None, None),
    "open_invitation": _meeting_path("/invitation"),
    "answer_invitation": _meeting_body("/invitation", {"status": "remote"}),
    # No report is signed off in the matrix's meetings: allowed callers hear conflict or
    # not_found; items that do not exist are not_found for every account.
    "get_outcome": _meeting_path("/outcome"),
    "outcome_proposal": _meeting_path("/outcome/proposal"),
    "submit_outcome": lambda w, s: (
        f"/api/meetings/{w.meetings[s]}/outcome",
        {
            "title": "矩阵协商成果",
            "recipients": ["政府"],
            "items": [
                {"text": "修路灯", "unit_id": w.units[w.place[s][1]], "due_on": "2099-01-01"}
            ],
        },
        None,
    ),
    "publish_outcome": _meeting_body(
        "/outcome/published", {"items": [{"item_id": 999999, "published": True}]}
    ),
    "list_outcome_items": lambda w, s: ("/api/outcome-items", None, None),
    "get_outcome_item": lambda w, s: ("/api/outcome-items/999999", None, None),
    "add_outcome_record": lambda w, s: (
        "/api/outcome-items/999999/records",
        {"kind": "decision", "decision": "adopted"},
        None,
    ),
    "public_outcomes": lambda w, s: ("/api/public/outcomes", None, None),
    "get_assessment": lambda w, s: ("/api/assessment?year=2026", None, None),
    "get_dashboard": lambda w, s: ("/api/assessment/dashboard?year=2026", None, None),
    "export_assessment": lambda w, s: (
        "/api/assessment/export?year=2026&table=rooms&format=csv",
        None,
        None,
    ),
    "yearly_report": lambda w, s: (
        f"/api/assessment/report.docx?year=2026&org_unit_id={w.units[w.place[s][2]]}",
        None,
        None,
    ),
    # No such item: every account hears not_found (the unit's check comes after the item).
    "upload_progress_file": lambda w, s: (
        "/api/outcome-items/999999/records/999999/attachments?filename=a.png",
        None,
        b"\x89PNG\r\n\x1a\n" + b"0" * 64,
    ),
    "download_progress_file": lambda w, s: (
        "/api/outcome-items/999999/attachments/999999",
        None,
        None,
    ),
    "get_rules": lambda w, s: ("/api/assessment/rules", None, None),
    "put_rules": lambda w, s: ("/api/assessment/rules", {}, None),
    "office_duty": lambda w, s: ("/api/assessment/duty?year=2026", None, None),
    "award_room": lambda w, s: (
        f"/api/rooms/{w.rooms[s]}/awards",
        {"year": 2026, "evidence": "矩阵评选依据"},
        None,
    ),
    "my_duty": lambda w, s: ("/api/me/duty?year=2026", None, None),
    "record_training": lambda w, s: (
        "/api/trainings",
        {
            "org_unit_id": w.units[w.place[s][1]],
            "title": "矩阵培训",
            "held_on": "2026-05-01",
            "place": "会议室",
        },
        None,
    ),
    "list_trainings": lambda w, s: ("/api/trainings?year=2026", None, None),
    "add_publicity": lambda w, s: (
        f"/api/rooms/{w.rooms[s]}/publicity",
        {
            "title": "矩阵报道",
            "url": "https://example.org/report",
            "channel": "wechat",
            "published_on": "2026-05-01",
        },
        None,
    ),
    "list_publicity": lambda w, s: (f"/api/rooms/{w.rooms[s]}/publicity", None, None),
    # The duty menu of the member filed under each scope's township.
    "my_menu": lambda w, s: ("/api/me/duty-menu?year=2026", None, None),
    "get_menu": lambda w, s: (f"/api/people/{w.targets[s]}/duty-menu?year=2026", None, None),
    "set_menu": lambda w, s: (
        f"/api/people/{w.targets[s]}/duty-menu",
        {"year": 2026, "lines": [{"kind": "attended", "target": 2}]},
        None,
    ),
    "office_menus": lambda w, s: ("/api/assessment/duty-menus?year=2026", None, None),
}


def _topic(suffix: str, body: dict[str, Any] | None = None) -> Builder:
    return lambda w, s: (f"/api/topics/{w.topics[s]}{suffix}", body, None)


PUBLIC_PROPOSAL = {
    "title": "矩阵公众议题",
    "description": "路灯不亮",
    "contact": {"name": "钱居民", "phone": "13800009999"},
}
BUILDERS.update(
    {
        "public_portal": lambda w, s: ("/api/public/portal", None, None),
        "public_challenge": lambda w, s: ("/api/public/challenge", None, None),
        "public_propose": lambda w, s: (
            "/api/public/proposals",
            {**PUBLIC_PROPOSAL, "room_id": w.rooms[s]},
            None,
        ),
        "public_notices": lambda w, s: ("/api/public/notices", None, None),
        "public_vote": lambda w, s: (
            "/api/public/votes/999999",
            {"topic_id": w.topics[s], "phone": "13800008888"},
            None,
        ),
        "list_topics": lambda w, s: ("/api/topics", None, None),
        "create_topic": lambda w, s: (
            "/api/topics",
            {"room_id": w.rooms[s], "title": "矩阵新议题"},
            None,
        ),
        "get_topic": _topic(""),
        "export_topic_docx": _topic("/docx"),
        "upload_attachment": lambda w, s: (
            f"/api/topics/{w.topics[s]}/attachments?filename=现场.png",
            None,
            b"\x89PNG\r\n\x1a\n" + b"0" * 64,
        ),
        "download_attachment": _topic("/attachments/999999"),
        "public_attachment": lambda w, s: (
            f"/api/public/proposals/{w.topics[s]}/attachments?receipt=wrong&filename=a.png",
            None,
            b"\x89PNG\r\n\x1a\n",
        ),
        "screen_proposal": _topic("/screen", {"decision": "shortlist"}),
        "review_topic": _topic("/review", {"decision": "approve"}),
        "file_topic": _topic("/file", {}),
        "comment_topic": _topic("/comments", {"note": "请听取商户意见"}),
        "notice_topic": _topic(
            "/notice",
            {"meeting_at": "2027-03-01T09:00:00+08:00", "place": "会议室", "form": "in_room"},
        ),
        "add_research": _topic(
            "/research",
            {
                "who": "委员",
                "place": "小区",
                "done_on": "2026-12-01T09:00:00+08:00",
                "findings": "走访十户",
            },
        ),
        "override_opening": _topic("/override", {"rules": ["notice"], "reason": "汛期前必须定"}),
        "moderate_topic": _topic("/moderate", {"decision": "release"}),
        "create_call": lambda w, s: (
            "/api/topic-calls",
            {"room_id": w.rooms[s], "title": "矩阵征题", "deadline": "2027-03-01T09:00:00+08:00"},
            None,
        ),
        "moderation_queue": lambda w, s: ("/api/moderation", None, None),
        "list_sensitive_words": lambda w, s: ("/api/moderation/words", None, None),
        "set_sensitive_words": lambda w, s: ("/api/moderation/words", {"words": []}, None),
        # A topic nobody outside its room can see: found for its readers, hidden for others.
        "report_abuse": lambda w, s: (
            "/api/reports",
            {"target_type": "topic", "target_id": w.topics[s], "reason": "矩阵举报"},
            None,
        ),
        # Not held: a permitted caller is told so (409), anyone else is refused first.
        "moderate_suggestion": lambda w, s: (
            f"/api/moderation/suggestions/{w.suggestions[s]}",
            {"decision": "release"},
            None,
        ),
        "decide_report": lambda w, s: (
            f"/api/moderation/reports/{w.reports[s]}",
            {"decision": "dismiss", "reason": "矩阵核实不属实"},
            None,
        ),
        # Screening by questionnaire and hearing, and comments on a noticed topic.
        "create_questionnaire": lambda w, s: (
            "/api/questionnaires",
            {
                "room_id": w.rooms[s],
                "title": "矩阵问卷",
                "deadline": "2027-03-01T09:00:00+08:00",
                "topic_ids": [w.topics[s], w.topics[s] + 1],
                "questions": [{"kind": "choose", "prompt": "选一个"}],
            },
            None,
        ),
        "list_questionnaires": lambda w, s: ("/api/questionnaires", None, None),
        "questionnaire_results": lambda w, s: (
            f"/api/questionnaires/{w.questionnaires[s]}",
            None,
            None,
        ),
        # Nobody has answered: a permitted caller is told so (409), anyone else is refused.
        "record_questionnaire": lambda w, s: (
            f"/api/questionnaires/{w.questionnaires[s]}/record",
            {},
            None,
        ),
        "public_answer": lambda w, s: (
            f"/api/public/questionnaires/{w.questionnaires[s]}",
            {"phone": "13800007777", "answers": [[w.topics[s]]]},
            None,
        ),
        "record_hearing": lambda w, s: (
            "/api/hearings",
            {
                "room_id": w.rooms[s],
                "kind": "forum",
                "held_on": "2026-12-01T09:00:00+08:00",
                "place": "会议室",
                "participants": [{"name": "矩阵委员", "category": "member"}],
                "record": "座谈记录",
                "conclusions": [{"topic_id": w.topics[s], "conclusion": "undecided"}],
            },
            None,
        ),
        "public_comment_list": lambda w, s: (
            f"/api/public/notices/{w.topics[s]}/comments",
            None,
            None,
        ),
        "public_comment": lambda w, s: (
            f"/api/public/notices/{w.topics[s]}/comments",
            {"text": "矩阵留言"},
            None,
        ),
        # Not held: a permitted caller is told so (409), anyone else is refused first.
        "moderate_comment": lambda w, s: (
            f"/api/moderation/comments/{w.comments[s]}",
            {"decision": "release"},
            None,
        ),
    }
)
for kind in ("minutes", "recommendations"):
    draft_body: dict[str, Any] = {"note": ""}
    BUILDERS[f"list_{kind}"] = _meeting_path(f"/{kind}")
    BUILDERS[f"draft_{kind}"] = _meeting_body(f"/{kind}", draft_body)
    BUILDERS[f"get_{kind}"] = _meeting_path(f"/{kind}/999999")
    BUILDERS[f"sign_{kind}"] = _meeting_path(f"/{kind}/999999/sign")
    BUILDERS[f"export_{kind}_docx"] = _meeting_path(f"/{kind}/999999/docx")
    BUILDERS[f"export_{kind}_md"] = _meeting_path(f"/{kind}/999999/md")
    BUILDERS[f"export_{kind}_pdf"] = _meeting_path(f"/{kind}/999999/pdf")

# Editing a version needs a whole draft as its body; the body is fetched from a real draft.
NEEDS_DRAFT = {"edit_minutes": "minutes", "edit_recommendations": "recommendations"}
SKIPPED_HERE = {"login", "logout"}  # tried below with fresh sessions


def _handler_name(endpoint: Any) -> str:
    name: str = endpoint.handler.__name__
    return name


async def _drafts(http: httpx.AsyncClient, world: World, admin: dict[str, str]) -> dict[str, Any]:
    """A real draft of each kind for each scope's meeting, to send back as an edit."""
    drafts: dict[str, Any] = {}
    for scope in SCOPES:
        base = f"/api/meetings/{world.meetings[scope]}"
        transcript = (
            "周来宾：背街小巷的路灯坏了三个月，晚上出行很不方便。\n王主任：我们下周安排维修。\n"
        )
        await _ok(
            await http.post(
                f"{base}/transcript/import?filename=a.txt",
                content=transcript.encode(),
                headers=admin,
            )
        )
        minutes = await _ok(await http.post(f"{base}/minutes", json={}, headers=admin), 201)
        report = await _ok(await http.post(f"{base}/recommendations", json={}, headers=admin), 201)
        drafts[f"minutes:{scope}"] = (minutes["number"], minutes["draft"])
        drafts[f"recommendations:{scope}"] = (report["number"], report["draft"])
    return drafts


async def test_every_endpoint_answers_each_persona_as_the_policy_says(
    server: str, world: World, admin_token: str
) -> None:
    names = {_handler_name(e) for e in ENDPOINTS}
    missing = names - set(BUILDERS) - set(NEEDS_DRAFT) - SKIPPED_HERE
    assert not missing, f"endpoints with no request in the matrix: {sorted(missing)}"
    wrong: list[str] = []
    cells = 0
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        drafts = await _drafts(http, world, bearer(admin_token))
        for endpoint in ENDPOINTS:
            name = _handler_name(endpoint)
            if name in SKIPPED_HERE:
                continue
            for scope in SCOPES:
                if name in NEEDS_DRAFT:
                    number, draft = drafts[f"{NEEDS_DRAFT[name]}:{scope}"]
                    path = f"/api/meetings/{world.meetings[scope]}/{NEEDS_DRAFT[name]}/{number}"
                    body: dict[str, Any] | None = {"draft": draft, "note": "矩阵"}
                    raw = None
                else:
                    path, body, raw = BUILDERS[name](world, scope)
                for persona in world.personas:
                    want = expected(persona, world, endpoint.permission, scope)
                    r = await http.request(
                        endpoint.method,
                        path,
                        json=body if raw is None and body is not None else None,
                        content=raw,
                        headers=persona.headers,
                    )
                    cells += 1
                    refused = r.status_code in (401, 403)
                    if refused == want:
                        wrong.append(
                            f"{endpoint.method} {endpoint.path} [{endpoint.permission}] "
                            f"{persona.key}@{scope}: expected "
                            f"{'allowed' if want else 'refused'}, got {r.status_code} "
                            f"{r.text[:160]}"
                        )
                    elif refused:
                        assert r.json()["error"]["code"] in ("unauthorized", "forbidden")
    assert not wrong, f"{len(wrong)} of {cells} cells wrong:\n" + "\n".join(wrong)


async def test_signing_in_and_out_is_open_to_everyone(server: str, world: World) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        for persona in world.personas:
            assert expected(persona, world, "auth.login", "own")
            if persona.credentials is None:
                continue
            r = await http.post("/api/auth/login", json=persona.credentials)
            assert r.status_code == 200, r.text
            fresh = bearer(r.json()["token"])
            assert (await http.post("/api/auth/logout", headers=fresh)).json() == {"ok": True}
            assert (await http.get("/api/me", headers=fresh)).status_code == 401


ROLE_REFUSAL = "无权执行此命令"  # the machine's words when a role may not send a command


async def _command(client: Any, kind: str) -> dict[str, Any]:
    """Send a command with empty data, waiting out the per-connection rate limit."""
    for _ in range(20):
        reply: dict[str, Any] = await client.call(
            "command",
            {"id": uuid.uuid4().hex, "type": kind, "data": {}},
            namespace="/live",
            timeout=30,
        )
        if reply["ok"] or reply["error"]["code"] != "rate_limited":
            return reply
        await asyncio.sleep(0.5)
    raise AssertionError(f"{kind} stayed rate-limited")


async def test_live_join_and_every_command_follow_the_policy_and_the_machine(
    server: str, world: World
) -> None:
    """Joining needs a role in the meeting; each command then needs a role the machine's
    table lists for it. A command a role may send is never refused as forbidden for the
    role (it may still be invalid or out of phase)."""
    wrong: list[str] = []
    for persona in world.personas:
        for scope in SCOPES:
            want = expected(persona, world, "live.join", scope)
            if persona.auth is None:
                assert not want
                continue
            client = await live_client(server, persona.auth)
            try:
                ack = await client.call(
                    "join", {"meeting_id": world.meetings[scope]}, namespace="/live", timeout=30
                )
                if ack["ok"] != want:
                    wrong.append(f"join {persona.key}@{scope}: {ack}")
                    continue
                if not ack["ok"]:
                    assert ack["error"]["code"] == "forbidden", ack
                    continue
                role = _meeting_role(persona, world, scope)
                if ack["role"] != role:
                    wrong.append(f"role of {persona.key}@{scope}: {ack['role']} != {role}")
                for handler in MACHINE.commands.values():
                    reply = await _command(client, handler.type)
                    forbidden = not reply["ok"] and ROLE_REFUSAL in reply["error"]["message"]
                    if forbidden == (role in handler.roles):
                        wrong.append(f"{handler.type} by {role} ({persona.key}): {reply}")
            finally:
                await client.disconnect()
    assert not wrong, "\n".join(wrong)


async def test_media_join_follows_the_policy(server: str, world: World) -> None:
    """Joining a meeting's audio and video as a person needs a role in the meeting; joining
    as the room's own devices needs its moderator or staff; listening (receive-only) is for
    holders of the watch link only, so every persona here is refused it."""
    wrong: list[str] = []
    for persona in world.personas:
        if persona.auth is None:
            continue
        for scope in SCOPES:
            for kind, name in (
                ("person", "media.join"),
                ("room", "media.room"),
                ("listen", "media.listen"),
            ):
                want = expected(persona, world, name, scope)
                client = socketio.AsyncClient(reconnection=False)
                await client.connect(
                    server,
                    namespaces=["/media"],
                    auth=persona.auth,
                    transports=["websocket"],
                    wait_timeout=10,
                )
                try:
                    ack = await client.call(
                        "join",
                        {"meeting_id": world.meetings[scope], "kind": kind},
                        namespace="/media",
                        timeout=30,
                    )
                finally:
                    await client.disconnect()
                refused = not ack["ok"] and ack["error"]["code"] == "forbidden"
                if refused == want:
                    wrong.append(f"media {kind} {persona.key}@{scope}: {ack}")
    assert not wrong, "\n".join(wrong)
