"""The snapshots a (re)joining client is sent, full or public, made once per change.

A crowd joining at once is sent the same snapshot rather than one made for each of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from realtime.meeting import MeetingState, public_snapshot, snapshot

# A snapshot made this recently at the same seq is sent again (its `now` is its own, so the
# client's timer stays right); older, it is made afresh.
FRESH_S = 0.25


class Snapshots:
    """The last snapshot made of each meeting, full and public; never changed once made."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._made: dict[tuple[int, bool], tuple[int, float, dict[str, Any]]] = {}

    def of(
        self, meeting_id: int, state: MeetingState, seq: int, *, public: bool = False
    ) -> tuple[dict[str, Any], float]:
        """The snapshot of the meeting at `seq`, and the server time it was made at."""
        now = self.clock()
        made = self._made.get((meeting_id, public))
        if made is not None and made[0] == seq and now - made[1] < FRESH_S:
            return made[2], made[1]
        view = public_snapshot(state, now) if public else snapshot(state, now)
        self._made[(meeting_id, public)] = (seq, now, view)
        return view, now
