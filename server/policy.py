"""Who may do what over which scope: every HTTP endpoint and /live and /media action, in one table.

`PERMISSIONS` is the whole description; `decide()` is its pure rule, `authorize()` gathers the
facts about a principal and a target and refuses in Chinese. Nothing else reads role grants.

Theory of operation. A permission names the scope it is checked over (nothing, an org unit, a
room, a meeting or a person) and who passes: anyone at all, anyone with an account, the person
themselves, holders of certain account roles granted over that scope (a grant on an org unit
covers everything beneath it; `admin` covers every role everywhere), or holders of certain
roles in the meeting (moderator, staff, participant, as `meeting_role` decides them), or
holders of the meeting's watch link (public observers, who pass nothing else). Two rules
go beyond one check: nobody grants a role they could not grant over a scope they do not cover
(`check_grant`), and nobody changes the account of someone who holds more than they do
(`check_account_change`). In a live meeting, which command each meeting role may send in which
phase is the live machine's table (`realtime/machine`); this module decides who has which
role there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import Principal
from server.db.models import ROLES, Meeting, MeetingParticipant, OrgUnit, Person, Room
from server.db.models_grants import RoleGrant
from server.domain.errors import DomainError, Forbidden, Invalid, Unauthorized

Scope = Literal["none", "any", "org_unit", "room", "meeting", "person"]
MeetingRole = Literal["moderator", "staff", "participant"]

# Which roles a holder of a role may hand out (over a scope they cover). Party reviewers
# approve topics for the party organisation, so only an admin makes one.
GRANTABLE: dict[str, frozenset[str]] = {
    "admin": frozenset(ROLES),
    "cppcc_staff": frozenset({"cppcc_staff", "moderator", "staff", "unit_officer"}),
}
ORGANISERS = frozenset({"cppcc_staff", "staff", "moderator"})
MEETING_EDITORS: frozenset[MeetingRole] = frozenset({"moderator", "staff"})
EVERYONE_IN_MEETING: frozenset[MeetingRole] = frozenset({"moderator", "staff", "participant"})
TOPIC_READERS = ORGANISERS | {"party_reviewer"}


@dataclass(frozen=True)
class Permission:
    """One action: its scope and who passes (any one of the ways listed)."""

    name: str
    title: str  # what the action is called in a refusal
    scope: Scope = "none"
    anyone: bool = False
    signed_in: bool = False
    self_: bool = False
    grants: frozenset[str] = frozenset()
    meeting_roles: frozenset[MeetingRole] = frozenset()
    watchers: bool = False  # holders of the target meeting's watch link


@dataclass(frozen=True)
class Facts:
    """What is true of one principal towards one target; `decide` needs nothing else."""

    identified: bool = False  # an account or a guest link
    signed_in: bool = False  # an account
    is_self: bool = False
    grants: frozenset[str] = frozenset()  # account roles held over the target's scope
    meeting_role: MeetingRole | None = None
    watching: bool = False  # holds the target meeting's watch link


def decide(permission: Permission, facts: Facts) -> bool:
    """Whether the facts let the principal do the action: the whole rule, without I/O."""
    if permission.anyone or (permission.watchers and facts.watching):
        return True
    if not facts.identified:
        return False
    return (
        (permission.signed_in and facts.signed_in)
        or (permission.self_ and facts.is_self)
        or bool(permission.grants & facts.grants)
        or (facts.meeting_role is not None and facts.meeting_role in permission.meeting_roles)
    )


def _p(name: str, title: str, scope: Scope = "none", **who: object) -> Permission:
    return Permission(name, title, scope, **who)  # type: ignore[arg-type]


_ALL: list[Permission] = [
    _p("api.describe", "查看 API 描述", anyone=True),
    _p("auth.login", "登录", anyone=True),
    _p("auth.logout", "退出登录", anyone=True),
    _p("me.read", "查看本人信息", signed_in=True),
    _p("org_unit.read", "查看组织", signed_in=True),
    _p("org_unit.create", "新建组织", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("org_unit.update", "修改组织", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("room.read", "查看协商议事室", signed_in=True),
    _p("room.create", "新建协商议事室", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("room.update", "修改协商议事室", "room", grants=frozenset({"cppcc_staff"})),
    _p("person.list", "查看人员名单", "any", grants=frozenset({"cppcc_staff"})),
    _p("person.read", "查看人员信息", "person", self_=True, grants=frozenset({"cppcc_staff"})),
    _p("person.create", "新建人员", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("person.update", "修改人员账号", "person", grants=frozenset({"cppcc_staff"})),
    _p("person.grant", "授予角色", "any", grants=frozenset({"cppcc_staff"})),
    _p("person.revoke", "收回角色", "any", grants=frozenset({"cppcc_staff"})),
    _p("person.reset", "生成密码重置链接", "person", grants=frozenset({"cppcc_staff"})),
    _p("person.import", "导入人员", "any", grants=frozenset({"cppcc_staff"})),
    _p("password.reset", "用重置链接设置密码", anyone=True),
    _p("office.read", "使用办公台", "any", grants=frozenset({"cppcc_staff"})),
    _p("meeting.list", "查看会议列表", signed_in=True),
    _p("meeting.create", "新建会议", "room", grants=ORGANISERS),
    _p(
        "meeting.read",
        "查看会议",
        "meeting",
        signed_in=True,
        meeting_roles=EVERYONE_IN_MEETING,
    ),
    _p("meeting.update", "修改会议", "meeting", grants=ORGANISERS),
    _p("roster.read", "查看参会名单", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("roster.update", "添加参会人员", "meeting", grants=ORGANISERS),
    _p("invite.create", "生成邀请链接", "meeting", grants=ORGANISERS),
    # Preparing the roster: organisers search people (no contact details) and see replies.
    _p("roster.search", "查找可邀请的人员", "meeting", grants=ORGANISERS),
    _p("roster.manage", "整理参会名单和查看回复", "meeting", grants=ORGANISERS),
    _p("briefing.upload", "上传和删除情况通报材料", "meeting", grants=ORGANISERS),
    _p("briefing.read", "查看情况通报材料", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("invitation.send", "发送参会通知", "meeting", grants=ORGANISERS),
    _p("invitation.mine", "查看本人的参会通知", signed_in=True),
    _p("invitation.answer", "查看和回复参会通知", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("invite.read", "查看邀请", anyone=True),
    _p("invite.revoke", "撤销邀请链接", "meeting", grants=ORGANISERS),
    _p("poll.record", "查看和导出表决记录", "meeting", meeting_roles=MEETING_EDITORS),
    _p("transcript.read", "查看发言记录", "meeting", meeting_roles=MEETING_EDITORS),
    _p("transcript.edit", "整理发言记录", "meeting", meeting_roles=MEETING_EDITORS),
    _p("asr.read", "查看语音识别引擎", signed_in=True),
    _p("record.read", "查看会议纪要和协商建议", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("record.edit", "起草和修改会议纪要和协商建议", "meeting", meeting_roles=MEETING_EDITORS),
    _p("record.sign", "签发会议纪要和协商建议", "meeting", meeting_roles=frozenset({"moderator"})),
    # Residents with an account may write to a meeting they are not on the roster of.
    _p(
        "suggestion.submit",
        "提交意见建议",
        "meeting",
        signed_in=True,
        meeting_roles=EVERYONE_IN_MEETING,
    ),
    _p(
        "suggestion.read",
        "查看意见建议",
        "meeting",
        signed_in=True,
        meeting_roles=EVERYONE_IN_MEETING,
    ),
    _p("theme.edit", "查看和整理意见建议主题", "meeting", meeting_roles=MEETING_EDITORS),
    _p("screening.hints", "查看议题筛选提示", signed_in=True),
    _p("vocabulary.read", "查看自定义词库", signed_in=True),
    _p("vocabulary.edit", "添加自定义词语", "any", grants=ORGANISERS),
    _p("audit.read", "查看操作日志", grants=frozenset({"admin"})),
    # Topics (议题, 第十一条–第十五条): the room's team and reviewers, the CPPCC office above.
    _p("topic.list", "查看议题列表", "any", grants=TOPIC_READERS),
    _p("topic.read", "查看议题", "room", grants=TOPIC_READERS),
    _p("topic.propose", "提出议题", "room", signed_in=True),
    _p("topic.screen", "筛选和审核议题", "room", grants=ORGANISERS),
    _p("topic.call", "发布征题、网络投票和问卷调查", "room", grants=ORGANISERS),
    _p("topic.hearing", "记录筛选议题的听证会、座谈会", "room", grants=ORGANISERS),
    _p("topic.approve", "审定议题", "room", grants=frozenset({"party_reviewer"})),
    # Filing is the county's: checked over the county above the room (server.domain.topics).
    _p("topic.file", "备案议题", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("topic.comment", "评注备案议题", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("topic.notice", "公示议题", "room", grants=ORGANISERS),
    _p("topic.research", "记录调研情况", "room", grants=ORGANISERS),
    _p("topic.override", "记录提前开会的书面理由", "room", grants=ORGANISERS),
    _p("moderation.words", "编辑敏感词", "any", grants=frozenset({"cppcc_staff"})),
    _p("moderation.decide", "审核被暂缓的意见建议、公众留言和举报", "room", grants=ORGANISERS),
    # Who may see the item is checked by the moderation service (server.domain.moderation).
    _p("report.create", "举报不当内容", anyone=True),
    _p("public.read", "查看公开的征题和公示", anyone=True),
    _p("public.propose", "提交议题建议", anyone=True),
    _p("public.vote", "参加议题网络投票", anyone=True),
    _p("public.answer", "填写议题筛选问卷", anyone=True),
    _p("public.comment", "对公示中的议题留言", anyone=True),
    # After the meeting: the room's team submits and follows up; the responsible unit's
    # account (a `unit_officer` grant over it) or the team on its behalf answers each item.
    _p("outcome.read", "查看本次会议的协商成果", "meeting", meeting_roles=MEETING_EDITORS),
    _p("outcome.submit", "报送协商成果", "meeting", meeting_roles=MEETING_EDITORS),
    _p("outcome.publish", "公开协商成果办理情况", "meeting", meeting_roles=MEETING_EDITORS),
    _p("outcome.follow", "向上反映、跟踪督办和解释说明", "meeting", meeting_roles=MEETING_EDITORS),
    _p("outcome.items", "查看经办的协商建议事项", signed_in=True),
    _p(
        "outcome.answer",
        "答复协商建议的采纳、落实和反馈",
        "org_unit",
        grants=frozenset({"unit_officer", "cppcc_staff"}),
        meeting_roles=MEETING_EDITORS,
    ),
    _p("outcome.public", "查看公开的协商成果", anyone=True),
    _p("assessment.read", "查看年度考核和委员履职", "any", grants=frozenset({"cppcc_staff"})),
    _p("assessment.rules", "修改考核要求和履职计分规则", grants=frozenset({"cppcc_staff"})),
    # A county's yearly report: its CPPCC office, or the city's above it (the county's unit).
    _p("assessment.report", "下载年度考核报告", "org_unit", grants=frozenset({"cppcc_staff"})),
    # The city marks excellent rooms: a CPPCC-staff grant over the room's city (server.domain.
    # assessment asks `holds` for the city unit after this check passes for the room).
    _p("room.award", "评选优秀协商议事室", "room", grants=frozenset({"cppcc_staff"})),
    _p("duty.mine", "查看本人履职记录", signed_in=True),
    # The yearly duty menu (履职菜单, 第二十三条): the CPPCC office over the member's org unit
    # plans it; the member reads their own.
    _p(
        "duty_menu.read",
        "查看委员履职菜单",
        "person",
        self_=True,
        grants=frozenset({"cppcc_staff"}),
    ),
    _p("duty_menu.edit", "制定委员履职菜单", "person", grants=frozenset({"cppcc_staff"})),
    _p("training.manage", "登记培训和出席情况", "org_unit", grants=frozenset({"cppcc_staff"})),
    _p("publicity.manage", "登记宣传报道", "room", grants=ORGANISERS),
    # Live meetings: joining, and sending commands whose per-role rules are the machine's.
    _p("live.join", "进入会议", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("live.command", "发送会议指令", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("media.join", "加入音视频", "meeting", meeting_roles=EVERYONE_IN_MEETING),
    _p("media.room", "接入会场设备", "meeting", meeting_roles=MEETING_EDITORS),
    # Public observers (旁听): the moderator turns a meeting's watch link on and off.
    _p(
        "watch.manage",
        "开关旁听链接",
        "meeting",
        grants=ORGANISERS,
        meeting_roles=frozenset({"moderator"}),
    ),
    _p("watch.read", "查看旁听链接对应的会议", anyone=True),
    _p("live.watch", "旁听会议", "meeting", watchers=True),
    # Hearing the meeting through the watch link also needs the moderator's consent, which
    # the live machine keeps (`media.allow_watch_audio`; realtime/machine/media.py).
    _p("media.listen", "收听会场声音", "meeting", watchers=True),
]


def _table(items: Iterable[Permission]) -> dict[str, Permission]:
    table: dict[str, Permission] = {}
    for item in items:
        if item.name in table:
            raise ValueError(f"permission declared twice: {item.name}")
        table[item.name] = item
    return table


PERMISSIONS: dict[str, Permission] = _table(_ALL)


def permission(name: str) -> Permission:
    """The permission called `name`; an unknown name is a programming error."""
    return PERMISSIONS[name]


def refuses_early(name: str, principal: Principal | None) -> DomainError | None:
    """The refusal that needs no target: nobody signed in, or a guest link where an account
    is needed. Run before the body is read, so strangers learn nothing from validation."""
    p = permission(name)
    if p.anyone:
        return None
    if principal is None:
        return Unauthorized("请先登录")
    if principal.watch_meeting_id is not None:
        if p.watchers:
            return None
        return Forbidden(f"旁听链接只能用于旁听会议，不能{p.title}")
    needs_account = not p.meeting_roles
    if needs_account and (principal.person is None or principal.is_guest_link):
        return Forbidden(f"邀请链接只能用于参加会议，不能{p.title}，请使用账号登录")
    return None


def authorize_now(name: str, principal: Principal | None) -> Principal:
    """`authorize` for an action open to every account, which needs no target or database."""
    p = permission(name)
    assert p.signed_in and not p.grants and not p.meeting_roles, name
    refusal = refuses_early(name, principal)
    if refusal is not None:
        raise refusal
    assert principal is not None
    return principal


# -- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What an action is about; fill in what applies."""

    org_unit_id: int | None = None
    room_id: int | None = None
    meeting: Meeting | None = None
    person: Person | None = None


