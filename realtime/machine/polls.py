"""Live polls in the meeting machine: opening and closing polls, checking a ballot, kiosk votes.

Handlers, appliers and the snapshot view for polls; counting is `realtime.machine.tally`.

Votes themselves are not events of the meeting: `vote.cast` is decided here like any
command (schema, role, phase, then the poll's rules) and yields a `vote.accepted` event
that the caller writes to the vote tables instead of the meeting's sequence. Only a
kiosk vote also yields a sequenced event (`kiosk.reset`), so the voting tablet resets.
The close is decided on the stored votes, which the caller reads in the close's own
transaction and hands over as `Command.facts` (a `StoredVotes`); clients cannot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from realtime.machine import tally
from realtime.machine.core import Applier, Context, Handler, refusal
from realtime.machine.poll_types import (
    BASES,
    FIXED_OPTIONS,
    KIND_NAMES,
    POLL_KINDS,
    QUORUM_SHARES,
    RATING_RANGE,
    TEXT_MAX,
    THRESHOLDS,
    KioskUnlock,
    Poll,
    PollKind,
    PollOption,
    PollRules,
    StoredVotes,
)
from realtime.machine.schema import (
    Choice,
    Flag,
    Ident,
    Int,
    ListOf,
    Nullable,
    Schema,
    SchemaError,
    Text,
)
from realtime.machine.state import MeetingState, ParticipantState
from realtime.machine.types import (
    CATEGORIES,
    Actor,
    Category,
    Phase,
    Refusal,
    RefusalCode,
    Role,
)

HELPERS: frozenset[Role] = frozenset({"moderator", "staff"})
CLOSERS: frozenset[Role] = frozenset({"moderator", "staff", "system"})
VOTERS: frozenset[Role] = frozenset({"moderator", "staff", "participant"})
OPEN_PHASES: frozenset[Phase] = frozenset({"lobby", "item", "round"})
MAX_OPTIONS = 30
# Events that never enter the meeting's sequence: the vote tables take them.
UNSEQUENCED = frozenset({"vote.accepted"})


# -- data fields that the generic schema does not have ------------------------------------


class Eligible:
    """Who may vote: "all", "members" (委员 only), or a list of categories."""

    def parse(self, value: object, name: str) -> tuple[Category, ...]:
        if value == "all":
            return CATEGORIES
        if value == "members":
            return ("member",)
        chosen = ListOf(Choice(CATEGORIES), len(CATEGORIES)).parse(value, name)
        if not chosen:
            raise SchemaError(f"{name} 应为 all、members 或至少一个类别")
        return tuple(c for c in CATEGORIES if c in chosen)


class Quorum:
    """A quorum: a number of votes (1–100000), or "half" / "two_thirds" of the eligible."""

    def parse(self, value: object, name: str) -> int | str:
        if isinstance(value, str):
            return Choice(QUORUM_SHARES).parse(value, name)
        return Int(1, 100_000).parse(value, name)


class AnyChoice:
    """A choice as sent: an option id, a list of them, a rating or a short text.

    Its shape is checked against the poll by `normalise_choice`; here only its size.
    """

    def parse(self, value: object, name: str) -> Any:
        if isinstance(value, bool) or value is None:
            raise SchemaError(f"{name} 应为选项、选项列表、评分或文字")
        if isinstance(value, str | int):
            return value
        return ListOf(Ident(), MAX_OPTIONS).parse(value, name)


OPEN_SCHEMA = Schema(
    required={"question": Text(500), "kind": Choice(POLL_KINDS)},
    optional={
        "options": ListOf(Text(100), MAX_OPTIONS),
        "secret": Flag(),
        "eligible": Eligible(),
        "base": Choice(BASES),
        "threshold": Choice(THRESHOLDS),
        "quorum": Nullable(Quorum()),
        "live_results": Flag(),
        "allow_change": Flag(),
        "max_choices": Int(1, MAX_OPTIONS),
        "closes_in_s": Nullable(Int(1, 24 * 3600)),
        "item_id": Ident(),
    },
)
POLL_ID = Schema(required={"poll_id": Ident()})
VOTE_SCHEMA = Schema(
    required={"poll_id": Ident(), "choice": AnyChoice()},
    optional={"on_behalf_of": Ident()},
)
UNLOCK_SCHEMA = Schema(required={"poll_id": Ident(), "participant_id": Ident()})


# -- shared steps ---------------------------------------------------------------------------


def find_poll(ctx: Context, poll_id: str, *, open_only: bool = True) -> Poll:
    poll = ctx.state.poll(poll_id)
    if poll is None:
        raise ctx.refuse("not_found", f"没有表决 {poll_id}")
    if open_only and not poll.is_open:
        raise ctx.refuse("conflict", f"表决「{poll.question}」已结束")
    return poll


def check_eligible(ctx: Context, poll: Poll, person: ParticipantState) -> None:
    if person.category not in poll.rules.eligible:
        raise ctx.refuse("forbidden", f"{person.name}不在本次表决的投票范围内")


def _options(ctx: Context, kind: PollKind, labels: Sequence[str]) -> tuple[PollOption, ...]:
    if kind in FIXED_OPTIONS:
        if labels:
            raise ctx.refuse("invalid", f"{KIND_NAMES[kind]}表决的选项由系统给出，不能另设")
        return tuple(PollOption(i, label) for i, label in FIXED_OPTIONS[kind])
    if len(labels) < 2:
        raise ctx.refuse("invalid", f"{KIND_NAMES[kind]}表决至少需要两个选项")
    if len(set(labels)) != len(labels):
        raise ctx.refuse("invalid", "选项不能重复")
    return tuple(PollOption(f"o{i}", label) for i, label in enumerate(labels, 1))


def _rules(ctx: Context, data: Mapping[str, Any], options: int) -> PollRules:
    kind, secret = data["kind"], data.get("secret", False)
    allow_change = data.get("allow_change", False)
    if secret and allow_change:
        raise ctx.refuse("invalid", "无记名表决不能改票")
    if secret and data.get("live_results"):
        # Counts seen vote by vote, set against who has voted, name each voter's choice.
        raise ctx.refuse("invalid", "无记名表决不能显示实时结果，结束前只显示已投票人数")
    max_choices = data.get("max_choices")
    if max_choices is not None and kind != "multiple":
        raise ctx.refuse("invalid", "只有多选表决可以设定最多选几项")
    if kind == "multiple":
        max_choices = min(max_choices or options, options)
    return PollRules(
        eligible=data.get("eligible", CATEGORIES),
        base=data.get("base", "cast"),
        threshold=data.get("threshold", "simple"),
        quorum=data.get("quorum"),
        # A secret ballot's results stay hidden until the close (refused above if asked).
        live_results=data.get("live_results", not secret),
        allow_change=allow_change,
        max_choices=max_choices,
        closes_in_s=data.get("closes_in_s"),
    )


def normalise_choice(poll: Poll, choice: Any) -> tuple[RefusalCode | None, Any]:
    """The choice in its stored form, or (code, reason) naming what is wrong with it.

    Returns `(None, normalised)` when it is valid, else `(code, Chinese reason)`.
    """
    known = set(poll.option_ids)
    kind = poll.kind
    if kind in ("single", "yes_no_abstain"):
        if not isinstance(choice, str):
            return "invalid", "请选择一个选项"
        return (None, choice) if choice in known else ("not_found", f"没有选项 {choice}")
    if kind == "rating":
        low, high = RATING_RANGE
        if not isinstance(choice, int) or not low <= choice <= high:
            return "invalid", f"评分应为 {low} 到 {high} 的整数"
        return None, choice
    if kind == "text":
        text = choice.strip() if isinstance(choice, str) else ""
        if not 1 <= len(text) <= TEXT_MAX or any(ch < " " for ch in text):
            return "invalid", f"意见应为 1 到 {TEXT_MAX} 个字的文字"
        return None, text
    if not isinstance(choice, list) or not choice:
        return "invalid", "请至少选择一项"
    unknown = [c for c in choice if c not in known]
    if unknown:
        return "not_found", f"没有选项 {unknown[0]}"
    if len(set(choice)) != len(choice):
        return "invalid", "同一选项不能选两次"
    if kind == "multiple":
        limit = poll.rules.max_choices or len(known)
        if len(choice) > limit:
            return "invalid", f"最多选择 {limit} 项"
        # Stored in the options' order: the order of ticking says nothing.
        return None, [o for o in poll.option_ids if o in choice]
    return None, list(choice)  # ranking: in order of preference, possibly partial


def count_bases(state: MeetingState, poll: Poll, voters: Sequence[str]) -> tuple[int, int]:
    """(eligible, present): who may vote, and how many of them are checked in. Someone
    who voted counts as both, whatever the roster says now."""
    voted = set(voters)
    eligible = {
        p.participant_id for p in state.participants.values() if p.category in poll.rules.eligible
    } | voted
    present = {pid for pid in eligible if pid in voted or state.participants[pid].mode is not None}
    return len(eligible), len(present)


# -- handlers -------------------------------------------------------------------------------


def poll_open(ctx: Context, data: dict[str, Any]) -> None:
    kind: PollKind = data["kind"]
    options = _options(ctx, kind, data.get("options", []))
    rules = _rules(ctx, data, len(options))
    item_id = data.get("item_id", ctx.state.item_id)
    if item_id is not None and ctx.state.setup.item(item_id) is None:
        raise ctx.refuse("not_found", f"议程中没有 {item_id}")
    closes_in = rules.closes_in_s
    ctx.emit(
        "poll.opened",
        poll_id=f"p{ctx.state.polls_issued + 1}",
        question=data["question"],
        kind=kind,
        secret=data.get("secret", False),
        options=[o.to_dict() for o in options],
        rules=rules.to_dict(),
        item_id=item_id,
        opened_at=ctx.now,
        closes_at=None if closes_in is None else round(ctx.now + closes_in, 3),
        by=ctx.actor.participant_id,
    )


def poll_close(ctx: Context, data: dict[str, Any]) -> None:
    poll = find_poll(ctx, data["poll_id"])
    votes = ctx.facts
    if not isinstance(votes, StoredVotes):
        raise AssertionError("poll.close needs the stored votes as facts")
    eligible, present = count_bases(ctx.state, poll, votes.voters)
    result = tally.final_result(poll, votes.choices, eligible=eligible, present=present)
    kiosk = ctx.state.kiosk
    if kiosk is not None and kiosk.poll_id == poll.poll_id:
        reset_kiosk(ctx, kiosk, "closed")
    named = None
    if votes.named is not None:
        named = [{"participant_id": pid, "choice": choice} for pid, choice in votes.named]
    ctx.emit(
        "poll.closed",
        poll_id=poll.poll_id,
        at=ctx.now,
        by=ctx.actor.participant_id,
        reason="timer" if ctx.actor.role == "system" else "closed",
        result=result,
        voters=list(votes.voters),
        named=named,
    )


def vote_cast(ctx: Context, data: dict[str, Any]) -> None:
    poll = find_poll(ctx, data["poll_id"])
    if poll.closes_at is not None and ctx.now >= poll.closes_at:
        raise ctx.refuse("conflict", f"表决「{poll.question}」的投票时间已到")
    kiosk = None
    if "on_behalf_of" in data:
        if ctx.actor.role not in HELPERS:
            raise ctx.refuse("forbidden", "只有主持人或工作人员可以在表决器上代为投票")
        voter = ctx.participant(data["on_behalf_of"])
        kiosk = ctx.state.kiosk
        if kiosk is None or (kiosk.poll_id, kiosk.participant_id) != (
            poll.poll_id,
            voter.participant_id,
        ):
            raise ctx.refuse("conflict", f"表决器没有为{voter.name}解锁本次表决")
    else:
        voter = ctx.me()
    check_eligible(ctx, poll, voter)
    code, choice = normalise_choice(poll, data["choice"])
    if code is not None:
        raise ctx.refuse(code, choice)
    ctx.emit(
        "vote.accepted",
        poll_id=poll.poll_id,
        participant_id=voter.participant_id,
        choice=choice,
        secret=poll.secret,
        allow_change=poll.rules.allow_change,
        by=ctx.actor.participant_id if kiosk is not None else None,
    )
    if kiosk is not None:
        reset_kiosk(ctx, kiosk, "voted")


def kiosk_unlock(ctx: Context, data: dict[str, Any]) -> None:
    poll = find_poll(ctx, data["poll_id"])
    person = ctx.participant(data["participant_id"])
    check_eligible(ctx, poll, person)
    if person.mode is None:
        raise ctx.refuse("conflict", f"{person.name}尚未签到")
    voted = isinstance(ctx.facts, Mapping) and ctx.facts.get("voted")
    if voted and not poll.rules.allow_change:
        raise ctx.refuse("conflict", f"{person.name}已经投过票了")
    kiosk = ctx.state.kiosk
    if kiosk is not None:
        waiting = ctx.state.participants[kiosk.participant_id].name
        raise ctx.refuse("conflict", f"表决器正在等待{waiting}投票，请先取消")
    ctx.emit(
        "kiosk.unlocked",
        poll_id=poll.poll_id,
        participant_id=person.participant_id,
        name=person.name,
        by=ctx.actor.participant_id,
        at=ctx.now,
    )


def kiosk_cancel(ctx: Context, data: dict[str, Any]) -> None:
    kiosk = ctx.state.kiosk
    if kiosk is None:
        raise ctx.refuse("conflict", "表决器没有等待中的投票")
    reset_kiosk(ctx, kiosk, "cancelled")


def reset_kiosk(ctx: Context, kiosk: KioskUnlock, reason: str) -> None:
    ctx.emit(
        "kiosk.reset",
        poll_id=kiosk.poll_id,
        participant_id=kiosk.participant_id,
        reason=reason,
        by=ctx.actor.participant_id,
    )


def any_open_poll(state: MeetingState) -> Poll | None:
    return next((p for p in state.polls if p.is_open), None)


POLL_HANDLERS: tuple[Handler, ...] = (
    Handler("poll.open", "发起表决", HELPERS, OPEN_PHASES, OPEN_SCHEMA, poll_open),
    Handler("poll.close", "结束表决", CLOSERS, OPEN_PHASES, POLL_ID, poll_close),
    Handler("vote.cast", "投票", VOTERS, OPEN_PHASES, VOTE_SCHEMA, vote_cast),
    Handler("kiosk.unlock", "解锁表决器", HELPERS, OPEN_PHASES, UNLOCK_SCHEMA, kiosk_unlock),
    Handler("kiosk.cancel", "取消表决器投票", HELPERS, OPEN_PHASES, Schema(), kiosk_cancel),
)


def vote_refusal(state: MeetingState, actor: Actor, code: RefusalCode, reason: str) -> Refusal:
    """A refusal of `vote.cast` decided outside the machine (by the vote tables: already
    voted, closed meanwhile), worded like every other refusal."""
    return refusal(code, "投票", "vote.cast", reason, actor.role, state)


# -- appliers -------------------------------------------------------------------------------


def _replace_poll(state: MeetingState, poll: Poll) -> MeetingState:
    polls = tuple(poll if p.poll_id == poll.poll_id else p for p in state.polls)
    return replace(state, polls=polls)


def poll_opened(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    rules = data["rules"]
    poll = Poll(
        poll_id=data["poll_id"],
        question=data["question"],
        kind=data["kind"],
        secret=bool(data["secret"]),
        options=tuple(PollOption(o["option_id"], o["label"]) for o in data["options"]),
        rules=PollRules(
            eligible=tuple(rules["eligible"]),
            base=rules["base"],
            threshold=rules["threshold"],
            quorum=rules["quorum"],
            live_results=bool(rules["live_results"]),
            allow_change=bool(rules["allow_change"]),
            max_choices=rules["max_choices"],
            closes_in_s=rules["closes_in_s"],
        ),
        opened_at=float(data["opened_at"]),
        item_id=data.get("item_id"),
        closes_at=data.get("closes_at"),
        opened_by=data.get("by"),
    )
    return replace(state, polls=(*state.polls, poll), polls_issued=state.polls_issued + 1)


def poll_closed(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    poll = state.poll(data["poll_id"])
    if poll is None:
        raise ValueError("poll.closed for an unknown poll")
    named = data.get("named")
    closed = replace(
        poll,
        status="closed",
        closed_at=float(data["at"]),
        result=data["result"],
        named=None if named is None else tuple((v["participant_id"], v["choice"]) for v in named),
    )
    return _replace_poll(state, closed)


def kiosk_unlocked(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    unlock = KioskUnlock(data["poll_id"], data["participant_id"], data.get("by"))
    return replace(state, kiosk=unlock)


def kiosk_reset(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    del data
    return replace(state, kiosk=None)


def vote_accepted(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    """A vote changes the vote tables, never the meeting's state."""
    del data
    return state


