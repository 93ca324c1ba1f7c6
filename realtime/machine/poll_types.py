"""Plain values of live polls: a poll as opened (question, options, rules) and as it stands.

Also the stored votes a close is decided on. Immutable data only; rules live elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from realtime.machine.types import Category

PollKind = Literal["yes_no_abstain", "single", "multiple", "rating", "ranking", "text"]
PollStatus = Literal["open", "closed"]
# What counts as 100 % when deciding whether a poll passed (表决基数).
Base = Literal["valid", "cast", "eligible", "present"]
Threshold = Literal["simple", "two_thirds"]
QuorumShare = Literal["half", "two_thirds"]
CloseReason = Literal["closed", "timer"]

POLL_KINDS: tuple[PollKind, ...] = get_args(PollKind)
BASES: tuple[Base, ...] = get_args(Base)
THRESHOLDS: tuple[Threshold, ...] = get_args(Threshold)
QUORUM_SHARES: tuple[QuorumShare, ...] = get_args(QuorumShare)

KIND_NAMES: Mapping[PollKind, str] = {
    "yes_no_abstain": "赞成/反对/弃权",
    "single": "单选",
    "multiple": "多选",
    "rating": "满意度评分",
    "ranking": "排序",
    "text": "简短意见",
}
# Kinds whose options the server makes; the others take the labels the moderator gives.
FIXED_OPTIONS: Mapping[PollKind, tuple[tuple[str, str], ...]] = {
    "yes_no_abstain": (("yes", "赞成"), ("no", "反对"), ("abstain", "弃权")),
    "rating": (("1", "很不满意"), ("2", "不满意"), ("3", "一般"), ("4", "满意"), ("5", "很满意")),
    "text": (),
}
RATING_RANGE = (1, 5)
TEXT_MAX = 200


@dataclass(frozen=True)
class PollOption:
    option_id: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"option_id": self.option_id, "label": self.label}


@dataclass(frozen=True)
class PollRules:
    """The settings a poll was opened with.

    `eligible` lists the categories that may vote (all four: everyone on the roster).
    `quorum` is a number of votes, or a share of the eligible ("half": more than half,
    "two_thirds": at least two thirds), or None for no quorum. `allow_change` lets a
    named vote be changed until the close; a secret vote never can be.
    """

    eligible: tuple[Category, ...]
    base: Base = "cast"
    threshold: Threshold = "simple"
    quorum: int | QuorumShare | None = None
    live_results: bool = True
    allow_change: bool = False
    max_choices: int | None = None
    closes_in_s: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": list(self.eligible),
            "base": self.base,
            "threshold": self.threshold,
            "quorum": self.quorum,
            "live_results": self.live_results,
            "allow_change": self.allow_change,
            "max_choices": self.max_choices,
            "closes_in_s": self.closes_in_s,
        }


@dataclass(frozen=True)
class Poll:
    """A poll (表决) of the meeting: as opened, then closed with its final result."""

    poll_id: str
    question: str
    kind: PollKind
    secret: bool
    options: tuple[PollOption, ...]
    rules: PollRules
    opened_at: float
    item_id: str | None = None
    closes_at: float | None = None
    opened_by: str | None = None
    status: PollStatus = "open"
    closed_at: float | None = None
    result: Mapping[str, Any] | None = None
    # A closed named poll: who chose what (participant id, choice), for the written record;
    # None for a secret poll. Not in the snapshot (the poll record lists it to its editors).
    named: tuple[tuple[str, Any], ...] | None = None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.option_id for o in self.options)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class KioskUnlock:
    """One vote the staff unlocked on the room screen for a participant without a phone."""

    poll_id: str
    participant_id: str
    by: str | None


@dataclass(frozen=True)
class StoredVotes:
    """The votes of one poll as the database holds them, read inside the close's transaction.

    `choices` has one normalised choice per vote. For a named poll `named` pairs each
    voter with their choice; for a secret poll it is None and `voters` and `choices` are
    two unrelated lists (sorted, so that not even their order relates them).
    """

    choices: tuple[Any, ...]
    voters: tuple[str, ...]
    named: tuple[tuple[str, Any], ...] | None = None
