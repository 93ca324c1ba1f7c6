"""The fixed pipeline every command goes through, and the registries that feed it.

permit role -> validate data -> check phase -> handler decides, emitting events that are
applied to a scratch copy as they go; the caller's state is never touched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from types import MappingProxyType
from typing import Any, TypeVar

from realtime.machine.schema import Schema, SchemaError
from realtime.machine.state import MeetingState, ParticipantState
from realtime.machine.types import (
    ROLE_NAMES,
    ROLES,
    Actor,
    Command,
    Event,
    Phase,
    Refusal,
    RefusalCode,
    Role,
)

Apply = Callable[[MeetingState, Mapping[str, Any]], MeetingState]


@dataclass(frozen=True)
class Applier:
    """How one event type changes the state."""

    type: str
    apply: Apply


@dataclass(frozen=True)
class Handler:
    """One command type: its input schema, who may send it, in which phases, and its effect.

    `run` reads `ctx.state`, raises `ctx.refuse(...)` or calls `ctx.emit(...)`.
    """

    type: str
    title: str  # the command's Chinese name, used in refusal messages
    roles: frozenset[Role]
    phases: frozenset[Phase]
    schema: Schema
    run: Callable[[Context, dict[str, Any]], None]


V = TypeVar("V")


def build_registry(items: Iterable[V], key: Callable[[V], str]) -> Mapping[str, V]:
    """A read-only name -> item table; a name registered twice is a programming error."""
    table: dict[str, V] = {}
    for item in items:
        name = key(item)
        if name in table:
            raise ValueError(f"registered twice: {name}")
        table[name] = item
    return MappingProxyType(table)


def refusal(
    code: RefusalCode, title: str, type_: str, reason: str, role: Role, state: MeetingState
) -> Refusal:
    """A refusal as people read it ("现在不能举手：发言队列已关闭。"), with the command, the
    sender's role and the meeting's phase in its details line for the moderator."""
    return Refusal(
        code,
        f"现在不能{title}：{reason}。",
        f"{type_}；角色：{ROLE_NAMES[role]}；阶段：{phase_label(state)}",
    )


def phase_reason(state: MeetingState) -> str:
    """Why a command is out of place in this phase, in the words of the meeting."""
    phase = state.phase
    if phase == "closed":
        return "会议已结束"
    if phase == "lobby":
        return "会议尚未开始"
    if phase == "item":
        return "现在没有进行中的环节"
    spec = state.round_spec
    title = spec.title if spec is not None else "当前环节"
    return f"环节「{title}」正在进行，请先结束本环节"


def phase_label(state: MeetingState) -> str:
    phase = state.phase
    if phase == "lobby":
        return "会议尚未开始"
    if phase == "closed":
        return "会议已结束"
    item = state.item
    title = item.title if item is not None else state.item_id
    spec = state.round_spec
    if spec is None:
        return f"议程「{title}」进行中，未在环节内"
    return f"议程「{title}」的环节「{spec.title}」进行中"


class Context:
    """What a handler sees: the state so far, the actor, server time, and emit/refuse."""

    def __init__(
        self, machine: Machine, state: MeetingState, actor: Actor, now: float, handler: Handler
    ) -> None:
        self.machine = machine
        self.original = state
        self.state = state
        self.actor = actor
        self.now = now
        self.handler = handler
        self.facts: object = None
        self.events: list[Event] = []

    def emit(self, type_: str, **data: Any) -> None:
        event = Event(type_, data)
        self.state = self.machine.evolve(self.state, event)
        self.events.append(event)

    def refuse(self, code: RefusalCode, reason: str) -> Refusal:
        handler = self.handler
        return refusal(code, handler.title, handler.type, reason, self.actor.role, self.original)

    @property
    def is_moderator(self) -> bool:
        return self.actor.role == "moderator"

    def me(self) -> ParticipantState:
        """The actor's own roster entry; commands about oneself need one."""
        pid = self.actor.participant_id
        person = None if pid is None else self.state.participants.get(pid)
        if person is None:
            raise self.refuse("forbidden", "发送者不在本次会议的参会名单中")
        return person

    def participant(self, participant_id: str) -> ParticipantState:
        person = self.state.participants.get(participant_id)
        if person is None:
            raise self.refuse("not_found", f"参会名单中没有 {participant_id}")
        return person


@dataclass(frozen=True)
class Machine:
    """A set of command handlers and event appliers; `meeting.py` builds the one in use."""

    commands: Mapping[str, Handler]
    appliers: Mapping[str, Applier]

    @classmethod
    def build(cls, handlers: Iterable[Handler], appliers: Iterable[Applier]) -> Machine:
        return cls(
            build_registry(handlers, lambda h: h.type),
            build_registry(appliers, lambda a: a.type),
        )

    def decide(
        self, state: MeetingState, command: Command, actor: Actor, now: float
    ) -> list[Event]:
        if not isinstance(now, int | float) or not math.isfinite(now):
            raise ValueError("now must be a finite number of seconds")
        if actor.role not in ROLES:
            raise ValueError(f"unknown role: {actor.role!r}")
        handler = self.commands.get(command.type)
        if handler is None:
            name = str(command.type)[:64]
            raise refusal("invalid", "执行", name, f"没有「{name}」这项操作", actor.role, state)
        ctx = Context(self, state, actor, float(now), handler)
        ctx.facts = command.facts
        # Who may send it is decided first: a role that may not send a command learns
        # nothing of its input from the refusal, whatever it sent.
        if actor.role not in handler.roles:
            who = "、".join(ROLE_NAMES[r] for r in ROLES if r in handler.roles)
            raise ctx.refuse("forbidden", f"无权执行此命令，只有{who}可以")
        try:
            data = handler.schema.parse(command.data, "命令数据")
        except SchemaError as exc:
            raise ctx.refuse("invalid", str(exc)) from exc
        if state.phase not in handler.phases:
            raise ctx.refuse("conflict", phase_reason(state))
        handler.run(ctx, data)
        if not ctx.events:
            raise AssertionError(f"handler {handler.type} decided nothing")
        return ctx.events

    def evolve(self, state: MeetingState, event: Event) -> MeetingState:
        applier = self.appliers.get(event.type)
        if applier is None:
            raise ValueError(f"unknown event type: {event.type!r}")
        return applier.apply(state, event.data)

    def replay(self, state: MeetingState, events: Sequence[Event]) -> MeetingState:
        return reduce(self.evolve, events, state)