async def org_chain(session: AsyncSession, org_unit_id: int | None) -> list[int]:
    """The org unit and all its ancestors, nearest first."""
    chain: list[int] = []
    current = org_unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = await session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == current))
    return chain


@dataclass(frozen=True)
class _Place:
    """Where a target sits in the tree: its room (if any) and its org units up to the root."""

    room_id: int | None = None
    units: tuple[int, ...] = ()
    everywhere: bool = False  # a scope of nothing: only grants held everywhere count
    anywhere: bool = False  # grants held over any scope count (lists filter afterwards)


async def _place_of(session: AsyncSession, target: Target, scope: Scope) -> _Place:
    if scope == "none":
        return _Place(everywhere=True)
    if scope == "any":
        return _Place(anywhere=True)
    if scope == "org_unit" and target.org_unit_id is not None:
        # The unit itself (a responsible unit), even when the target names a meeting too.
        return _Place(None, tuple(await org_chain(session, target.org_unit_id)))
    room_id = target.room_id
    org_unit_id = target.org_unit_id
    if target.meeting is not None:
        room_id = target.meeting.room_id
    if target.person is not None:
        org_unit_id = target.person.org_unit_id
    if room_id is not None:
        room = await session.get(Room, room_id)
        org_unit_id = room.org_unit_id if room is not None else None
    return _Place(room_id, tuple(await org_chain(session, org_unit_id)))


