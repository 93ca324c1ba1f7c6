"""Evaluates the minutes drafter on the VCSum meetings: overall summary and per-topic headlines.
Runs `hsl minutes --json --summary-chars N` on each meeting and scores against the references."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jieba
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    return Path(os.environ.get("HSL_SHARED_DIR") or REPO.parent / "shared")


# --- character ROUGE ------------------------------------------------------------------------
# Chinese ROUGE is computed on characters; whitespace is ignored and punctuation counted, which
# reproduces the Lead-250 figures the task quotes (29.7 / 8.1 / 14.1).


def _chars(text: str) -> list[str]:
    return [ch for ch in text if not ch.isspace()]


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if not overlap:
        return 0.0
    p, r = overlap / predicted, overlap / reference
    return 2 * p * r / (p + r)


def rouge_n(pred: str, ref: str, n: int) -> float:
    a, b = _chars(pred), _chars(ref)
    grams_a = Counter(tuple(a[i : i + n]) for i in range(len(a) - n + 1))
    grams_b = Counter(tuple(b[i : i + n]) for i in range(len(b) - n + 1))
    overlap = sum((grams_a & grams_b).values())
    return _f1(overlap, sum(grams_a.values()), sum(grams_b.values()))


def rouge_l(pred: str, ref: str) -> float:
    a, b = _chars(pred), _chars(ref)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return _f1(prev[-1], len(a), len(b))


def rouge(pred: str, ref: str) -> tuple[float, float, float]:
    return rouge_n(pred, ref, 1), rouge_n(pred, ref, 2), rouge_l(pred, ref)


# --- baselines ------------------------------------------------------------------------------

_SENTENCE_END = "。！？!?；;…"
# A plain stop list for the baseline: function words and the commonest spoken particles.
_BASELINE_STOP = frozenset(
    re.findall(
        r"\S+",
        "的 了 是 我 我们 你 你们 他 她 它 他们 这 那 就 也 都 在 和 有 啊 嗯 呢 吧 吗 哦 对 然后 "
        "一个 这个 那个 就是 还是 什么 所以 但是 因为 可以 没有 一些 其实 的话 如果 这样",
    )
)


def split_plain(text: str) -> list[str]:
    sentences, start = [], 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            if text[start : i + 1].strip():
                sentences.append(text[start : i + 1].strip())
            start = i + 1
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def lead(turns: Sequence[str], n: int) -> str:
    return "".join(turns)[:n]


def textrank(turns: Sequence[str], n: int) -> str:
    """Sentence TextRank (Mihalcea & Tarau 2004) over Jieba words: overlap similarity,
    PageRank, best sentences until the budget is reached, in spoken order, cut at n."""
    sentences = [s for t in turns for s in split_plain(t)]
    words = [
        {w for w in jieba.lcut(s) if w.strip() and any(c.isalnum() for c in w)} - _BASELINE_STOP
        for s in sentences
    ]
    size = len(sentences)
    weights = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1, size):
            common = len(words[i] & words[j])
            if common and len(words[i]) > 1 and len(words[j]) > 1:
                sim = common / (math.log(len(words[i])) + math.log(len(words[j])))
                weights[i, j] = weights[j, i] = sim
    out = weights.sum(axis=1)
    out[out == 0] = 1
    moves = (weights / out[:, None]).T
    rank = np.full(size, 1 / max(size, 1))
    for _ in range(100):
        nxt = 0.15 / size + 0.85 * moves @ rank
        if np.abs(nxt - rank).sum() < 1e-8:
            rank = nxt
            break
        rank = nxt
    chosen: list[int] = []
    used = 0
    for i in np.argsort(-rank):
        if used >= n:
            break
        chosen.append(int(i))
        used += len(sentences[i])
    return "".join(sentences[i] for i in sorted(chosen))[:n]


# --- running the drafter --------------------------------------------------------------------


def draft(meeting: dict[str, Any], summary_chars: int) -> dict[str, Any]:
    """Feeds the meeting to `hsl minutes --json` as a JSONL transcript file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{meeting['id']}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for turn in meeting["transcript"]:
                row = {"speaker": turn["speaker"], "text": turn["text"]}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        done = subprocess.run(
            [
                *(sys.executable, "-m", "server.cli_minutes", str(path)),
                *("--json", "--summary-chars", str(summary_chars)),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"hsl minutes failed on {meeting['id']}: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def headline_scores(meeting: dict[str, Any], sections: list[dict[str, Any]]) -> list[Any]:
    """Each reference topic against the headline of the drafted section overlapping it most."""
    scores = []
    for segment in meeting["segments"]:
        lo, hi = segment["start_turn"], segment["end_turn"]

        def overlap(section: dict[str, Any], lo: int = lo, hi: int = hi) -> int:
            return int(min(hi, section["last_segment"]) - max(lo, section["first_segment"]))

        best = max(sections, key=overlap)
        scores.append(rouge(best["headline"], segment["headline"]))
    return scores


def first_sentence_headline(meeting: dict[str, Any]) -> list[Any]:
    """Baseline for headlines: the first 12 characters of each reference segment's first turn."""
    return [
        rouge(meeting["transcript"][s["start_turn"]]["text"][:12], s["headline"])
        for s in meeting["segments"]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summary-chars", type=int, default=250)
    parser.add_argument("--quick", action="store_true", help="only the first 5 meetings")
    args = parser.parse_args()
    path = shared_dir() / "data" / "vcsum" / "meetings.jsonl"
    meetings = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if args.quick:
        meetings = meetings[:5]
    jieba.setLogLevel(60)
    n = args.summary_chars
    systems: dict[str, Callable[[dict[str, Any]], str]] = {
        f"Lead-{n}": lambda m: lead([t["text"] for t in m["transcript"]], n),
        "TextRank (sentences, Jieba)": lambda m: textrank([t["text"] for t in m["transcript"]], n),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in systems}
    ours = f"hsl minutes --summary-chars {n}"
    results[ours] = []
    heads: list[Any] = []
    head_base: list[Any] = []
    over_budget = 0
    for meeting in meetings:
        for name, system in systems.items():
            results[name].append(rouge(system(meeting), meeting["summary"]))
        drafted = draft(meeting, n)
        over_budget += len(drafted["summary"]) > n
        results[ours].append(rouge(drafted["summary"], meeting["summary"]))
        heads += headline_scores(meeting, drafted["sections"])
        head_base += first_sentence_headline(meeting)
    print(f"Overall summary vs reference, {len(meetings)} VCSum meetings, character ROUGE F1 (%)")
    print(f"{'system':<34}{'n':>4}{'R-1':>8}{'R-2':>8}{'R-L':>8}")
    means = {name: np.mean(scores, axis=0) * 100 for name, scores in results.items()}
    for name, mean in means.items():
        print(f"{name:<34}{len(meetings):>4}{mean[0]:>8.1f}{mean[1]:>8.1f}{mean[2]:>8.1f}")
    base = means["TextRank (sentences, Jieba)"]
    mine = means[ours]
    print(
        f"ratio to TextRank: R-2 {mine[1] / base[1]:.2f}x (target 1.30x), "
        f"R-L {mine[2] / base[2]:.2f}x (target 1.15x); summaries over {n} chars: {over_budget}"
    )
    print()
    print("Per-topic headlines vs segments[*].headline, character ROUGE F1 (%)")
    print(f"{'system':<34}{'n':>4}{'R-1':>8}{'R-2':>8}{'R-L':>8}")
    for name, rows in (("first 12 chars of the topic", head_base), ("hsl minutes headline", heads)):
        mean = np.mean(rows, axis=0) * 100
        print(f"{name:<34}{len(rows):>4}{mean[0]:>8.1f}{mean[1]:>8.1f}{mean[2]:>8.1f}")


if __name__ == "__main__":
    main()
