"""The JSON API under /api/: each endpoint parses, lets the domain decide, and shapes JSON.

The list `ENDPOINTS` is the whole API; `/api/openapi.json` is generated from it.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from server import auth, live_first, policy
from server.auth import SESSION_COOKIE
from server.db.models import Invite, Meeting, MeetingParticipant, OrgUnit, Person, Room
from server.domain import directory, invitations, meetings
from server.domain.errors import Unauthorized
from server.http import schemas as s
from server.http.framework import CSRF_COOKIE, Context, Endpoint
from server.meeting_templates import agenda_rounds, check_agenda, speaking_rules
from server.notify import deliver


def me_out(person: Person) -> s.Me:
    return s.Me(
        id=person.id,
        username=person.username,
        name=person.name,
        category=person.category,
        cppcc_level=person.cppcc_level,
        roles=[s.RoleOut.model_validate(g, from_attributes=True) for g in person.grants],
        office=policy.may_use_office(auth.Principal(person=person)),
    )


def org_unit_out(unit: OrgUnit) -> s.OrgUnitOut:
    return s.OrgUnitOut.model_validate(unit, from_attributes=True)


def room_out(room: Room) -> s.RoomOut:
    return s.RoomOut(
        id=room.id,
        name=room.name,
        level=room.level,
        org_unit_id=room.org_unit_id,
        org_unit_name=room.org_unit.name,
        address=room.address,
        notice_days=room.notice_days,
        premoderate=room.premoderate,
    )


def person_out(person: Person) -> s.PersonOut:
    return s.PersonOut(
        id=person.id,
        username=person.username,
        name=person.name,
        phone=person.phone,
        category=person.category,
        cppcc_level=person.cppcc_level,
        org_unit_id=person.org_unit_id,
        active=person.active,
        roles=[s.RoleOut.model_validate(g, from_attributes=True) for g in person.grants],
    )


def meeting_out(meeting: Meeting) -> s.MeetingOut:
    return s.MeetingOut(
        id=meeting.id,
        room_id=meeting.room_id,
        room_name=meeting.room.name,
        title=meeting.title,
        topic_title=meeting.topic_title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        mode=meeting.mode,
        status=meeting.status,
        topic_id=meeting.topic_id,
        agenda=[s.AgendaItemOut.model_validate(i, from_attributes=True) for i in meeting.agenda],
        speaking_rules=speaking_rules(meetings.speaking_rules_of(meeting)),
        report=s.ReportSettings(**meetings.report_settings_of(meeting)),
    )


def participant_out(p: MeetingParticipant, *, contacts: bool = True) -> s.ParticipantOut:
    return s.ParticipantOut(
        id=p.id,
        meeting_id=p.meeting_id,
        person_id=p.person_id,
        name=p.display_name,
        category=p.category,
        role=p.role,
        attendance_mode=p.attendance_mode,
        guest_phone=p.guest_phone if contacts else None,
    )


# --- auth -------------------------------------------------------------------------------


async def login(ctx: Context) -> Response:
    body: s.LoginIn = ctx.body
    client = ctx.request.client.host if ctx.request.client else "unknown"
    result = await auth.login(
        ctx.session,
        body.username,
        body.password,
        client=client,
        ttl_s=ctx.settings.session_ttl_s,
        limit=ctx.settings.login_attempts_per_minute,
    )
    await live_first.turn()
    payload = s.LoginOut(token=result.token, user=me_out(result.person))
    response = JSONResponse(payload.model_dump(mode="json"))
    common: dict[str, Any] = {
        "max_age": ctx.settings.session_ttl_s,
        "samesite": "lax",
        # Behind the TLS proxy (its X-Forwarded-Proto, trusted from 127.0.0.1 by uvicorn).
        "secure": ctx.settings.cookie_secure or ctx.request.url.scheme == "https",
        "path": "/",
    }
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, result.csrf, httponly=False, **common)
    return response


async def logout(ctx: Context) -> Response:
    token = ctx.request.headers.get("authorization", "")[7:].strip() or ctx.request.cookies.get(
        SESSION_COOKIE, ""
    )
    if ctx.principal is not None and token:
        await auth.logout(ctx.session, token)
    response = JSONResponse(s.Ok().model_dump())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def get_me(ctx: Context) -> s.Me:
    # The endpoint's permission (me.read) has already let only an account through.
    assert ctx.principal is not None and ctx.principal.person is not None
    return me_out(ctx.principal.person)


# --- org units and rooms ------------------------------------------------------------------


async def list_org_units(ctx: Context) -> s.OrgUnitList:
    units = await directory.list_org_units(ctx.session, ctx.principal)
    return s.OrgUnitList(items=[org_unit_out(u) for u in units])


async def create_org_unit(ctx: Context) -> s.OrgUnitOut:
    body: s.OrgUnitIn = ctx.body
    unit = await directory.create_org_unit(
        ctx.session, ctx.principal, name=body.name, level=body.level, parent_id=body.parent_id
    )
    return org_unit_out(unit)


async def get_org_unit(ctx: Context) -> s.OrgUnitOut:
    return org_unit_out(await directory.get_org_unit(ctx.session, ctx.path_int("org_unit_id")))


async def update_org_unit(ctx: Context) -> s.OrgUnitOut:
    body: s.OrgUnitPatch = ctx.body
    unit = await directory.update_org_unit(
        ctx.session, ctx.principal, ctx.path_int("org_unit_id"), name=body.name
    )
    return org_unit_out(unit)


async def list_rooms(ctx: Context) -> s.RoomList:
    rooms = await directory.list_rooms(
        ctx.session, ctx.principal, org_unit_id=ctx.query_id("org_unit_id")
    )
    return s.RoomList(items=[room_out(r) for r in rooms])


async def plannable_rooms(ctx: Context) -> s.RoomList:
    rooms = await meetings.plannable_rooms(ctx.session, ctx.principal)
    return s.RoomList(items=[room_out(r) for r in rooms])


async def create_room(ctx: Context) -> s.RoomOut:
    body: s.RoomIn = ctx.body
    room = await directory.create_room(
        ctx.session,
        ctx.principal,
        name=body.name,
        org_unit_id=body.org_unit_id,
        address=body.address,
    )
    return room_out(room)


async def get_room(ctx: Context) -> s.RoomOut:
    return room_out(await directory.get_room(ctx.session, ctx.path_int("room_id")))


async def update_room(ctx: Context) -> s.RoomOut:
    body: s.RoomPatch = ctx.body
    room = await directory.update_room(
        ctx.session, ctx.principal, ctx.path_int("room_id"), body.model_dump(exclude_unset=True)
    )
    return room_out(room)


# --- people -------------------------------------------------------------------------------


async def list_people(ctx: Context) -> s.PersonList:
    query = ctx.request.query_params
    people = await directory.list_people(
        ctx.session,
        ctx.principal,
        search=query.get("q", "").strip()[:64] or None,
        category=query.get("category") or None,
        cppcc_level=query.get("cppcc_level") or None,
    )
    return s.PersonList(items=[person_out(p) for p in people])


async def create_person(ctx: Context) -> s.PersonOut:
    body: s.PersonIn = ctx.body
    person = await directory.create_person(ctx.session, ctx.principal, body.model_dump())
    return person_out(person)


async def get_person(ctx: Context) -> s.PersonOut:
    person = await directory.get_person(ctx.session, ctx.principal, ctx.path_int("person_id"))
    return person_out(person)


async def update_person(ctx: Context) -> s.PersonOut:
    body: s.PersonPatch = ctx.body
    person = await directory.update_person(
        ctx.session, ctx.principal, ctx.path_int("person_id"), body.model_dump(exclude_unset=True)
    )
    return person_out(person)


async def grant_role(ctx: Context) -> s.PersonOut:
    body: s.GrantIn = ctx.body
    person = await directory.grant_role(
        ctx.session,
        ctx.principal,
        ctx.path_int("person_id"),
        role=body.role,
        org_unit_id=body.org_unit_id,
        room_id=body.room_id,
    )
    return person_out(person)


# --- meetings -----------------------------------------------------------------------------


async def list_meetings(ctx: Context) -> s.MeetingList:
    rows = await meetings.list_meetings(ctx.session, ctx.principal, room_id=ctx.query_id("room_id"))
    return s.MeetingList(items=[meeting_out(m) for m in rows])


def _planned(fields: dict[str, Any]) -> dict[str, Any]:
    """A meeting's fields with the agenda's templates filled in and its speaking rules checked."""
    if fields.get("agenda") is not None:
        fields["agenda"] = [agenda_rounds(item) for item in fields["agenda"]]
    if fields.get("speaking_rules") is not None:
        fields["speaking_rules"] = speaking_rules(fields["speaking_rules"])
    return fields


async def create_meeting(ctx: Context) -> s.MeetingOut:
    body: s.MeetingIn = ctx.body
    fields = _planned(body.model_dump())
    meeting = await meetings.create_meeting(ctx.session, ctx.principal, fields, check_agenda)
    return meeting_out(meeting)


async def get_meeting(ctx: Context) -> s.MeetingOut:
    return meeting_out(
        await meetings.read_meeting(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    )


async def update_meeting(ctx: Context) -> s.MeetingOut:
    body: s.MeetingPatch = ctx.body
    fields = _planned(body.model_dump(exclude_unset=True))
    meeting = await meetings.update_meeting(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), fields, check_agenda
    )
    return meeting_out(meeting)


async def my_place(ctx: Context) -> s.MyPlaceOut:
    role, participant = await meetings.my_place(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    return s.MyPlaceOut.model_validate(
        {"role": role, "participant_id": participant.id if participant else None}
    )


async def list_participants(ctx: Context) -> s.ParticipantList:
    rows, contacts = await meetings.list_participants(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    return s.ParticipantList(items=[participant_out(p, contacts=contacts) for p in rows])


def invite_out(ctx: Context, token: str, invite: Invite) -> s.InviteOut:
    base = ctx.public_base()
    return s.InviteOut(
        invite_id=invite.id,
        invite=token,
        url=f"{base}/join/{token}",
        expires_at=invite.expires_at,
        revoked=invite.revoked,
    )


async def add_participant(ctx: Context) -> s.ParticipantOut:
    body: s.ParticipantIn = ctx.body
    row, link = await meetings.add_participant(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        body.model_dump(),
        key=ctx.settings.signing_key(),
        ttl_s=ctx.settings.invite_ttl_s,
    )
    out = participant_out(row)
    if link is not None:
        out.invite = invite_out(ctx, *link)
        # A guest with a phone number is texted their link where SMS is configured.
        to_text = await invitations.guest_notice(ctx.session, row, out.invite.url)
        if to_text is not None:
            channels = await deliver(ctx.settings, to_text[1])
            await invitations.record_delivery(ctx.session, to_text[0], channels)
    return out


async def create_invite(ctx: Context) -> s.InviteOut:
    body: s.InviteIn = ctx.body
    token, invite = await meetings.invite_guest(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        participant_id=body.participant_id,
        key=ctx.settings.signing_key(),
        ttl_s=body.ttl_s or ctx.settings.invite_ttl_s,
    )
    return invite_out(ctx, token, invite)


async def revoke_invite(ctx: Context) -> s.InviteRevoked:
    invite = await meetings.revoke_invite(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), ctx.path_int("invite_id")
    )
    return s.InviteRevoked(invite_id=invite.id, revoked=invite.revoked)


async def read_invite(ctx: Context) -> s.InviteInfo:
    token = ctx.request.path_params["invite"]
    principal = await auth.principal_from_invite(ctx.session, ctx.settings.signing_key(), token)
    meeting = await meetings.get_meeting(ctx.session, principal.guest_meeting_id or 0)
    participant = await policy.meeting_participant(ctx.session, principal, meeting)
    if participant is None:
        raise Unauthorized("邀请链接无效")
    await invitations.guest_opened(ctx.session, participant.id)
    # Whoever holds the link learns the meeting and the name, never the phone number.
    return s.InviteInfo(
        meeting=meeting_out(meeting), participant=participant_out(participant, contacts=False)
    )


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST", "/api/auth/login", login, "登录", s.LoginIn, s.LoginOut, permission="auth.login"
    ),
    Endpoint("POST", "/api/auth/logout", logout, "退出登录", None, s.Ok, permission="auth.logout"),
    Endpoint("GET", "/api/me", get_me, "当前用户", None, s.Me, permission="me.read"),
    Endpoint(
        "GET",
        "/api/org-units",
        list_org_units,
        "组织列表",
        None,
        s.OrgUnitList,
        permission="org_unit.read",
    ),
    Endpoint(
        "POST",
        "/api/org-units",
        create_org_unit,
        "新建组织",
        s.OrgUnitIn,
        s.OrgUnitOut,
        status=201,
        permission="org_unit.create",
    ),
    Endpoint(
        "GET",
        "/api/org-units/{org_unit_id:int}",
        get_org_unit,
        "组织详情",
        None,
        s.OrgUnitOut,
        permission="org_unit.read",
    ),
    Endpoint(
        "PATCH",
        "/api/org-units/{org_unit_id:int}",
        update_org_unit,
        "修改组织",
        s.OrgUnitPatch,
        s.OrgUnitOut,
        permission="org_unit.update",
    ),
    Endpoint(
        "GET",
        "/api/rooms",
        list_rooms,
        "协商议事室列表",
        None,
        s.RoomList,
        {"org_unit_id": "integer"},
        permission="room.read",
    ),
    Endpoint(
        "GET",
        "/api/rooms/plannable",
        plannable_rooms,
        "我可以在其中新建会议的协商议事室",
        None,
        s.RoomList,
        permission="room.read",
    ),
    Endpoint(
        "POST",
        "/api/rooms",
        create_room,
        "新建协商议事室",
        s.RoomIn,
        s.RoomOut,
        status=201,
        permission="room.create",
    ),
    Endpoint(
        "GET",
        "/api/rooms/{room_id:int}",
        get_room,
        "协商议事室详情",
        None,
        s.RoomOut,
        permission="room.read",
    ),
    Endpoint(
        "PATCH",
        "/api/rooms/{room_id:int}",
        update_room,
        "修改协商议事室",
        s.RoomPatch,
        s.RoomOut,
        permission="room.update",
    ),
    Endpoint(
        "GET",
        "/api/people",
        list_people,
        "人员列表（q 按姓名或用户名查找，category、cppcc_level 筛选）",
        None,
        s.PersonList,
        {"q": "string", "category": "string", "cppcc_level": "string"},
        permission="person.list",
    ),
    Endpoint(
        "POST",
        "/api/people",
        create_person,
        "新建人员",
        s.PersonIn,
        s.PersonOut,
        status=201,
        permission="person.create",
    ),
    Endpoint(
        "GET",
        "/api/people/{person_id:int}",
        get_person,
        "人员详情",
        None,
        s.PersonOut,
        permission="person.read",
    ),
    Endpoint(
        "PATCH",
        "/api/people/{person_id:int}",
        update_person,
        "修改人员",
        s.PersonPatch,
        s.PersonOut,
        permission="person.update",
    ),
    Endpoint(
        "POST",
        "/api/people/{person_id:int}/roles",
        grant_role,
        "授予角色",
        s.GrantIn,
        s.PersonOut,
        permission="person.grant",
    ),
    Endpoint(
        "GET",
        "/api/meetings",
        list_meetings,
        "会议列表",
        None,
        s.MeetingList,
        {"room_id": "integer"},
        permission="meeting.list",
    ),
    Endpoint(
        "POST",
        "/api/meetings",
        create_meeting,
        "新建会议",
        s.MeetingIn,
        s.MeetingOut,
        status=201,
        permission="meeting.create",
    ),
    Endpoint(
        "GET",
        "/api/meetings/{meeting_id:int}",
        get_meeting,
        "会议详情",
        None,
        s.MeetingOut,
        permission="meeting.read",
    ),
    Endpoint(
        "PATCH",
        "/api/meetings/{meeting_id:int}",
        update_meeting,
        "修改会议",
        s.MeetingPatch,
        s.MeetingOut,
        permission="meeting.update",
    ),
    Endpoint(
        "GET",
        "/api/meetings/{meeting_id:int}/me",
        my_place,
        "我在本次会议中的身份（主持人、工作人员、参会人或无）",
        None,
        s.MyPlaceOut,
        permission="meeting.read",
    ),
    Endpoint(
        "GET",
        "/api/meetings/{meeting_id:int}/participants",
        list_participants,
        "参会人员",
        None,
        s.ParticipantList,
        permission="roster.read",
    ),
    Endpoint(
        "POST",
        "/api/meetings/{meeting_id:int}/participants",
        add_participant,
        "添加参会人员",
        s.ParticipantIn,
        s.ParticipantOut,
        status=201,
        permission="roster.update",
    ),
    Endpoint(
        "POST",
        "/api/meetings/{meeting_id:int}/invites",
        create_invite,
        "生成来宾邀请链接",
        s.InviteIn,
        s.InviteOut,
        status=201,
        permission="invite.create",
    ),
    Endpoint(
        "POST",
        "/api/meetings/{meeting_id:int}/invites/{invite_id:int}/revoke",
        revoke_invite,
        "撤销来宾邀请链接（此后该链接不能再打开或进入会议）",
        None,
        s.InviteRevoked,
        permission="invite.revoke",
    ),
    Endpoint(
        "GET",
        "/api/invites/{invite}",
        read_invite,
        "查看邀请",
        None,
        s.InviteInfo,
        permission="invite.read",
    ),
]
