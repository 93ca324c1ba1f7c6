"""How ballots count: per-option counts, quorum, pass thresholds, Borda, instant runoff, ratings.

Pure functions of a poll and its (already validated) choices; the close and the live tally
both ask them, so a poll's result is computed in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from realtime.machine.poll_types import Poll, PollRules

# Kinds that decide something, so that "passed" means: the leading answer (赞成 for a
# yes/no vote, the top option of a single choice) reached the threshold. The other kinds
# measure opinion and have no pass rule (passed is null).
DECIDING = frozenset({"yes_no_abstain", "single"})


def counts(poll: Poll, choices: Sequence[Any]) -> dict[str, int]:
    """Votes per option: the chosen option, every ticked option (multiple), the rated level,
    the first preference (ranking). Free-text polls have no options and no counts."""
    out = dict.fromkeys(poll.option_ids, 0)
    if poll.kind == "text":
        return out
    for choice in choices:
        if poll.kind in ("single", "yes_no_abstain"):
            out[choice] += 1
        elif poll.kind == "rating":
            out[str(choice)] += 1
        elif poll.kind == "multiple":
            for option_id in choice:
                out[option_id] += 1
        elif choice:  # ranking: the first preference
            out[choice[0]] += 1
    return out


def borda(option_ids: Sequence[str], rankings: Sequence[Sequence[str]]) -> dict[str, int]:
    """Borda points: with n options, a ballot gives n-1 to its first, n-2 to its second, ...

    Options a (partial) ballot leaves unranked get nothing from it.
    """
    n = len(option_ids)
    points = dict.fromkeys(option_ids, 0)
    for ranking in rankings:
        for position, option_id in enumerate(ranking):
            points[option_id] += n - 1 - position
    return points


def instant_runoff(option_ids: Sequence[str], rankings: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Instant-runoff voting: count first preferences among the options still in; an option
    with more than half of the ballots still counting wins; otherwise the weakest option
    is eliminated and its ballots pass to their next preference still in.

    The weakest is the one with the fewest votes; a tie there goes to the fewer Borda
    points, then to the option listed later. When every option still in is tied on both,
    there is no winner (`winner` null, `tied` lists them). Ballots with no preference
    left are `exhausted`.
    """
    points = borda(option_ids, rankings)
    order = {option_id: i for i, option_id in enumerate(option_ids)}
    remaining = list(option_ids)
    rounds: list[dict[str, Any]] = []
    while remaining:
        still_in = set(remaining)
        tally = dict.fromkeys(remaining, 0)
        exhausted = 0
        for ranking in rankings:
            first = next((o for o in ranking if o in still_in), None)
            if first is None:
                exhausted += 1
            else:
                tally[first] += 1
        active = sum(tally.values())
        step: dict[str, Any] = {"counts": tally, "exhausted": exhausted, "eliminated": None}
        rounds.append(step)
        if active == 0:
            return {"winner": None, "tied": [], "rounds": rounds}
        leader = max(remaining, key=lambda o: (tally[o], points[o], -order[o]))
        if tally[leader] * 2 > active:
            return {"winner": leader, "tied": [], "rounds": rounds}
        weakest = min(remaining, key=lambda o: (tally[o], points[o], -order[o]))
        if all((tally[o], points[o]) == (tally[weakest], points[weakest]) for o in remaining):
            return {"winner": None, "tied": list(remaining), "rounds": rounds}
        step["eliminated"] = weakest
        remaining.remove(weakest)
    return {"winner": None, "tied": [], "rounds": rounds}


def rating_stats(values: Sequence[int]) -> dict[str, Any]:
    """Mean rating and the share of 满意 and 很满意 (4 and 5), the usual 满意率."""
    if not values:
        return {"mean": None, "satisfaction": None}
    return {
        "mean": round(sum(values) / len(values), 2),
        "satisfaction": round(sum(1 for v in values if v >= 4) / len(values), 4),
    }


