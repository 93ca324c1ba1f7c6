"""Benchmark: drafting the minutes of a two-hour meeting (~30,000 transcript characters).
Times parsing, drafting (summary, sections, findings, report) and DOCX/Markdown rendering."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nlp.minutes import draft_minutes, draft_recommendations
from nlp.text import default_tokenizer
from nlp.transcript import read_transcript
from server.documents.minutes_docx import render_minutes_docx
from server.documents.minutes_markdown import render_minutes_markdown

REPO = Path(__file__).resolve().parents[1]
TARGET_CHARS = 30_000
BUDGET_S = 3.0


def shared_dir() -> Path:
    return Path(os.environ.get("HSL_SHARED_DIR") or REPO.parent / "shared")


def two_hour_transcript() -> bytes:
    """Real VCSum turns, meeting after meeting, until about 30,000 characters: a JSONL file."""
    path = shared_dir() / "data" / "vcsum" / "meetings.jsonl"
    rows: list[str] = []
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        for turn in json.loads(line)["transcript"]:
            if total >= TARGET_CHARS:
                break
            text = turn["text"][: TARGET_CHARS - total]
            rows.append(json.dumps({"speaker": f"发言人{turn['speaker']}", "text": text}))
            total += len(text)
    return "\n".join(rows).encode("utf-8")


def timed(step: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 10")
    args = parser.parse_args()
    repeat = 3 if args.quick else 10
    data = two_hour_transcript()
    default_tokenizer()  # the server loads Jieba at start-up, not per request

    def whole() -> None:
        transcript = read_transcript(data, "meeting.jsonl")
        minutes = draft_minutes(transcript, summary_chars=300)
        report = draft_recommendations(minutes)
        render_minutes_docx(minutes, report)
        render_minutes_markdown(minutes, report)

    transcript = read_transcript(data, "meeting.jsonl")
    chars = sum(len(s.text) for s in transcript.segments)
    minutes = draft_minutes(transcript)
    report = draft_recommendations(minutes)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("parse JSONL transcript", lambda: read_transcript(data, "meeting.jsonl")),
        ("draft minutes", lambda: draft_minutes(transcript, summary_chars=300)),
        ("draft recommendations", lambda: draft_recommendations(minutes)),
        ("render DOCX", lambda: render_minutes_docx(minutes, report)),
        ("render Markdown", lambda: render_minutes_markdown(minutes, report)),
        ("whole: file -> minutes + DOCX", whole),
    ]
    print(f"Two-hour meeting: {chars} characters, {len(transcript.segments)} turns")
    print(f"{'what':<32}{'n':>4}{'p50 s':>9}{'p99 s':>9}{'per s':>8}")
    worst = 0.0
    for name, step in steps:
        times = np.array(timed(step, repeat))
        p50, p99 = float(np.percentile(times, 50)), float(np.percentile(times, 99))
        print(f"{name:<32}{repeat:>4}{p50:>9.3f}{p99:>9.3f}{1 / p50:>8.1f}")
        worst = p99 if name.startswith("whole") else worst
    verdict = "within" if worst < BUDGET_S else "OVER"
    print(f"whole pipeline p99 {worst:.2f} s: {verdict} the {BUDGET_S:.0f} s budget")


if __name__ == "__main__":
    main()
