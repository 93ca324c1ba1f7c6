"""The JSON snapshot of a live meeting, as a client that (re)joins receives it.

Derived from the state and the server time `now`; never read back into a state.
"""

from __future__ import annotations

from typing import Any

from realtime.machine import rules
from realtime.machine.media import watchers_may_listen
from realtime.machine.polls import kiosk_view, polls_view
from realtime.machine.state import Floor, MeetingState, QueueEntry, Speech


def snapshot(state: MeetingState, now: float) -> dict[str, Any]:
    return {
        "meeting_id": state.setup.meeting_id,
        "title": state.setup.title,
        "phase": state.phase,
        "now": now,
        "agenda": _agenda(state),
        "queue": [_entry(state, e) for e in state.queue],
        "queue_open": state.queue_open,
        "floor": None if state.floor is None else _floor(state, state.floor, now),
        "polls": polls_view(state),
        "kiosk": kiosk_view(state),
        "participants": _participants(state),
        "budgets": rules.budgets(state, now),
        "speeches": [_speech(state, s) for s in state.speeches],
        "settings": state.setup.settings.to_dict(),
        "closed_at": state.closed_at,
        "media": {
            "muted": sorted(state.muted),
            "open_mics": state.open_mics,
            "watch_audio": state.watch_audio,
        },
    }


def _name(state: MeetingState, participant_id: str | None) -> str | None:
    person = None if participant_id is None else state.participants.get(participant_id)
    return None if person is None else person.name


def _agenda(state: MeetingState) -> dict[str, Any]:
    done = {(r.item_id, r.round_id) for r in state.rounds_run}
    running = None if state.round is None else (state.round.item_id, state.round.round_id)

    def status(item_id: str, round_id: str) -> str:
        if (item_id, round_id) == running:
            return "running"
        return "done" if (item_id, round_id) in done else "pending"

    items = [
        {
            **item.to_dict(),
            "is_vote_item": item.is_vote_item,
            "rounds": [
                {
                    **r.to_dict(),
                    "status": status(item.item_id, r.round_id),
                    "budgeted": rules.round_budgeted(r.kind),
                }
                for r in item.rounds
            ],
        }
        for item in state.setup.agenda
    ]
    current = state.round
    return {
        "items": items,
        "current_item_id": state.item_id,
        "current_round_id": None if current is None else current.round_id,
        "current_round": None
        if current is None
        else {
            "item_id": current.item_id,
            "round_id": current.round_id,
            "kind": current.kind,
            "title": current.title,
            "started_at": current.started_at,
            "lineup": [
                {
                    "participant_id": t.participant_id,
                    "name": _name(state, t.participant_id),
                    "limit_s": t.limit_s,
                }
                for t in current.lineup
            ],
        },
        "rounds_run": [
            {
                "item_id": r.item_id,
                "round_id": r.round_id,
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "unheard": list(r.unheard),
            }
            for r in state.rounds_run
        ],
    }


def _entry(state: MeetingState, entry: QueueEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "participant_id": entry.participant_id,
        "name": _name(state, entry.participant_id),
        "category": state.participants[entry.participant_id].category,
        "kind": entry.kind,
        "stance": entry.stance,
        "to_participant_id": entry.to_participant_id,
        "raised_at": entry.raised_at,
        "on_behalf": entry.on_behalf,
        "added_by": entry.added_by,
    }


def _floor_fields(state: MeetingState, floor: Floor) -> dict[str, Any]:
    return {
        "speech_id": floor.speech_id,
        "participant_id": floor.participant_id,
        "name": _name(state, floor.participant_id),
        "category": state.participants[floor.participant_id].category,
        "kind": floor.kind,
        "item_id": floor.item_id,
        "round_id": floor.round_id,
        "started_at": floor.started_at,
        "limit_s": floor.limit_s,
        "entry_id": floor.entry_id,
        "to_participant_id": floor.to_participant_id,
        "stance": floor.stance,
    }


def _floor(state: MeetingState, floor: Floor, now: float) -> dict[str, Any]:
    elapsed = max(0.0, now - floor.started_at)
    over = floor.limit_s is not None and elapsed > floor.limit_s
    return {**_floor_fields(state, floor), "elapsed_s": round(elapsed, 3), "over": over}


def _speech(state: MeetingState, speech: Speech) -> dict[str, Any]:
    return {
        **_floor_fields(state, speech.floor),
        "ended_at": speech.ended_at,
        "duration_s": speech.duration_s,
        "over_s": speech.over_s,
        "over": speech.over_s > 0,
    }


def _participants(state: MeetingState) -> list[dict[str, Any]]:
    spoken: dict[str, int] = {}
    for floor in state.item_floors():
        if floor.kind in rules.CONTRIBUTIONS:
            spoken[floor.participant_id] = spoken.get(floor.participant_id, 0) + 1
    return [
        {
            "participant_id": p.participant_id,
            "name": p.name,
            "category": p.category,
            "is_moderator": p.is_moderator,
            "connected": p.connections > 0,
            "connections": p.connections,
            "mode": p.mode,
            "checked_in_at": p.checked_in_at,
            "is_added": p.is_added,
            "spoken_on_item": spoken.get(p.participant_id, 0),
        }
        for p in state.participants.values()
    ]


def public_snapshot(state: MeetingState, now: float) -> dict[str, Any]:
    """What a public observer (旁听) is shown: the agenda, who speaks with the timer, the
    queue's names and the results of polls that are not secret; nothing of the roster."""
    view = public_update(state, now)
    view["agenda"]["items"] = [
        {
            "item_id": item.item_id,
            "title": item.title,
            "rounds": [
                {"round_id": r.round_id, "kind": r.kind, "title": r.title} for r in item.rounds
            ],
        }
        for item in state.setup.agenda
    ]
    return {"meeting_id": state.setup.meeting_id, "title": state.setup.title, **view}


def public_update(state: MeetingState, now: float) -> dict[str, Any]:
    """The part of the public view that events change: all of it but the meeting's title
    and the agenda's items, which are fixed once the meeting is live (a watcher has them
    from its join), so what follows each event stays small."""
    current = state.round
    return {
        "phase": state.phase,
        "now": now,
        "closed_at": state.closed_at,
        "agenda": {
            "current_item_id": state.item_id,
            "current_round_id": None if current is None else current.round_id,
        },
        "queue": [
            {"entry_id": e.entry_id, "name": _name(state, e.participant_id), "kind": e.kind}
            for e in state.queue
        ],
        "queue_open": state.queue_open,
        "floor": None if state.floor is None else _public_floor(state, state.floor, now),
        "polls": [_public_poll(p) for p in polls_view(state)],
        # The moderator lets watchers hear the meeting: their page offers 收听会场声音.
        "watch_audio": watchers_may_listen(state),
    }


def _public_floor(state: MeetingState, floor: Floor, now: float) -> dict[str, Any]:
    shown = _floor(state, floor, now)
    keys = ("speech_id", "name", "kind", "started_at", "limit_s", "elapsed_s", "over")
    return {key: shown[key] for key in keys}


def _public_poll(poll: dict[str, Any]) -> dict[str, Any]:
    result = poll["result"]
    if poll["secret"] or result is None:
        shown = None  # a secret ballot's outcome is the meeting's to announce, not the link's
    else:
        shown = {key: result.get(key) for key in ("counts", "votes", "passed")}
    keys = ("poll_id", "question", "kind", "secret", "status", "options", "closes_at")
    return {**{key: poll[key] for key in keys}, "result": shown}
