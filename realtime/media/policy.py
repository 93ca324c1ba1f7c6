"""What the media worker is told about a meeting: who may be heard now, in what order of
precedence, and the speeches that bound the recording. Built from the live state; pure.

The rule itself is `realtime.machine.media.media_may_speak`; this module only carries its
answer, with the meeting's `seq`, so a worker keeps the newest policy whatever order the
updates arrive in.
"""

from __future__ import annotations

from typing import Any

from realtime.machine.media import ROOM, media_may_speak, watchers_may_listen
from realtime.meeting import MeetingState

# Which speakers a listener hears first when there are more than it has slots for.
FLOOR, ROOM_RANK, MODERATOR, OTHER = 0, 1, 2, 3


def media_policy(state: MeetingState, seq: int) -> dict[str, Any]:
    """The media rules at `seq`, as plain JSON for the worker."""
    floor = state.floor
    speeches = [
        {
            "speech_id": s.floor.speech_id,
            "participant_id": s.floor.participant_id,
            "started_at": s.floor.started_at,
            "ended_at": s.ended_at,
        }
        for s in state.speeches
    ]
    if floor is not None:
        speeches.append(
            {
                "speech_id": floor.speech_id,
                "participant_id": floor.participant_id,
                "started_at": floor.started_at,
                "ended_at": None,
            }
        )
    return {
        "seq": seq,
        "closed": state.closed_at is not None,
        "speakers": sorted(pid for pid in state.participants if media_may_speak(state, pid)),
        "room_live": media_may_speak(state, ROOM, is_room=True),
        "floor": None if floor is None else floor.participant_id,
        "moderators": sorted(
            p.participant_id for p in state.participants.values() if p.is_moderator
        ),
        "muted": sorted(state.muted),
        "open_mics": state.open_mics,
        # Public observers may listen (the moderator's consent); when it goes, they go.
        "watch_audio": watchers_may_listen(state),
        "names": {p.participant_id: p.name for p in state.participants.values()},
        "speeches": speeches,
    }


def closed_policy(seq: int = 0) -> dict[str, Any]:
    """Nobody may be heard: what a worker assumes before it has been told anything."""
    return {
        "seq": seq,
        "closed": False,
        "speakers": [],
        "room_live": False,
        "floor": None,
        "moderators": [],
        "muted": [],
        "open_mics": False,
        "watch_audio": False,
        "names": {},
        "speeches": [],
    }


def is_live(policy: dict[str, Any], participant_id: str | None, is_room: bool) -> bool:
    """Whether a peer's microphone (and camera) is forwarded under `policy`."""
    if is_room:
        return bool(policy["room_live"])
    return participant_id is not None and participant_id in policy["speakers"]


def rank(policy: dict[str, Any], participant_id: str | None, is_room: bool) -> int:
    """A live speaker's precedence: the floor, then the room, then moderators, then others."""
    if is_room:
        return ROOM_RANK
    if participant_id is not None and participant_id == policy["floor"]:
        return FLOOR
    if participant_id in policy["moderators"]:
        return MODERATOR
    return OTHER


def speeches_within(
    policy: dict[str, Any], started_at: float, ended_at: float
) -> list[dict[str, Any]]:
    """The speeches that overlap [started_at, ended_at], as offsets into that span."""
    out = []
    for speech in policy["speeches"]:
        end = speech["ended_at"] if speech["ended_at"] is not None else ended_at
        if end <= started_at or speech["started_at"] >= ended_at:
            continue
        out.append(
            {
                "speech_id": speech["speech_id"],
                "participant_id": speech["participant_id"],
                "name": policy["names"].get(speech["participant_id"], ""),
                "start_s": round(max(0.0, speech["started_at"] - started_at), 3),
                "end_s": round(min(ended_at, end) - started_at, 3),
            }
        )
    return out