POLL_APPLIERS: tuple[Applier, ...] = (
    Applier("poll.opened", poll_opened),
    Applier("poll.closed", poll_closed),
    Applier("kiosk.unlocked", kiosk_unlocked),
    Applier("kiosk.reset", kiosk_reset),
    Applier("vote.accepted", vote_accepted),
)


# -- snapshot -------------------------------------------------------------------------------


def poll_view(poll: Poll) -> dict[str, Any]:
    return {
        "poll_id": poll.poll_id,
        "question": poll.question,
        "kind": poll.kind,
        "secret": poll.secret,
        "status": poll.status,
        "options": [o.to_dict() for o in poll.options],
        "result": None if poll.result is None else dict(poll.result),
        "rules": poll.rules.to_dict(),
        "item_id": poll.item_id,
        "opened_at": poll.opened_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "opened_by": poll.opened_by,
    }


def polls_view(state: MeetingState) -> list[dict[str, Any]]:
    return [poll_view(p) for p in state.polls]


def kiosk_view(state: MeetingState) -> dict[str, Any] | None:
    kiosk = state.kiosk
    if kiosk is None:
        return None
    person = state.participants.get(kiosk.participant_id)
    return {
        "poll_id": kiosk.poll_id,
        "participant_id": kiosk.participant_id,
        "name": None if person is None else person.name,
        "by": kiosk.by,
    }
