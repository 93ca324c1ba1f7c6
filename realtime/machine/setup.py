"""What a live meeting starts from: agenda with rounds, roster and settings (`MeetingSetup`).

Built from the plain dicts the database layer hands over, validated strictly; immutable after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from realtime import templates
from realtime.machine.poll_types import FIXED_OPTIONS, KIND_NAMES, POLL_KINDS
from realtime.machine.schema import (
    Choice,
    Flag,
    Ident,
    Int,
    ListOf,
    MapOf,
    Nullable,
    Schema,
    SchemaError,
    Text,
)
from realtime.machine.types import (
    CATEGORIES,
    ROUND_KINDS,
    Category,
    Refusal,
    RoundKind,
)

LIMIT = Int(10, 4 * 3600)

_SLOT = Schema(
    optional={
        "participant_id": Ident(),
        "category": Choice(CATEGORIES),
        "role": Choice(("moderator",)),
        "limit_s": LIMIT,
    }
)
# A vote planned for a vote round: what is asked and, for kinds that take them, the options.
_VOTE = Schema(
    required={"question": Text(500), "kind": Choice(POLL_KINDS)},
    optional={"options": ListOf(Text(100), 20), "secret": Flag()},
)
_ROUND = Schema(
    required={"round_id": Ident(), "kind": Choice(ROUND_KINDS), "title": Text(100)},
    optional={
        "time_limit_s": Nullable(LIMIT),
        "lineup": ListOf(_SLOT, 200),
        "votes": ListOf(_VOTE, 20),
    },
)
_ITEM = Schema(
    required={"item_id": Ident(), "title": Text(200)},
    optional={
        "description": Text(5000),
        "rounds": ListOf(_ROUND, 20),
        "template": Choice(tuple(templates.TEMPLATES)),
        "presenters": ListOf(Ident(), 20),
    },
)
_PARTICIPANT = Schema(
    required={"participant_id": Ident(), "name": Text(64), "category": Choice(CATEGORIES)},
    optional={"is_moderator": Flag()},
)
_SETTINGS = Schema(
    optional={
        "points_of_order_first": Flag(),
        "first_contribution": Flag(),
        "alternate_categories": Flag(),
        "max_speeches_per_item": Nullable(Int(1, 100)),
        "speech_limit_s": Nullable(LIMIT),
        "point_of_order_limit_s": Nullable(LIMIT),
        "question_limit_s": Nullable(LIMIT),
        "budgets_s": MapOf(Choice(CATEGORIES), Int(60, 24 * 3600)),
    }
)
_MEETING = Schema(
    required={"meeting_id": Ident(), "title": Text(200), "agenda": ListOf(_ITEM, 50)},
    optional={"participants": ListOf(_PARTICIPANT, 5000), "settings": _SETTINGS},
)


@dataclass(frozen=True)
class Slot:
    """One place in a round's lineup: a named participant, a category, or the moderators.

    A category slot stands for every participant of that category, taken in turn
    (round-robin with the other slots); `limit_s` overrides the round's time limit.
    """

    participant_id: str | None = None
    category: Category | None = None
    moderators: bool = False
    limit_s: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.participant_id is not None:
            out["participant_id"] = self.participant_id
        if self.category is not None:
            out["category"] = self.category
        if self.moderators:
            out["role"] = "moderator"
        out["limit_s"] = self.limit_s
        return out


@dataclass(frozen=True)
class PlannedVote:
    """A vote prepared for a vote round (the moderator still opens it in the meeting)."""

    question: str
    kind: str
    options: tuple[str, ...] = ()
    secret: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.kind,
            "options": list(self.options),
            "secret": self.secret,
        }


@dataclass(frozen=True)
class RoundSpec:
    """A round (环节) of an agenda item; `time_limit_s` limits each speech in it."""

    round_id: str
    kind: RoundKind
    title: str
    time_limit_s: int | None = None
    lineup: tuple[Slot, ...] = ()
    votes: tuple[PlannedVote, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "round_id": self.round_id,
            "kind": self.kind,
            "title": self.title,
            "time_limit_s": self.time_limit_s,
            "lineup": [s.to_dict() for s in self.lineup],
            "votes": [v.to_dict() for v in self.votes],
        }


@dataclass(frozen=True)
class AgendaItem:
    item_id: str
    title: str
    rounds: tuple[RoundSpec, ...] = ()
    description: str | None = None

    @property
    def is_vote_item(self) -> bool:
        """An item that ends in a vote: only there may a hand carry a pro/contra stance."""
        return any(r.kind == "vote" for r in self.rounds)

    def round(self, round_id: str) -> RoundSpec | None:
        return next((r for r in self.rounds if r.round_id == round_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "description": self.description,
            "rounds": [r.to_dict() for r in self.rounds],
        }


@dataclass(frozen=True)
class ParticipantSpec:
    participant_id: str
    name: str
    category: Category
    is_moderator: bool = False


@dataclass(frozen=True)
class Settings:
    """The meeting's speaking rules; each ordering rule can be switched off.

    `budgets_s` is the speaking time per category per agenda item; a category
    without a budget is unlimited. Limits are per speech, in seconds, None for none.
    """

    points_of_order_first: bool = True
    first_contribution: bool = True
    alternate_categories: bool = False
    max_speeches_per_item: int | None = None
    speech_limit_s: int | None = 180
    point_of_order_limit_s: int | None = 60
    question_limit_s: int | None = 60
    budgets_s: Mapping[Category, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> Settings:
        """Validate and build the rules alone (as a meeting is planned); raises
        `Refusal("invalid", ...)` naming the first fault."""
        try:
            return cls(**_SETTINGS.parse(raw, "发言规则"))
        except SchemaError as exc:
            raise Refusal("invalid", f"发言规则有误：{exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "points_of_order_first": self.points_of_order_first,
            "first_contribution": self.first_contribution,
            "alternate_categories": self.alternate_categories,
            "max_speeches_per_item": self.max_speeches_per_item,
            "speech_limit_s": self.speech_limit_s,
            "point_of_order_limit_s": self.point_of_order_limit_s,
            "question_limit_s": self.question_limit_s,
            "budgets_s": dict(self.budgets_s),
        }


@dataclass(frozen=True)
class MeetingSetup:
    """Everything fixed when a live meeting starts. Build it with `MeetingSetup.from_dict`."""

    meeting_id: str
    title: str
    agenda: tuple[AgendaItem, ...]
    participants: tuple[ParticipantSpec, ...] = ()
    settings: Settings = field(default_factory=Settings)

    def item(self, item_id: str) -> AgendaItem | None:
        return next((i for i in self.agenda if i.item_id == item_id), None)

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> MeetingSetup:
        """Validate and build; raises `Refusal("invalid", ...)` naming the first fault.

        Shape (all ids are strings):
        {"meeting_id", "title", "agenda": [item], "participants"?: [participant],
         "settings"?: {...Settings fields}}
        item: {"item_id", "title", "description"?, "rounds"?: [round]} or, instead of
        rounds, {"template": "typical", "presenters"?: [participant_id]}
        round: {"round_id", "kind", "title", "time_limit_s"?, "lineup"?: [slot],
                "votes"?: [{"question", "kind", "options"?, "secret"?}] (vote rounds only)}
        slot: exactly one of {"participant_id"}, {"category"}, {"role": "moderator"},
        plus "limit_s"?
        participant: {"participant_id", "name", "category", "is_moderator"?}
        """
        try:
            data = _MEETING.parse(raw, "会议")
            participants = tuple(
                ParticipantSpec(
                    p["participant_id"], p["name"], p["category"], p.get("is_moderator", False)
                )
                for p in data.get("participants", [])
            )
            setup = cls(
                meeting_id=data["meeting_id"],
                title=data["title"],
                agenda=tuple(_item(i) for i in data["agenda"]),
                participants=participants,
                settings=Settings(**data.get("settings", {})),
            )
            _check_references(setup)
        except SchemaError as exc:
            raise Refusal("invalid", f"会议设置有误：{exc}") from exc
        return setup


def _item(data: Mapping[str, Any]) -> AgendaItem:
    if "template" in data:
        if "rounds" in data:
            raise SchemaError(f"议程项 {data['item_id']} 不能同时给出 rounds 和 template")
        rounds_raw = templates.rounds(data["template"], presenters=data.get("presenters", ()))
        rounds_data = ListOf(_ROUND, 20).parse(rounds_raw, "模板环节")
    elif "presenters" in data:
        raise SchemaError(f"议程项 {data['item_id']} 的 presenters 只用于模板")
    else:
        rounds_data = data.get("rounds", [])
    rounds = tuple(_round(r) for r in rounds_data)
    ids = [r.round_id for r in rounds]
    if len(set(ids)) != len(ids):
        raise SchemaError(f"议程项 {data['item_id']} 的环节标识重复")
    return AgendaItem(data["item_id"], data["title"], rounds, data.get("description"))


def _round(data: Mapping[str, Any]) -> RoundSpec:
    votes = data.get("votes", [])
    if votes and data["kind"] != "vote":
        raise SchemaError(f"环节「{data['title']}」不是表决环节，不能设表决事项")
    return RoundSpec(
        round_id=data["round_id"],
        kind=data["kind"],
        title=data["title"],
        time_limit_s=data.get("time_limit_s"),
        lineup=tuple(_slot(s, data["round_id"]) for s in data.get("lineup", [])),
        votes=tuple(_vote(v) for v in votes),
    )


def _vote(data: Mapping[str, Any]) -> PlannedVote:
    """A planned vote, held to the rules `poll.open` applies to its options."""
    kind, options = data["kind"], tuple(data.get("options", []))
    name = KIND_NAMES[kind]
    if kind in FIXED_OPTIONS and options:
        raise SchemaError(f"表决「{data['question']}」是{name}表决，选项由系统给出，不能另设")
    if kind not in FIXED_OPTIONS and len(options) < 2:
        raise SchemaError(f"表决「{data['question']}」没有选项：{name}表决至少需要两个选项")
    if len(set(options)) != len(options):
        raise SchemaError(f"表决「{data['question']}」的选项不能重复")
    return PlannedVote(data["question"], kind, options, data.get("secret", False))


def _slot(data: Mapping[str, Any], round_id: str) -> Slot:
    who = [k for k in ("participant_id", "category", "role") if k in data]
    if len(who) != 1:
        raise SchemaError(
            f"环节 {round_id} 的每个发言位须且只须给出 participant_id、category 或 role 之一"
        )
    return Slot(
        participant_id=data.get("participant_id"),
        category=data.get("category"),
        moderators="role" in data,
        limit_s=data.get("limit_s"),
    )


def _check_references(setup: MeetingSetup) -> None:
    pids = [p.participant_id for p in setup.participants]
    if len(set(pids)) != len(pids):
        raise SchemaError("参会人标识重复")
    items = [i.item_id for i in setup.agenda]
    if len(set(items)) != len(items):
        raise SchemaError("议程项标识重复")
    known = set(pids)
    for item in setup.agenda:
        for rnd in item.rounds:
            for slot in rnd.lineup:
                if slot.participant_id is not None and slot.participant_id not in known:
                    raise SchemaError(
                        f"环节「{rnd.title}」的发言人（编号 {slot.participant_id}）不在参会名单中，"
                        "请先把此人加入参会名单，或从发言顺序中去掉"
                    )
