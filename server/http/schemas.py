"""The JSON shapes of the API: what requests may carry and what responses hold.

Lengths and choices are bounded here so that bad input is refused before it reaches a rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from realtime.machine.poll_types import POLL_KINDS
from server.limits import MAX_ID


def _not_a_boolean(value: Any) -> Any:
    # JSON true would otherwise pass as the id 1.
    if isinstance(value, bool):
        raise PydanticCustomError("id_type", "an id is a positive integer, not a boolean")
    return value


# Every id a request carries: a positive integer the databases can hold, never a boolean.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_not_a_boolean)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "leave the field out rather than send null")
    return value


def _without_null(schema: dict[str, Any]) -> None:
    # Documented as it is validated: the type itself, no null.
    kinds = [k for k in schema.pop("anyOf", []) if k.get("type") != "null"]
    schema.pop("default", None)
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds


# A PATCH field that may be left out but not emptied: its column always holds a value.
NotNull = (BeforeValidator(_not_null), Field(json_schema_extra=_without_null))
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# A person's or guest's name, and a round's title: their columns are narrower.
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
RoundTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[\w.@-]+$"),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
OrgLevel = Literal["city", "county", "township", "village"]
Category = Literal["member", "stakeholder", "official", "guest"]
CppccLevel = Literal["city", "county"]
Role = Literal["admin", "cppcc_staff", "party_reviewer", "moderator", "staff", "unit_officer"]
Mode = Literal["in_room", "online", "hybrid"]
Status = Literal["scheduled", "live", "ended"]
RoundKind = Literal["intro", "briefing", "statements", "responses", "discussion", "vote", "summary"]
MeetingRole = Literal["moderator", "staff", "participant"]
# Where invitations are e-mailed; a plain check, the SMTP server has the last word.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,19}$")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChallengeIn(Input):
    """The answer to GET /api/public/challenge, sent with a public form (public_guard)."""

    token: Annotated[str, StringConstraints(max_length=400)]
    answer: Annotated[str, StringConstraints(max_length=20)]


class LoginIn(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RoleOut(BaseModel):
    role: Role
    org_unit_id: int | None
    room_id: int | None


class Me(BaseModel):
    id: int
    username: str
    name: str
    category: Category
    cppcc_level: CppccLevel | None
    roles: list[RoleOut]
    office: bool = False  # may open the office console (server/policy.py decides)


class LoginOut(BaseModel):
    token: str
    user: Me


class Ok(BaseModel):
    ok: bool = True


class OrgUnitIn(Input):
    name: Name
    level: OrgLevel
    parent_id: Id | None = None


class OrgUnitPatch(Input):
    name: Name | None = None


class OrgUnitOut(BaseModel):
    id: int
    name: str
    level: OrgLevel
    parent_id: int | None


class OrgUnitList(BaseModel):
    items: list[OrgUnitOut]


class RoomIn(Input):
    name: Name
    org_unit_id: Id
    address: Title | None = None


class RoomPatch(Input):
    name: Annotated[Name | None, *NotNull] = None
    address: Title | None = None
    notice_days: Annotated[int | None, Field(ge=0, le=60), *NotNull] = Field(
        default=None, description="Days a topic's notice stands before its meeting may open"
    )
    premoderate: Annotated[bool | None, *NotNull] = Field(
        default=None,
        description="Whether public proposals, comments and suggestions wait for moderation",
    )


class RoomOut(BaseModel):
    id: int
    name: str
    level: Literal["township", "village"]
    org_unit_id: int
    org_unit_name: str
    address: str | None
    notice_days: int = 7
    premoderate: bool = False


class RoomList(BaseModel):
    items: list[RoomOut]


class PersonIn(Input):
    username: Username
    name: PersonName
    password: Password | None = None
    phone: Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+\- ]*$")] | None = None
    email: Email | None = None
    category: Category
    cppcc_level: CppccLevel | None = None
    org_unit_id: Id | None = None


class PersonPatch(Input):
    name: Annotated[PersonName | None, *NotNull] = None
    password: Password | None = None
    phone: Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+\- ]*$")] | None = None
    email: Email | None = None
    category: Annotated[Category | None, *NotNull] = None
    cppcc_level: CppccLevel | None = None
    active: Annotated[bool | None, *NotNull] = None


class PersonOut(BaseModel):
    id: int
    username: str
    name: str
    phone: str | None
    category: Category
    cppcc_level: CppccLevel | None
    org_unit_id: int | None
    active: bool
    roles: list[RoleOut]


class PersonList(BaseModel):
    items: list[PersonOut]


class GrantIn(Input):
    role: Role
    org_unit_id: Id | None = None
    room_id: Id | None = None


# The round's config and the speaking rules are checked by the live machine's own schema
# (realtime/machine/setup.py); these JSON Schemas describe them for OpenAPI and the
# browser's types, without changing what is read or written.
_LIMIT_S = {"type": "integer", "minimum": 10, "maximum": 4 * 3600}
_SLOT_LIMIT = {"anyOf": [_LIMIT_S, {"type": "null"}]}
_SLOT_SCHEMA = {
    "description": "One place in a round's lineup: a participant, a category, or the moderators",
    "oneOf": [
        {
            "type": "object",
            "required": [who],
            "properties": {who: schema, "limit_s": _SLOT_LIMIT},
        }
        for who, schema in (
            ("participant_id", {"type": "string"}),
            ("category", {"enum": list(get_args(Category))}),
            ("role", {"const": "moderator"}),
        )
    ],
}
_PLANNED_VOTE_SCHEMA = {
    "description": "A vote planned for a vote round; the moderator opens it in the meeting",
    "type": "object",
    "required": ["question", "kind"],
    "properties": {
        "question": {"type": "string", "maxLength": 500},
        "kind": {"enum": list(POLL_KINDS)},
        "options": {"type": "array", "items": {"type": "string", "maxLength": 100}},
        "secret": {"type": "boolean"},
    },
}
RoundConfig = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "title": "RoundConfig",
            "description": "lineup (slots) and, for a vote round, votes",
            "type": "object",
            "properties": {
                "lineup": {
                    "anyOf": [
                        {"type": "array", "items": _SLOT_SCHEMA, "maxItems": 200},
                        {"type": "null"},
                    ]
                },
                "votes": {
                    "anyOf": [
                        {"type": "array", "items": _PLANNED_VOTE_SCHEMA, "maxItems": 20},
                        {"type": "null"},
                    ]
                },
            },
        }
    ),
]
_SECONDS_OR_NULL = {"anyOf": [_LIMIT_S, {"type": "null"}]}
SpeakingRules = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "title": "SpeakingRules",
            "description": "The live meeting's speaking rules (docs/protocol.md, settings)",
            "type": "object",
            "properties": {
                "points_of_order_first": {"type": "boolean"},
                "first_contribution": {"type": "boolean"},
                "alternate_categories": {"type": "boolean"},
                "max_speeches_per_item": {
                    "anyOf": [{"type": "integer", "minimum": 1, "maximum": 100}, {"type": "null"}]
                },
                "speech_limit_s": _SECONDS_OR_NULL,
                "point_of_order_limit_s": _SECONDS_OR_NULL,
                "question_limit_s": _SECONDS_OR_NULL,
                "budgets_s": {
                    "description": "seconds per category per agenda item",
                    "type": "object",
                    "propertyNames": {"enum": list(get_args(Category))},
                    "additionalProperties": {"type": "integer"},
                },
            },
        }
    ),
]


class RoundIn(Input):
    kind: RoundKind
    title: RoundTitle
    time_limit_s: int | None = Field(default=None, ge=10, le=4 * 3600)
    config: RoundConfig = Field(default_factory=dict, max_length=20)


class AgendaItemIn(Input):
    title: Title
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    rounds: list[RoundIn] = Field(default_factory=list, max_length=20)
    template: Literal["typical"] | None = Field(
        default=None, description="Fill the rounds from a template (when rounds is empty)."
    )


RULES_DOC = (
    "The live meeting's speaking rules (docs/protocol.md, settings): points_of_order_first, "
    "first_contribution, alternate_categories, max_speeches_per_item, speech_limit_s, "
    "point_of_order_limit_s, question_limit_s, budgets_s {category: seconds per item}"
)


class ReportSettings(Input):
    """How the meeting's written outcome is addressed and signed (协商建议的主送、落款、期号)."""

    recipient: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description="主送: the party committee and government the report goes to"
    )
    organ: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        default="", description="落款: the office that signs (default: the room's name)"
    )
    number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = Field(
        default="", description="期号 of the minutes, e.g. 第5期"
    )


