"""One handler per command type: its data schema, who may send it, when, and what it decides.

Handlers only read `ctx.state`, refuse, or emit events; the speaking rules they apply are
asked of `realtime.machine.rules`, so each rule lives in one place.
"""

from __future__ import annotations

from typing import Any

from realtime.machine import rules
from realtime.machine.core import Context, Handler
from realtime.machine.polls import any_open_poll
from realtime.machine.schema import NO_DATA, Choice, Ident, Int, ListOf, Schema, Text
from realtime.machine.setup import LIMIT
from realtime.machine.state import QueueEntry
from realtime.machine.types import (
    ATTENDANCE_MODES,
    CATEGORIES,
    HAND_KINDS,
    PHASES,
    STANCES,
    Phase,
    Role,
    SpeechKind,
)

MODERATOR: frozenset[Role] = frozenset({"moderator"})
SPEAKERS: frozenset[Role] = frozenset({"moderator", "participant"})
HELPERS: frozenset[Role] = frozenset({"moderator", "staff"})
EVERYONE: frozenset[Role] = frozenset({"moderator", "staff", "participant"})
SYSTEM: frozenset[Role] = frozenset({"system"})

LIVE: frozenset[Phase] = frozenset({"item", "round"})
OPEN: frozenset[Phase] = frozenset({"lobby", "item", "round"})
ALWAYS: frozenset[Phase] = frozenset(PHASES)
# At most this many participants change presence in one `presence.update`.
PRESENCE_BATCH = 5000

_HAND = {"kind": Choice(HAND_KINDS)}
_STANCE = {"stance": Choice(STANCES)}


# -- shared steps -------------------------------------------------------------------------


def end_floor(ctx: Context) -> None:
    """Close the running speech, if any, recording how long it took and how far over."""
    floor = ctx.state.floor
    if floor is None:
        return
    duration = max(0.0, ctx.now - floor.started_at)
    over = 0.0 if floor.limit_s is None else max(0.0, duration - floor.limit_s)
    ctx.emit(
        "floor.ended",
        speech_id=floor.speech_id,
        participant_id=floor.participant_id,
        ended_at=ctx.now,
        duration_s=round(duration, 3),
        over_s=round(over, 3),
    )


def end_round(ctx: Context) -> None:
    current = ctx.state.round
    if current is None:
        return
    ctx.emit(
        "round.ended",
        item_id=current.item_id,
        round_id=current.round_id,
        at=ctx.now,
        unheard=[t.participant_id for t in current.lineup],
    )


def clear_queue(ctx: Context, reason: str) -> None:
    if ctx.state.queue:
        ctx.emit("queue.cleared", entry_ids=[e.entry_id for e in ctx.state.queue], reason=reason)


def grant(
    ctx: Context,
    participant_id: str,
    kind: SpeechKind,
    limit_s: int | None,
    entry: QueueEntry | None = None,
) -> None:
    """Give the floor; whoever holds it first yields (one speaker at a time)."""
    end_floor(ctx)
    state = ctx.state
    if state.item_id is None:
        raise AssertionError("the floor is only granted during an agenda item")
    ctx.emit(
        "floor.granted",
        speech_id=f"s{state.speeches_issued + 1}",
        participant_id=participant_id,
        kind=kind,
        item_id=state.item_id,
        round_id=None if state.round is None else state.round.round_id,
        started_at=ctx.now,
        limit_s=limit_s,
        entry_id=None if entry is None else entry.entry_id,
        to_participant_id=None if entry is None else entry.to_participant_id,
        stance=None if entry is None else entry.stance,
    )


def enqueue(ctx: Context, participant_id: str, data: dict[str, Any], *, on_behalf: bool) -> None:
    """Put a hand in the queue where the ordering rules say; the one special-case function."""
    state = ctx.state
    item = state.item
    kind = data["kind"]
    stance = data.get("stance")
    who = "你" if not on_behalf else state.participants[participant_id].name
    if state.entry_of(participant_id) is not None:
        raise ctx.refuse("conflict", f"{who}已在发言队列中")
    if stance is not None and kind != "speech":
        raise ctx.refuse("invalid", "只有普通发言可以标明赞成或反对")
    if stance is not None and (item is None or not item.is_vote_item):
        raise ctx.refuse("conflict", "本议程项不表决，不能标明赞成或反对")
    # Points of order are about procedure and must always be possible; the moderator
    # adding a hand seen in the room decides for themselves.
    if not state.queue_open and kind != "point_of_order" and not on_behalf:
        raise ctx.refuse("conflict", "发言队列已关闭")
    addressee = None
    if kind == "question":
        if state.floor is None:
            raise ctx.refuse("conflict", "当前无人发言，无法插话提问")
        if state.floor.participant_id == participant_id:
            raise ctx.refuse("conflict", "不能向自己插话提问")
        addressee = state.floor.participant_id
    cap = state.setup.settings.max_speeches_per_item
    limited = kind == "speech" and not on_behalf and cap is not None
    if limited and rules.speeches_made(state, participant_id) >= (cap or 0):
        raise ctx.refuse("conflict", f"本议程项每人最多发言 {cap} 次")
    ctx.emit(
        "hand.raised",
        entry_id=f"e{state.entries_issued + 1}",
        participant_id=participant_id,
        kind=kind,
        stance=stance,
        to_participant_id=addressee,
        position=rules.insert_position(state, participant_id, kind),
        at=ctx.now,
        added_by=ctx.actor.participant_id if on_behalf else None,
        on_behalf=on_behalf,
    )


