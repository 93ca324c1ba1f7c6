"""Agenda templates for live meetings: the rounds (环节) an agenda item runs through.

Plain data in the set-up dict format of `realtime.meeting.MeetingSetup.from_dict`; pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The usual order of a "有事好商量" consultation on one topic. Statements go by category
# (members first, then the residents concerned) so every side is heard before the
# departments answer; the chair opens and closes the item.
TYPICAL: tuple[Mapping[str, Any], ...] = (
    {
        "round_id": "intro",
        "kind": "intro",
        "title": "介绍议题",
        "time_limit_s": 300,
        "lineup": [{"role": "moderator"}],
    },
    {"round_id": "briefing", "kind": "briefing", "title": "情况通报", "time_limit_s": 600},
    {
        "round_id": "members",
        "kind": "statements",
        "title": "委员发言",
        "time_limit_s": 300,
        "lineup": [{"category": "member"}],
    },
    {
        "round_id": "stakeholders",
        "kind": "statements",
        "title": "群众代表发言",
        "time_limit_s": 180,
        "lineup": [{"category": "stakeholder"}],
    },
    {
        "round_id": "responses",
        "kind": "responses",
        "title": "部门回应",
        "time_limit_s": 300,
        "lineup": [{"category": "official"}],
    },
    {"round_id": "discussion", "kind": "discussion", "title": "自由讨论", "time_limit_s": 180},
    {"round_id": "vote", "kind": "vote", "title": "表决", "time_limit_s": None},
    {
        "round_id": "summary",
        "kind": "summary",
        "title": "总结",
        "time_limit_s": 300,
        "lineup": [{"role": "moderator"}],
    },
)

TEMPLATES: Mapping[str, tuple[Mapping[str, Any], ...]] = {"typical": TYPICAL}


def rounds(name: str, *, presenters: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Fresh round dicts of template `name`; `presenters` give the briefing (情况通报)."""
    out = []
    for spec in TEMPLATES[name]:
        rnd = dict(spec)
        if "lineup" in rnd:
            rnd["lineup"] = [dict(slot) for slot in rnd["lineup"]]
        if rnd["kind"] == "briefing" and presenters:
            rnd["lineup"] = [{"participant_id": pid} for pid in presenters]
        out.append(rnd)
    return out