class MeetingIn(Input):
    room_id: Id
    title: Title
    topic_title: Title
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    place: Title
    mode: Mode
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=50)
    speaking_rules: SpeakingRules | None = Field(default=None, description=RULES_DOC)
    report: ReportSettings | None = None
    copy_from: int | None = Field(
        default=None, description="Copy agenda, speaking rules and roster from this meeting"
    )
    topic_id: Id | None = Field(
        default=None, description="The approved topic (议题) this meeting consults on"
    )


class MeetingPatch(Input):
    room_id: Annotated[Id | None, *NotNull] = None
    title: Annotated[Title | None, *NotNull] = None
    topic_title: Annotated[Title | None, *NotNull] = None
    starts_at: Annotated[AwareDatetime | None, *NotNull] = None
    ends_at: AwareDatetime | None = None
    place: Annotated[Title | None, *NotNull] = None
    mode: Annotated[Mode | None, *NotNull] = None
    agenda: list[AgendaItemIn] | None = Field(default=None, max_length=50)
    speaking_rules: SpeakingRules | None = Field(default=None, description=RULES_DOC)
    report: ReportSettings | None = None


class RoundOut(BaseModel):
    id: int
    position: int
    kind: RoundKind
    title: str
    time_limit_s: int | None
    config: RoundConfig = Field(default_factory=dict)


