"""What a planned meeting takes from the live meeting machine: agenda items filled from its
templates (realtime/templates.py) and the speaking rules it checks (realtime/machine/setup.py).

Used by the API when a meeting is planned, and by the demo data.
"""

from __future__ import annotations

from typing import Any

from realtime import templates
from realtime.machine.setup import Settings
from realtime.machine.types import Refusal
from server.domain.errors import Invalid


def agenda_rounds(item: dict[str, Any]) -> dict[str, Any]:
    """An agenda item with its rounds filled from its template, when it names one."""
    template = item.pop("template", None)
    if template and not item.get("rounds"):
        item["rounds"] = [
            {
                "kind": r["kind"],
                "title": r["title"],
                "time_limit_s": r.get("time_limit_s"),
                "config": {"lineup": r["lineup"]} if r.get("lineup") else {},
            }
            for r in templates.rounds(template)
        ]
    return item


def speaking_rules(raw: dict[str, Any]) -> dict[str, Any]:
    """The meeting's speaking rules as the live machine will apply them, every rule spelt out
    (defaults included); raises Invalid with the machine's own sentence for a bad rule."""
    try:
        return Settings.from_dict(raw).to_dict()
    except Refusal as refusal:
        raise Invalid(refusal.message) from None