def _covers(grant: RoleGrant, place: _Place) -> bool:
    if (grant.org_unit_id is None and grant.room_id is None) or place.anywhere:
        return True
    if place.everywhere:
        return False
    if grant.room_id is not None:
        return grant.room_id == place.room_id
    return grant.org_unit_id in place.units


def grants_of(principal: Principal | None) -> list[RoleGrant]:
    """The account roles the principal holds (none for a guest link)."""
    if principal is None or principal.person is None or principal.is_guest_link:
        return []
    return list(principal.person.grants)


def _held(grants: Iterable[RoleGrant], place: _Place) -> frozenset[str]:
    held = {g.role for g in grants if _covers(g, place)}
    return frozenset(ROLES) if "admin" in held else frozenset(held)


async def holds(
    session: AsyncSession, principal: Principal | None, roles: Iterable[str], target: Target
) -> bool:
    """Whether the principal holds one of `roles` over the target (admin holds every role)."""
    place = await _place_of(session, target, _scope_of(target))
    return bool(_held(grants_of(principal), place) & set(roles))


def _scope_of(target: Target) -> Scope:
    if target.meeting is not None:
        return "meeting"
    if target.person is not None:
        return "person"
    if target.room_id is not None:
        return "room"
    if target.org_unit_id is not None:
        return "org_unit"
    return "none"


