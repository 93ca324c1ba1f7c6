"""Plain value types of the live meeting machine: actors, commands, events and refusals.

They carry no behaviour beyond construction and JSON shaping; rules live elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Role = Literal["moderator", "staff", "participant", "system"]
Phase = Literal["lobby", "item", "round", "closed"]
RefusalCode = Literal["invalid", "forbidden", "not_found", "conflict", "rate_limited"]
Category = Literal["member", "stakeholder", "official", "guest"]
RoundKind = Literal["intro", "briefing", "statements", "responses", "discussion", "vote", "summary"]
HandKind = Literal["speech", "point_of_order", "question"]
SpeechKind = Literal["speech", "point_of_order", "question", "turn"]
Stance = Literal["pro", "contra"]
AttendanceMode = Literal["in_room", "remote"]

ROLES: tuple[Role, ...] = get_args(Role)
PHASES: tuple[Phase, ...] = get_args(Phase)
REFUSAL_CODES: tuple[RefusalCode, ...] = get_args(RefusalCode)
CATEGORIES: tuple[Category, ...] = get_args(Category)
ROUND_KINDS: tuple[RoundKind, ...] = get_args(RoundKind)
HAND_KINDS: tuple[HandKind, ...] = get_args(HandKind)
STANCES: tuple[Stance, ...] = get_args(Stance)
ATTENDANCE_MODES: tuple[AttendanceMode, ...] = get_args(AttendanceMode)

ROLE_NAMES: Mapping[Role, str] = {
    "moderator": "主持人",
    "staff": "工作人员",
    "participant": "参会人",
    "system": "系统",
}


@dataclass(frozen=True)
class Actor:
    """Who sends a command.

    `participant_id` is None only for the system and for staff who are not on the roster.
    `category` is informational (logs, the transport layer): the machine reads a
    participant's category from the roster, which is authoritative.
    """

    participant_id: str | None
    role: Role
    category: Category | None = None


SYSTEM = Actor(participant_id=None, role="system")


@dataclass(frozen=True)
class Command:
    """A request from a client or the server: `type` names a registered handler."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)
    # What the server read from storage for this command (the stored votes of a poll
    # being closed); set by the server only, never from a client's data.
    facts: object = None


@dataclass(frozen=True)
class Event:
    """A fact the machine decided; `data` is JSON-ready and holds all `evolve` needs."""

    type: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.data}


class Refusal(Exception):
    """A command the rules refuse; the state is left exactly as it was.

    `code` is one of REFUSAL_CODES; `message` is a plain Chinese sentence for the person
    who sent it ("现在不能举手：发言队列已关闭。"); `details` names the command, the sender's
    role and the meeting's phase, for the moderator and the logs.
    """

    def __init__(self, code: RefusalCode, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.code: RefusalCode = code
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out
