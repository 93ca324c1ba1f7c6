"""The rules of speaking: queue order, who comes next, round lineups, time limits, budgets.

Pure functions of a `MeetingState`; command handlers ask them, nothing else decides these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realtime.machine.setup import RoundSpec, Settings
from realtime.machine.state import Floor, MeetingState, QueueEntry, Turn
from realtime.machine.types import CATEGORIES, Category, HandKind, RoundKind, SpeechKind

# Speaking on the substance of an item; points of order and questions are procedural or
# incidental and neither count as having spoken nor use up a participant's speeches.
CONTRIBUTIONS: frozenset[SpeechKind] = frozenset({"speech", "turn"})

# Rounds in which the chair or invited presenters speak for the meeting as a whole; their
# time is not charged to any side's budget.
UNBUDGETED_ROUNDS: frozenset[RoundKind] = frozenset({"intro", "briefing", "summary"})

# The queue is kept sorted by band: points of order (when the setting is on), then
# questions to the speaker, then everything else. Inside a band the order is as inserted
# or as the moderator moved it, never across bands.
ORDINARY_BAND = 2


def band(kind: HandKind, settings: Settings) -> int:
    if kind == "point_of_order" and settings.points_of_order_first:
        return 0
    if kind == "question":
        return 1
    return ORDINARY_BAND


def has_contributed(state: MeetingState, participant_id: str) -> bool:
    return any(
        f.participant_id == participant_id and f.kind in CONTRIBUTIONS for f in state.item_floors()
    )


def speeches_made(state: MeetingState, participant_id: str) -> int:
    """Speeches from the queue on the current item, the one running included."""
    return sum(
        1 for f in state.item_floors() if f.participant_id == participant_id and f.kind == "speech"
    )


def insert_position(state: MeetingState, participant_id: str, kind: HandKind) -> int:
    """Where a new hand joins the queue.

    Urgent bands are first come, first served. In the ordinary band the entry goes after
    the last entry whose sort key is not greater than its own, the key being: whether the
    person already spoke on this item (if `first_contribution`), then how many entries of
    the same category wait ahead of it (if `alternate_categories`, which interleaves
    categories member / stakeholder / official / guest); equal keys keep arrival order.
    """
    settings = state.setup.settings
    new_band = band(kind, settings)
    if new_band < ORDINARY_BAND:
        return sum(1 for e in state.queue if band(e.kind, settings) <= new_band)
    new_key = _new_key(state, participant_id)
    position = sum(1 for e in state.queue if band(e.kind, settings) < ORDINARY_BAND)
    seen: dict[tuple[int, str], int] = {}
    for index, entry in enumerate(state.queue):
        if band(entry.kind, settings) != ORDINARY_BAND:
            continue
        key = _ordinary_key(state, entry.participant_id, seen)
        if key <= new_key:
            position = index + 1
    return position


def _rank(state: MeetingState, participant_id: str) -> int:
    first = state.setup.settings.first_contribution
    return 1 if first and has_contributed(state, participant_id) else 0


def _group(state: MeetingState, participant_id: str) -> tuple[int, str]:
    category = state.participants[participant_id].category
    alternate = state.setup.settings.alternate_categories
    return (_rank(state, participant_id), category if alternate else "")


def _ordinary_key(
    state: MeetingState, participant_id: str, seen: dict[tuple[int, str], int]
) -> tuple[int, int]:
    """The key of a waiting entry, counting it into `seen` for the entries behind it."""
    group = _group(state, participant_id)
    key = (group[0], seen.get(group, 0) if group[1] else 0)
    seen[group] = seen.get(group, 0) + 1
    return key


def _new_key(state: MeetingState, participant_id: str) -> tuple[int, int]:
    """The key a new entry would have: it comes after all of its group already waiting."""
    settings = state.setup.settings
    group = _group(state, participant_id)
    if not group[1]:
        return (group[0], 0)
    same = sum(
        1
        for e in state.queue
        if band(e.kind, settings) == ORDINARY_BAND and _group(state, e.participant_id) == group
    )
    return (group[0], same)


def clamp_move(state: MeetingState, entry: QueueEntry, position: int) -> int:
    """The position a moved entry really takes: inside its own band (see `band`)."""
    settings = state.setup.settings
    rest = [e for e in state.queue if e.entry_id != entry.entry_id]
    own = band(entry.kind, settings)
    low = sum(1 for e in rest if band(e.kind, settings) < own)
    high = sum(1 for e in rest if band(e.kind, settings) <= own)
    return min(max(position, low), high)


@dataclass(frozen=True)
class Pick:
    """Who `floor.next` gives the floor to, and as what."""

    participant_id: str
    kind: SpeechKind
    turn_limit_s: int | None = None
    entry: QueueEntry | None = None


def next_pick(state: MeetingState) -> Pick | None:
    """Urgent hands first, then the running round's lineup, then the queue in order."""
    settings = state.setup.settings
    head = state.queue[0] if state.queue else None
    if head is not None and band(head.kind, settings) < ORDINARY_BAND:
        return Pick(head.participant_id, head.kind, entry=head)
    if state.round is not None and state.round.lineup:
        turn = state.round.lineup[0]
        return Pick(turn.participant_id, "turn", turn_limit_s=turn.limit_s)
    if head is not None:
        return Pick(head.participant_id, head.kind, entry=head)
    return None