async def meeting_participant(
    session: AsyncSession, principal: Principal, meeting: Meeting
) -> MeetingParticipant | None:
    """The principal's entry on the meeting's roster, if any."""
    if principal.guest_participant_id is not None:
        if principal.guest_meeting_id != meeting.id:
            return None
        return await session.get(MeetingParticipant, principal.guest_participant_id)
    if principal.person is None:
        return None
    return await session.scalar(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting.id,
            MeetingParticipant.person_id == principal.person.id,
        )
    )


async def meeting_role(
    session: AsyncSession, principal: Principal | None, meeting: Meeting
) -> MeetingRole | None:
    """What the principal is in the meeting: moderator, staff, participant, or nothing.

    The roster decides first; a moderator grant over the room, or a staff or CPPCC-staff
    grant over it, makes someone not on the roster that role too, so the room's team and the
    CPPCC office above it can always run and record its meetings.
    """
    if principal is None:
        return None
    participant = await meeting_participant(session, principal, meeting)
    if participant is not None and participant.role in ("moderator", "staff"):
        return participant.role  # type: ignore[return-value]
    place = await _place_of(session, Target(meeting=meeting), "meeting")
    held = _held(grants_of(principal), place)
    if "moderator" in held:
        return "moderator"
    if held & {"staff", "cppcc_staff"}:
        return "staff"
    return "participant" if participant is not None else None