class AgendaItemOut(BaseModel):
    id: int
    position: int
    title: str
    description: str | None = None
    rounds: list[RoundOut]


class MeetingOut(BaseModel):
    id: int
    room_id: int
    room_name: str
    title: str
    topic_title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    mode: Mode
    status: Status
    topic_id: int | None = None
    agenda: list[AgendaItemOut]
    speaking_rules: SpeakingRules = Field(description="Every speaking rule, defaults included")
    report: ReportSettings = Field(default_factory=lambda: ReportSettings())


class MeetingList(BaseModel):
    items: list[MeetingOut]


class ParticipantIn(Input):
    person_id: Id | None = None
    guest_name: PersonName | None = None
    guest_phone: Phone | None = None
    category: Category | None = None
    role: MeetingRole = "participant"
    attendance_mode: Literal["in_room", "remote"] | None = None


class InviteOut(BaseModel):
    invite_id: int
    invite: str
    url: str
    expires_at: datetime
    revoked: bool = False


class ParticipantOut(BaseModel):
    id: int
    meeting_id: int
    person_id: int | None
    name: str
    category: Category
    role: MeetingRole
    attendance_mode: Literal["in_room", "remote"] | None
    guest_phone: str | None = None
    invite: InviteOut | None = Field(
        default=None, description="A guest just added: their invite link, made in the same act"
    )


class ParticipantList(BaseModel):
    items: list[ParticipantOut]


class MyPlaceOut(BaseModel):
    role: MeetingRole | None = Field(
        description="moderator, staff or participant as every action is checked; null: none"
    )
    participant_id: int | None = Field(description="The asker's roster entry, if any")


class InviteIn(Input):
    participant_id: Id
    ttl_s: int | None = Field(default=None, ge=1, le=90 * 24 * 3600)


class InviteRevoked(BaseModel):
    invite_id: int
    revoked: bool


class InviteInfo(BaseModel):
    meeting: MeetingOut
    participant: ParticipantOut