def find_entry(ctx: Context, entry_id: str) -> tuple[int, QueueEntry]:
    found = ctx.state.find_entry(entry_id)
    if found is None:
        raise ctx.refuse("not_found", f"发言队列中没有 {entry_id}")
    return found


# -- speaker queue ------------------------------------------------------------------------


def hand_raise(ctx: Context, data: dict[str, Any]) -> None:
    enqueue(ctx, ctx.me().participant_id, data, on_behalf=False)


def hand_lower(ctx: Context, data: dict[str, Any]) -> None:
    entry = ctx.state.entry_of(ctx.me().participant_id)
    if entry is None:
        raise ctx.refuse("not_found", "你没有举手")
    ctx.emit("hand.lowered", entry_id=entry.entry_id, participant_id=entry.participant_id)


def queue_add(ctx: Context, data: dict[str, Any]) -> None:
    pid = ctx.participant(data["participant_id"]).participant_id
    enqueue(ctx, pid, data, on_behalf=True)


def queue_remove(ctx: Context, data: dict[str, Any]) -> None:
    _, entry = find_entry(ctx, data["entry_id"])
    ctx.emit(
        "queue.removed",
        entry_id=entry.entry_id,
        participant_id=entry.participant_id,
        by=ctx.actor.participant_id,
    )


def queue_move(ctx: Context, data: dict[str, Any]) -> None:
    index, entry = find_entry(ctx, data["entry_id"])
    wanted = min(data["position"], len(ctx.state.queue) - 1)
    position = rules.clamp_move(ctx.state, entry, wanted)
    if position == index:
        raise ctx.refuse("conflict", "位置没有变化（程序性发言和插话提问只能在各自的区段内移动）")
    ctx.emit(
        "queue.moved",
        entry_id=entry.entry_id,
        participant_id=entry.participant_id,
        from_position=index,
        position=position,
    )


def queue_close(ctx: Context, data: dict[str, Any]) -> None:
    if not ctx.state.queue_open:
        raise ctx.refuse("conflict", "发言队列已经关闭")
    ctx.emit("queue.closed", by=ctx.actor.participant_id)


def queue_open(ctx: Context, data: dict[str, Any]) -> None:
    if ctx.state.queue_open:
        raise ctx.refuse("conflict", "发言队列已经开放")
    ctx.emit("queue.opened", by=ctx.actor.participant_id)


# -- floor --------------------------------------------------------------------------------


def floor_grant(ctx: Context, data: dict[str, Any]) -> None:
    _, entry = find_entry(ctx, data["entry_id"])
    limit = data.get("limit_s", rules.limit_for(ctx.state, entry.kind))
    grant(ctx, entry.participant_id, entry.kind, limit, entry)


def floor_call(ctx: Context, data: dict[str, Any]) -> None:
    person = ctx.participant(data["participant_id"])
    state = ctx.state
    if state.floor is not None and state.floor.participant_id == person.participant_id:
        raise ctx.refuse("conflict", f"{person.name}正在发言")
    lineup = () if state.round is None else state.round.lineup
    turn = next((t for t in lineup if t.participant_id == person.participant_id), None)
    kind: SpeechKind = "speech" if turn is None else "turn"
    default = rules.limit_for(state, kind, None if turn is None else turn.limit_s)
    grant(ctx, person.participant_id, kind, data.get("limit_s", default))


def floor_next(ctx: Context, data: dict[str, Any]) -> None:
    pick = rules.next_pick(ctx.state)
    if pick is None:
        raise ctx.refuse("conflict", "发言队列和本环节的发言名单都已没有人")
    limit = rules.limit_for(ctx.state, pick.kind, pick.turn_limit_s)
    grant(ctx, pick.participant_id, pick.kind, limit, pick.entry)


