"""The browser's reducer (web/src/realtime/reducer.ts) knows every event type the meeting
machine can emit, so a live page never falls back to a full snapshot for a known event.

It reads the reducer's table as text: the keys of REDUCERS are its quoted event names.
"""

from __future__ import annotations

import re
from pathlib import Path

from realtime.meeting import MACHINE

REDUCER = Path(__file__).resolve().parents[2] / "web" / "src" / "realtime" / "reducer.ts"


def reducer_event_types() -> set[str]:
    source = REDUCER.read_text(encoding="utf-8")
    table = source[source.index("const REDUCERS") : source.index("export const EVENT_TYPES")]
    return set(re.findall(r'^\s{2}"([a-z_]+\.[a-z_]+)":', table, flags=re.MULTILINE))


def test_the_reducer_handles_every_event_the_machine_emits() -> None:
    missing = set(MACHINE.appliers) - reducer_event_types()
    assert missing == set(), f"web/src/realtime/reducer.ts has no case for {sorted(missing)}"


def test_the_reducer_handles_no_event_the_machine_does_not_know() -> None:
    unknown = reducer_event_types() - set(MACHINE.appliers)
    assert unknown == set(), f"reducer.ts handles events the server never sends: {sorted(unknown)}"