async def facts_for(
    session: AsyncSession, principal: Principal | None, scope: Scope, target: Target
) -> Facts:
    """Everything `decide` needs about the principal and the target."""
    if principal is None:
        return Facts()
    place = await _place_of(session, target, scope)
    role = await meeting_role(session, principal, target.meeting) if target.meeting else None
    person = principal.person if not principal.is_guest_link else None
    if principal.watch_meeting_id is not None:
        watched = target.meeting is not None and target.meeting.id == principal.watch_meeting_id
        return Facts(watching=watched)
    return Facts(
        identified=True,
        signed_in=person is not None,
        is_self=person is not None and target.person is not None and target.person.id == person.id,
        grants=_held(grants_of(principal), place),
        meeting_role=role,
    )


async def authorize(
    session: AsyncSession,
    principal: Principal | None,
    name: str,
    target: Target | None = None,
) -> Principal:
    """The principal, if the policy lets them do `name` to the target; else a refusal."""
    p = permission(name)
    early = refuses_early(name, principal)
    if early is not None:
        raise early
    facts = await facts_for(session, principal, p.scope, target or Target())
    if not decide(p, facts):
        raise Forbidden(refusal_message(p))
    assert principal is not None
    return principal


def refusal_message(p: Permission) -> str:
    """What someone who may not do the action is told, and whom to ask."""
    if p.watchers:
        return "旁听链接无效或不是这次会议的，请向会议工作人员索取新的链接"
    if p.meeting_roles and not p.grants and not p.signed_in:
        if p.meeting_roles == EVERYONE_IN_MEETING:
            return "您不在本次会议的参会名单中；如需参加，请联系会议工作人员"
        if p.meeting_roles == MEETING_EDITORS:
            return f"只有本次会议的主持人和工作人员可以{p.title}"
        return f"只有本次会议的主持人可以{p.title}"
    return f"您没有「{p.title}」的权限；如需办理，请联系本议事室或上级政协的工作人员"