def floor_extend(ctx: Context, data: dict[str, Any]) -> None:
    floor = ctx.state.floor
    if floor is None:
        raise ctx.refuse("conflict", "当前无人发言")
    if floor.limit_s is None:
        raise ctx.refuse("conflict", "本次发言不限时，无需延长")
    ctx.emit(
        "floor.extended",
        speech_id=floor.speech_id,
        seconds=data["seconds"],
        limit_s=floor.limit_s + data["seconds"],
    )


def floor_end(ctx: Context, data: dict[str, Any]) -> None:
    floor = ctx.state.floor
    if floor is None:
        raise ctx.refuse("conflict", "当前无人发言")
    if not ctx.is_moderator and floor.participant_id != ctx.actor.participant_id:
        raise ctx.refuse("forbidden", "参会人只能结束自己的发言")
    end_floor(ctx)


# -- agenda and rounds --------------------------------------------------------------------


def agenda_goto(ctx: Context, data: dict[str, Any]) -> None:
    item = ctx.state.setup.item(data["item_id"])
    if item is None:
        raise ctx.refuse("not_found", f"议程中没有 {data['item_id']}")
    previous = ctx.state.item_id
    if item.item_id == previous:
        raise ctx.refuse("conflict", f"已在议程项「{item.title}」")
    end_floor(ctx)
    end_round(ctx)
    # Hands, limits and the open/closed queue belong to one item; a new item starts afresh.
    clear_queue(ctx, "agenda")
    if not ctx.state.queue_open:
        ctx.emit("queue.opened", by=ctx.actor.participant_id)
    ctx.emit("agenda.moved", item_id=item.item_id, from_item_id=previous, at=ctx.now)


def round_start(ctx: Context, data: dict[str, Any]) -> None:
    state = ctx.state
    item = state.item
    if item is None:
        raise AssertionError("round.start is only allowed inside an item")
    if "round_id" in data:
        spec = item.round(data["round_id"])
        if spec is None:
            raise ctx.refuse("not_found", f"议程项「{item.title}」没有环节 {data['round_id']}")
    else:
        run = {r.round_id for r in state.rounds_run if r.item_id == item.item_id}
        spec = next((r for r in item.rounds if r.round_id not in run), None)
        if spec is None:
            raise ctx.refuse("conflict", f"议程项「{item.title}」没有尚未进行的环节")
    end_floor(ctx)
    lineup = rules.expand_lineup(ctx.state, spec)
    ctx.emit(
        "round.started",
        item_id=item.item_id,
        round_id=spec.round_id,
        kind=spec.kind,
        title=spec.title,
        lineup=[{"participant_id": t.participant_id, "limit_s": t.limit_s} for t in lineup],
        at=ctx.now,
    )


def round_end(ctx: Context, data: dict[str, Any]) -> None:
    end_floor(ctx)
    end_round(ctx)


def lineup_skip(ctx: Context, data: dict[str, Any]) -> None:
    current = ctx.state.round
    pid = data["participant_id"]
    if current is None or all(t.participant_id != pid for t in current.lineup):
        raise ctx.refuse("not_found", f"本环节的发言名单中没有等待发言的 {pid}")
    ctx.emit(
        "lineup.skipped", item_id=current.item_id, round_id=current.round_id, participant_id=pid
    )


def meeting_close(ctx: Context, data: dict[str, Any]) -> None:
    poll = any_open_poll(ctx.state)
    if poll is not None:
        # A poll's result is counted from the stored votes when it closes; the moderator
        # closes it first, so no vote is left uncounted.
        raise ctx.refuse("conflict", f"表决「{poll.question}」尚未结束，请先结束表决")
    end_floor(ctx)
    end_round(ctx)
    clear_queue(ctx, "closed")
    ctx.emit("meeting.closed", at=ctx.now)


# -- people -------------------------------------------------------------------------------


def attendance_check_in(ctx: Context, data: dict[str, Any]) -> None:
    own = ctx.actor.participant_id
    target = data.get("participant_id", own)
    if target is None:
        raise ctx.refuse("invalid", "请给出签到人的 participant_id")
    if target != own and ctx.actor.role == "participant":
        raise ctx.refuse("forbidden", "参会人只能为自己签到")
    person = ctx.participant(target)
    if person.mode == data["mode"]:
        raise ctx.refuse("conflict", f"{person.name}已按此方式签到")
    ctx.emit(
        "attendance.checked_in",
        participant_id=person.participant_id,
        mode=data["mode"],
        at=ctx.now,
        by=own,
    )


