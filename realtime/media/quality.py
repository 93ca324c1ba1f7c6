"""Connection quality: grading a peer's loss and round-trip time, and the video bitrate cap
that keeps the weakest listener of a speaker served. Pure arithmetic, no I/O.

Forwarding sends every listener the same encoded stream, so the only way to spare a
listener on a poor line is to ask the speaker's browser to send less: the cap is the
lowest of the listeners' estimates, each grown while its reports show no loss and cut
when they show loss (the way a sender's loss-based controller would), and never above a
REMB the listener's browser sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

MIN_VIDEO_BPS = 150_000
MAX_VIDEO_BPS = 1_500_000
START_VIDEO_BPS = 800_000
# The cap sent to a speaker changes only when it moves by more than this fraction.
CAP_STEP = 0.15

Grade = Literal["good", "fair", "poor"]


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
