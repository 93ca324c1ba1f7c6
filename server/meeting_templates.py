"""Agenda items filled from the live meeting's templates (realtime/templates.py).

Used by the API when a new meeting names a template, and by the demo data.
"""

from __future__ import annotations

from typing import Any

from realtime import templates


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