def presence_update(ctx: Context, data: dict[str, Any]) -> None:
    """Who came online and who went offline since the last update, as one event.

    The server gathers first connections and last disconnections for a moment and sends
    them together, so a thousand arrivals are a few events, not a thousand. Only what
    changes the state is kept: someone already shown online is not announced again.
    """
    changed_on = []
    for pid in dict.fromkeys(data.get("connected", [])):
        if ctx.participant(pid).connections == 0:
            changed_on.append(pid)
    changed_off = []
    for pid in dict.fromkeys(data.get("disconnected", [])):
        if pid in changed_on:
            raise ctx.refuse("invalid", f"{pid} 不能同时上线和下线")
        if ctx.participant(pid).connections > 0:
            changed_off.append(pid)
    if not changed_on and not changed_off:
        raise ctx.refuse("conflict", "在线状态没有变化")
    ctx.emit("presence.changed", connected=changed_on, disconnected=changed_off)


def presence_reset(ctx: Context, data: dict[str, Any]) -> None:
    if all(p.connections == 0 for p in ctx.state.participants.values()):
        raise ctx.refuse("conflict", "没有在线连接")
    ctx.emit("presence.reset")


def participant_add(ctx: Context, data: dict[str, Any]) -> None:
    if data["participant_id"] in ctx.state.participants:
        raise ctx.refuse("conflict", f"{data['participant_id']} 已在参会名单中")
    ctx.emit(
        "participant.added",
        participant_id=data["participant_id"],
        name=data["name"],
        category=data["category"],
        at=ctx.now,
    )


def _schema(**fields: Any) -> Schema:
    return Schema(required=fields)


HANDLERS: tuple[Handler, ...] = (
    Handler("hand.raise", "举手", SPEAKERS, LIVE, Schema(_HAND, _STANCE), hand_raise),
    Handler("hand.lower", "取消举手", SPEAKERS, LIVE, NO_DATA, hand_lower),
    Handler(
        "queue.add",
        "代为举手",
        HELPERS,
        LIVE,
        Schema({"participant_id": Ident(), **_HAND}, _STANCE),
        queue_add,
    ),
    Handler("queue.remove", "移出队列", MODERATOR, LIVE, _schema(entry_id=Ident()), queue_remove),
    Handler(
        "queue.move",
        "调整队列顺序",
        MODERATOR,
        LIVE,
        _schema(entry_id=Ident(), position=Int(0, 10_000)),
        queue_move,
    ),
    Handler("queue.close", "关闭发言队列", MODERATOR, LIVE, NO_DATA, queue_close),
    Handler("queue.open", "开放发言队列", MODERATOR, LIVE, NO_DATA, queue_open),
    Handler(
        "floor.grant",
        "准予发言",
        MODERATOR,
        LIVE,
        Schema({"entry_id": Ident()}, {"limit_s": LIMIT}),
        floor_grant,
    ),
    Handler(
        "floor.call",
        "点名发言",
        MODERATOR,
        LIVE,
        Schema({"participant_id": Ident()}, {"limit_s": LIMIT}),
        floor_call,
    ),
    Handler("floor.next", "请下一位发言", MODERATOR, LIVE, NO_DATA, floor_next),
    Handler(
        "floor.extend", "延长发言", MODERATOR, LIVE, _schema(seconds=Int(10, 3600)), floor_extend
    ),
    Handler("floor.end", "结束发言", SPEAKERS, LIVE, NO_DATA, floor_end),
    Handler("agenda.goto", "转到议程项", MODERATOR, OPEN, _schema(item_id=Ident()), agenda_goto),
    Handler(
        "round.start",
        "开始环节",
        MODERATOR,
        frozenset({"item"}),
        Schema(optional={"round_id": Ident()}),
        round_start,
    ),
    Handler("round.end", "结束环节", MODERATOR, frozenset({"round"}), NO_DATA, round_end),
    Handler(
        "lineup.skip",
        "跳过发言人",
        MODERATOR,
        frozenset({"round"}),
        _schema(participant_id=Ident()),
        lineup_skip,
    ),
    Handler("meeting.close", "结束会议", MODERATOR, OPEN, NO_DATA, meeting_close),
    Handler(
        "attendance.check_in",
        "签到",
        EVERYONE,
        OPEN,
        Schema({"mode": Choice(ATTENDANCE_MODES)}, {"participant_id": Ident()}),
        attendance_check_in,
    ),
    Handler(
        "presence.update",
        "更新在线状态",
        SYSTEM,
        ALWAYS,
        Schema(
            optional={
                "connected": ListOf(Ident(), PRESENCE_BATCH),
                "disconnected": ListOf(Ident(), PRESENCE_BATCH),
            }
        ),
        presence_update,
    ),
    Handler("presence.reset", "清空在线状态", SYSTEM, ALWAYS, NO_DATA, presence_reset),
    Handler(
        "participant.add",
        "加入参会人",
        SYSTEM,
        OPEN,
        _schema(participant_id=Ident(), name=Text(64), category=Choice(CATEGORIES)),
        participant_add,
    ),
)
