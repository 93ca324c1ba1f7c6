"""Connection quality: grading a peer's loss and round-trip time, and the video bitrate cap
that keeps the weakest listener of a speaker served. Pure arithmetic, no I/O.

Forwarding sends every listener the same encoded stream, so the only way to spare a
listener on a poor line is to ask the speaker's browser to send less: the cap is the
lowest of the listeners' estimates, each grown while its reports show no loss and cut
when they show loss (the way a sender's loss-based controller would), and never above a
REMB the listener's browser sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from realtime.machine.state import MeetingState

MIN_VIDEO_BPS = 150_000
MAX_VIDEO_BPS = 1_500_000
START_VIDEO_BPS = 800_000
# The cap sent to a speaker changes only when it moves by more than this fraction.
CAP_STEP = 0.15

Grade = Literal["good", "fair", "poor"]
# What the moderator's console shows of each participant: a grade from the media worker's
# view of their connection, or why there is none. The browser words them (良好, 一般, 较差,
# 未连接音视频, 不在线); which one applies is decided here.
Standing = Literal["good", "fair", "poor", "no_media", "offline"]


def next_estimate(current: float, fraction_lost: float, remb_bps: int | None) -> float:
    """A listener's estimate after one report period."""
    if fraction_lost > 0.10:
        estimate = current * (1 - 0.5 * fraction_lost)
    elif fraction_lost < 0.02:
        estimate = current * 1.08
    else:
        estimate = current
    if remb_bps is not None and remb_bps > 0:
        estimate = min(estimate, float(remb_bps))
    return max(float(MIN_VIDEO_BPS), min(float(MAX_VIDEO_BPS), estimate))


def video_cap(estimates: Iterable[float]) -> int | None:
    """The speaker's cap: the weakest listener's estimate, None when nobody watches."""
    lowest = min(estimates, default=None)
    return None if lowest is None else int(lowest)


def cap_changed(previous: int | None, cap: int | None) -> bool:
    if previous is None or cap is None:
        return previous != cap
    return abs(cap - previous) > CAP_STEP * previous


def grade(loss_pct: float | None, rtt_ms: float | None) -> Grade:
    """good / fair / poor, from the worse of packet loss and round-trip time."""
    loss = loss_pct or 0.0
    rtt = rtt_ms or 0.0
    if loss < 2 and rtt < 300:
        return "good"
    if loss < 8 and rtt < 700:
        return "fair"
    return "poor"


def participant_quality(
    state: MeetingState,
    rows: Sequence[dict[str, Any]],
    link: Mapping[str, float | None] | None = None,
) -> list[dict[str, Any]]:
    """Each participant's connection as the moderator sees it, in roster order, then the
    room's computer if it is in the media.

    `rows` are the media worker's (`media.quality` peers): one per peer in the meeting's
    media, oldest first; a person on two devices is judged by the newest (`via: "media"`).
    Someone with no peer is `offline` when not connected to the meeting; connected, they
    are graded from how fast their /live connection answered the server's probe (`link`,
    `realtime.link_probe`: round trip in ms, None for no answer in time, which is `poor`;
    `via: "live"`), and `no_media` while no probe has been answered yet. Public observers
    are never in `rows` nor in `link`.
    """
    by_label: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_label[str(row["label"])] = row
    out = []
    for person in state.participants.values():
        seen = by_label.get(person.participant_id)
        if seen is not None:
            out.append(_judged(person.participant_id, seen))
        elif person.connections > 0 and link is not None and person.participant_id in link:
            rtt = link[person.participant_id]
            out.append(
                {
                    "participant_id": person.participant_id,
                    "grade": "poor" if rtt is None else grade(None, rtt),
                    "rtt_ms": None if rtt is None else round(rtt),
                    "loss_pct": None,
                    "via": "live",
                }
            )
        else:
            standing: Standing = "no_media" if person.connections > 0 else "offline"
            out.append(
                {
                    "participant_id": person.participant_id,
                    "grade": standing,
                    "rtt_ms": None,
                    "loss_pct": None,
                    "via": None,
                }
            )
    if "room" in by_label:
        out.append(_judged("room", by_label["room"]))
    return out


def _judged(participant_id: str, row: dict[str, Any]) -> dict[str, Any]:
    losses = [
        x for x in (row.get("uplink_loss_pct"), row.get("downlink_loss_pct")) if x is not None
    ]
    return {
        "participant_id": participant_id,
        "grade": row["grade"],
        "rtt_ms": row.get("rtt_ms"),
        "loss_pct": max(losses) if losses else None,
        "via": "media",
    }
