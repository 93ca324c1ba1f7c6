"""What a planned meeting takes from the live meeting machine: agenda items filled from its
templates (realtime/templates.py) and the rules it checks (realtime/machine/setup.py).

Used by the API when a meeting is planned, and by the demo data. A plan is refused here with
the machine's own sentence, naming the field it is about, so the agenda editor shows exactly
what the live meeting would have refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from realtime import templates
from realtime.machine.setup import MeetingSetup, Settings
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
    (defaults included); raises Invalid with the machine's own sentence for a bad rule, naming
    the category when it is a speaking-time budget that is wrong."""
    budgets = raw.get("budgets_s")
    if isinstance(budgets, Mapping):
        for category, seconds in budgets.items():
            try:
                Settings.from_dict({"budgets_s": {category: seconds}})
            except Refusal as refusal:
                field = f"speaking_rules.budgets_s.{category}"
                raise Invalid(refusal.message, field=field) from None
    try:
        return Settings.from_dict(raw).to_dict()
    except Refusal as refusal:
        raise Invalid(refusal.message, field="speaking_rules") from None


def check_agenda(agenda: Sequence[Mapping[str, Any]], roster: Sequence[Mapping[str, Any]]) -> None:
    """Refuse an agenda the live meeting would refuse, round by round: a lineup naming
    someone off the roster, a vote without options, a setting a round does not take.

    `agenda` is the API's shape (rounds with `config`), `roster` the machine's participant
    dicts; the refusal names the round (`agenda.2.rounds.1`) or item it is about.
    """
    for i, item in enumerate(agenda):
        rounds = list(item.get("rounds") or [])
        for j, rnd in enumerate(rounds):
            config = dict(rnd.get("config") or {})
            one = {
                "round_id": f"r{j}",
                "kind": rnd["kind"],
                "title": rnd["title"],
                "time_limit_s": rnd.get("time_limit_s"),
                **config,
            }
            _check_setup(
                [{"item_id": f"i{i}", "title": item["title"], "rounds": [one]}],
                roster,
                field=f"agenda.{i}.rounds.{j}",
            )


def _check_setup(
    agenda: list[dict[str, Any]], roster: Sequence[Mapping[str, Any]], *, field: str
) -> None:
    try:
        MeetingSetup.from_dict(
            {"meeting_id": "plan", "title": "plan", "agenda": agenda, "participants": list(roster)}
        )
    except Refusal as refusal:
        raise Invalid(refusal.message, field=field) from None