# -- the two rules about accounts -----------------------------------------------------------


async def _grant_place(session: AsyncSession, grant: RoleGrant) -> _Place:
    if grant.org_unit_id is None and grant.room_id is None:
        return _Place(everywhere=True)
    return await _place_of(
        session, Target(org_unit_id=grant.org_unit_id, room_id=grant.room_id), "room"
    )


async def _can_hand_out(
    session: AsyncSession, principal: Principal, role: str, grant: RoleGrant
) -> bool:
    """Whether the principal holds, over all of the grant's scope, a role that may hand out
    `role`: a global grant needs a global holder, a unit grant a holder at or above it."""
    place = await _grant_place(session, grant)
    for mine in grants_of(principal):
        if role not in GRANTABLE.get(mine.role, frozenset()):
            continue
        if mine.org_unit_id is None and mine.room_id is None:
            return True
        if place.everywhere:
            continue
        if mine.room_id is not None:
            # A room-level holder covers only that room, never a unit around it.
            if grant.room_id == mine.room_id:
                return True
        elif mine.org_unit_id in place.units:
            return True
    return False


async def check_grant(
    session: AsyncSession,
    principal: Principal | None,
    role: str,
    *,
    org_unit_id: int | None,
    room_id: int | None,
    action: str = "person.grant",
) -> Principal:
    """Refuse a grant that the principal could not hold and hand out over that scope; taking
    one back (`action="person.revoke"`) follows the same rule."""
    who = await authorize(session, principal, action)
    if org_unit_id is not None and room_id is not None:
        raise Invalid("角色只能授予在一个组织或一个协商议事室上，请只填写其中一项")
    if role not in ROLES:
        raise Invalid("没有这个角色")
    wanted = RoleGrant(role=role, org_unit_id=org_unit_id, room_id=room_id)
    if not await _can_hand_out(session, who, role, wanted):
        raise Forbidden(
            "您只能在本人负责的范围内授予本人可授予的角色；超出范围的授权请联系上级政协工作人员"
        )
    return who


async def check_account_change(
    session: AsyncSession,
    principal: Principal | None,
    person: Person,
    action: str = "person.update",
) -> Principal:
    """Refuse changing an account outside the principal's scope, or of someone who holds a
    role the principal could not hand out over that role's scope (an admin only by an admin).
    A password reset link (`action="person.reset"`) follows the same rule."""
    who = await authorize(session, principal, action, Target(person=person))
    for grant in person.grants:
        if not await _can_hand_out(session, who, grant.role, grant):
            raise Forbidden(
                "此人拥有您无权授予的角色（如系统管理员或上级工作人员），"
                "其账号只能由有相应权限的人员修改"
            )
    return who


async def add_grant(
    session: AsyncSession,
    person: Person,
    role: str,
    *,
    org_unit_id: int | None = None,
    room_id: int | None = None,
) -> None:
    """Store a grant unless the person holds it already (the caller has checked and commits)."""
    held = any(
        g.role == role and g.org_unit_id == org_unit_id and g.room_id == room_id
        for g in person.grants
    )
    if not held:
        session.add(
            RoleGrant(person_id=person.id, role=role, org_unit_id=org_unit_id, room_id=room_id)
        )


async def remove_grant(
    session: AsyncSession,
    person: Person,
    role: str,
    *,
    org_unit_id: int | None = None,
    room_id: int | None = None,
) -> bool:
    """Delete a grant the person holds (the caller has checked and commits); False if none."""
    for grant in list(person.grants):
        if grant.role == role and grant.org_unit_id == org_unit_id and grant.room_id == room_id:
            person.grants.remove(grant)
            await session.delete(grant)
            return True
    return False


# -- what the office console may offer ------------------------------------------------------

OFFICE_ROLES = frozenset({"cppcc_staff", "admin"})


def may_use_office(principal: Principal | None) -> bool:
    """Whether the principal holds a role that lets them use the office console somewhere."""
    return any(g.role in OFFICE_ROLES for g in grants_of(principal))