def quorum_required(rules: PollRules, eligible: int) -> int | None:
    """How many votes must be cast for the poll to count, or None when there is no quorum."""
    if rules.quorum is None:
        return None
    if rules.quorum == "half":
        return eligible // 2 + 1
    if rules.quorum == "two_thirds":
        return -(-2 * eligible // 3)
    return int(rules.quorum)


def needed_to_pass(rules: PollRules, base: int) -> int:
    """The fewest supporting votes that pass: more than half, or at least two thirds, of
    the base; never fewer than one."""
    if rules.threshold == "two_thirds":
        return max(1, -(-2 * base // 3))
    return base // 2 + 1


def _base(poll: Poll, tally: Mapping[str, int], votes: int, eligible: int, present: int) -> int:
    rules = poll.rules
    if rules.base == "valid":
        # Abstentions are not valid votes for or against; in other kinds every vote is.
        return votes - tally.get("abstain", 0) if poll.kind == "yes_no_abstain" else votes
    if rules.base == "eligible":
        return eligible
    if rules.base == "present":
        return present
    return votes


def _supporting(poll: Poll, tally: Mapping[str, int]) -> tuple[int, str | None]:
    if poll.kind == "yes_no_abstain":
        return tally["yes"], "yes"
    top = max(tally.values(), default=0)
    leaders = [o for o, n in tally.items() if n == top]
    return top, leaders[0] if len(leaders) == 1 and top > 0 else None


def final_result(
    poll: Poll, choices: Sequence[Any], *, eligible: int, present: int
) -> dict[str, Any]:
    """The result a close records: counts and votes (the contract's keys), whether it
    passed, and what that was measured against, plus the kind's own figures.

    `eligible` is how many may vote, `present` how many of them are present (both
    counted by the caller, voters included).
    """
    tally = counts(poll, choices)
    votes = len(choices)
    rules = poll.rules
    required = quorum_required(rules, eligible)
    quorum_met = required is None or votes >= required
    result: dict[str, Any] = {
        "counts": tally,
        "votes": votes,
        "passed": None,
        "eligible": eligible,
        "present": present,
        "quorum": None if required is None else {"required": required, "met": quorum_met},
        "winner": None,
    }
    if poll.kind in DECIDING:
        base = _base(poll, tally, votes, eligible, present)
        support, leader = _supporting(poll, tally)
        needed = needed_to_pass(rules, base)
        passed = quorum_met and base > 0 and support >= needed
        result.update(
            passed=passed,
            base=rules.base,
            base_votes=base,
            threshold=rules.threshold,
            needed=needed,
            winner=leader if passed or poll.kind == "single" else None,
        )
    result.update(_extras(poll, choices))
    if poll.kind == "ranking":
        result["winner"] = result["irv"]["winner"]
    return result


def _extras(poll: Poll, choices: Sequence[Any]) -> dict[str, Any]:
    if poll.kind == "rating":
        return rating_stats(choices)
    if poll.kind == "ranking":
        return {
            "borda": borda(poll.option_ids, choices),
            "irv": instant_runoff(poll.option_ids, choices),
        }
    if poll.kind == "text":
        # Sorted, so the list says what was written and nothing about who or when.
        return {"answers": sorted(choices)}
    return {}


def turnout(poll: Poll, votes: int) -> dict[str, Any]:
    """A tally that says only how many have voted: what a secret poll shows until its close.

    No changes are allowed in a secret poll, so the number of votes is also its version.
    """
    return {"poll_id": poll.poll_id, "votes": votes, "version": votes, "counts": None}


def live_tally(poll: Poll, choices: Sequence[Any], version: int) -> dict[str, Any]:
    """What clients see while the poll is open. Hidden-results polls show only how many
    have voted, and so does every secret poll (its counts, read vote by vote against the
    list of who voted, would name each choice); free-text answers wait for the close.

    `version` grows with every stored vote or change, so a client keeps the tally with
    the highest version when two workers' tallies cross on the way.
    """
    out: dict[str, Any] = {
        "poll_id": poll.poll_id,
        "votes": len(choices),
        "version": version,
        "counts": None,
    }
    if poll.rules.live_results and not poll.secret and poll.kind != "text":
        out["counts"] = counts(poll, choices)
        if poll.kind == "rating":
            out.update(rating_stats(choices))
        elif poll.kind == "ranking":
            out["borda"] = borda(poll.option_ids, choices)
    return out