def expand_lineup(state: MeetingState, spec: RoundSpec) -> tuple[Turn, ...]:
    """The concrete order of a round's lineup, fixed when the round starts.

    Slots are visited round-robin; a named slot yields its person once, a category slot
    (or the moderators slot) yields its next roster member not yet placed. So
    [member, stakeholder] gives member, stakeholder, member, stakeholder, ... until both
    run out, and nobody is placed twice.
    """
    pools = [_slot_pool(state, slot_index, spec) for slot_index in range(len(spec.lineup))]
    placed: list[Turn] = []
    taken: set[str] = set()
    cursors = [0] * len(pools)
    progress = True
    while progress:
        progress = False
        for i, pool in enumerate(pools):
            while cursors[i] < len(pool) and pool[cursors[i]] in taken:
                cursors[i] += 1
            if cursors[i] < len(pool):
                pid = pool[cursors[i]]
                taken.add(pid)
                placed.append(Turn(pid, spec.lineup[i].limit_s))
                progress = True
    return tuple(placed)


def _slot_pool(state: MeetingState, slot_index: int, spec: RoundSpec) -> list[str]:
    slot = spec.lineup[slot_index]
    if slot.participant_id is not None:
        return [slot.participant_id] if slot.participant_id in state.participants else []
    return [
        p.participant_id
        for p in state.participants.values()
        if (slot.moderators and p.is_moderator) or (p.category == slot.category)
    ]


def limit_for(state: MeetingState, kind: SpeechKind, turn_limit_s: int | None = None) -> int | None:
    """A speech's time limit: its kind's setting, else the turn's, the round's, the meeting's."""
    settings = state.setup.settings
    if kind == "point_of_order":
        return settings.point_of_order_limit_s
    if kind == "question":
        return settings.question_limit_s
    if kind == "turn" and turn_limit_s is not None:
        return turn_limit_s
    spec = state.round_spec
    if spec is not None and spec.time_limit_s is not None:
        return spec.time_limit_s
    return settings.speech_limit_s


def round_budgeted(kind: RoundKind) -> bool:
    """Whether speeches in a round of this kind count against their category's budget."""
    return kind not in UNBUDGETED_ROUNDS


def charged_to_budget(state: MeetingState, floor: Floor) -> bool:
    if floor.round_id is None:
        return True
    item = state.setup.item(floor.item_id)
    spec = None if item is None else item.round(floor.round_id)
    return spec is None or round_budgeted(spec.kind)


def budgets(state: MeetingState, now: float) -> dict[str, dict[str, Any]]:
    """Speaking time per category on the current item: budget, used and left, in seconds."""
    used = dict.fromkeys(CATEGORIES, 0.0)
    for speech in state.speeches:
        if speech.floor.item_id == state.item_id and charged_to_budget(state, speech.floor):
            used[_category(state, speech.floor.participant_id)] += speech.duration_s
    floor = state.floor
    if floor is not None and charged_to_budget(state, floor):
        used[_category(state, floor.participant_id)] += max(0.0, now - floor.started_at)
    out: dict[str, dict[str, Any]] = {}
    for category in CATEGORIES:
        budget = state.setup.settings.budgets_s.get(category)
        spent = round(used[category], 3)
        left = None if budget is None else round(budget - spent, 3)
        out[category] = {
            "budget_s": budget,
            "used_s": spent,
            "left_s": left,
            "exhausted": left is not None and left <= 0,
        }
    return out


def _category(state: MeetingState, participant_id: str) -> Category:
    return state.participants[participant_id].category