async def allows(
    session: AsyncSession, principal: Principal | None, name: str, target: Target | None = None
) -> bool:
    """`authorize` as a yes or no, for lists and previews that skip what is out of reach."""
    p = permission(name)
    if refuses_early(name, principal) is not None:
        return False
    return decide(p, await facts_for(session, principal, p.scope, target or Target()))


@dataclass(frozen=True)
class Reach:
    """Where the principal runs the office: the org units and rooms their CPPCC-staff (or
    admin) grants cover, and the roles they may hand out there."""

    everywhere: bool
    org_unit_ids: tuple[int, ...]
    room_ids: tuple[int, ...]
    grantable_roles: tuple[str, ...]


async def office_reach(session: AsyncSession, principal: Principal | None) -> Reach:
    """What the office console offers the principal; the server checks each action again."""
    return await reach(session, principal, OFFICE_ROLES)


async def reach(session: AsyncSession, principal: Principal | None, roles: Iterable[str]) -> Reach:
    """The org units (with everything beneath them) and rooms that the principal's grants of
    `roles` cover (an admin grant always counts), and the roles those grants hand out."""
    wanted = set(roles) | {"admin"}
    mine = [g for g in grants_of(principal) if g.role in wanted]
    handed: set[str] = set()
    for grant in mine:
        handed |= GRANTABLE.get(grant.role, frozenset())
    # Ids only: a province's thousand rooms are read on every dashboard request.
    units = list(await session.execute(select(OrgUnit.id, OrgUnit.parent_id)))
    rooms = list(await session.execute(select(Room.id, Room.org_unit_id)))
    if any(g.org_unit_id is None and g.room_id is None for g in mine):
        unit_ids = {unit_id for unit_id, _ in units}
        room_ids = {room_id for room_id, _ in rooms}
        everywhere = True
    else:
        children: dict[int | None, list[int]] = {}
        for unit_id, parent_id in units:
            children.setdefault(parent_id, []).append(unit_id)
        unit_ids = set()
        todo = [g.org_unit_id for g in mine if g.org_unit_id is not None]
        while todo:
            current = todo.pop()
            if current not in unit_ids:
                unit_ids.add(current)
                todo.extend(children.get(current, []))
        room_ids = {room_id for room_id, unit_id in rooms if unit_id in unit_ids}
        room_ids |= {g.room_id for g in mine if g.room_id is not None}
        everywhere = False
    ordered_roles = tuple(r for r in ROLES if r in handed)
    return Reach(everywhere, tuple(sorted(unit_ids)), tuple(sorted(room_ids)), ordered_roles)


async def holders(session: AsyncSession, role: str, org_unit_id: int) -> list[Person]:
    """The active people holding `role` over the org unit (a grant on it or a unit above)."""
    chain = await org_chain(session, org_unit_id)
    people = await session.scalars(
        select(Person)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == role, RoleGrant.org_unit_id.in_(chain), Person.active)
        .order_by(Person.id)
    )
    return list(people.unique())


_SCOPE_WORDS = {
    "none": "—",
    "any": "任一范围",
    "org_unit": "组织",
    "room": "协商议事室",
    "meeting": "会议",
    "person": "人员所属组织",
}
_MEETING_ROLE_WORDS = {"moderator": "主持人", "staff": "工作人员", "participant": "参会人"}


def table_markdown() -> str:
    """The permission table as docs/security.md shows it (a test keeps the two equal)."""
    rows = ["| permission | action | scope | who |", "| --- | --- | --- | --- |"]
    for p in PERMISSIONS.values():
        who: list[str] = []
        if p.anyone:
            who.append("anyone")
        if p.signed_in:
            who.append("any account")
        if p.self_:
            who.append("the person themselves")
        who += [f"`{role}` grant" for role in sorted(p.grants)]
        who += [f"{_MEETING_ROLE_WORDS[r]} of the meeting" for r in sorted(p.meeting_roles)]
        if p.watchers:
            who.append("holders of the meeting's watch link")
        rows.append(f"| `{p.name}` | {p.title} | {_SCOPE_WORDS[p.scope]} | {', '.join(who)} |")
    return "\n".join(rows) + "\n"
