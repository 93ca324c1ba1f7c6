"""Benchmark of suggestion themes: clustering 10,000 suggestions (time, peak memory), finding
their near-duplicates, and placing new suggestions one at a time (p50/p99). Prints a table.

The suggestions are built from the 泰迪杯 2020 C messages in the shared folder (titles, opening
and closing sentences), repeated with small variations to reach the count. --quick: 2,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.dedupe import find_duplicates  # noqa: E402
from nlp.text import default_tokenizer, split_sentences  # noqa: E402
from nlp.themes import Suggestion, cluster_themes  # noqa: E402

_ENDINGS = ["", "，希望尽快解决。", "，请有关部门重视。", "，建议协商解决。", "！"]


def shared_dir() -> Path:
    return Path(os.environ.get("HSL_SHARED_DIR") or REPO.parent / "shared")


def build_texts(count: int) -> list[str]:
    folder = shared_dir() / "data" / "tipdm2020c"
    records = []
    for name in ("messages_unlabelled.jsonl", "messages_labelled.jsonl"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        records += [json.loads(line) for line in lines if line]
    pieces = []
    for record in records:
        sentences = split_sentences(record["text"])
        opening = sentences[0] if sentences else ""
        pieces += [
            record["title"],
            f"{record['title']}。{opening}",
            "".join(sentences[:2])[:150],
            "".join(sentences[-2:])[:150],
            record["text"][:120],
        ]
    pieces = [p for p in pieces if p.strip()]
    texts = []
    for n in range(count):  # past one round, vary the wording a little so rows differ
        base = pieces[n % len(pieces)]
        texts.append(base + _ENDINGS[(n // len(pieces)) % len(_ENDINGS)])
    return texts


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 suggestions, 200 arrivals")
    args = parser.parse_args()
    count, arrivals = (2000, 200) if args.quick else (10_000, 1000)
    texts = build_texts(count + arrivals)
    existing, incoming = texts[:count], texts[count:]
    default_tokenizer()  # built once at server start-up, so not part of a request
    rss_before = peak_rss_mib()

    started = time.perf_counter()
    index = cluster_themes([Suggestion(str(n), t) for n, t in enumerate(existing)])
    themes = index.themes()
    cluster_s = time.perf_counter() - started
    rss_after_cluster = peak_rss_mib()

    started = time.perf_counter()
    groups = find_duplicates(existing)
    dedupe_s = time.perf_counter() - started

    latencies = []
    for n, text in enumerate(incoming):
        started = time.perf_counter()
        index.assign(Suggestion(f"new-{n}", text))
        latencies.append(time.perf_counter() - started)
    ms = np.asarray(latencies) * 1000

    print(f"mean suggestion length: {np.mean([len(t) for t in existing]):.0f} characters")
    print("| what | n | p50 | p99 | per second | result |")
    print("|---|---|---|---|---|---|")
    print(
        f"| cluster into themes (tokenise, graph, Louvain, labels) | {count} | {cluster_s:.2f} s "
        f"| – | {count / cluster_s:.0f} | {len(themes)} themes; peak RSS "
        f"{rss_after_cluster:.0f} MiB (+{rss_after_cluster - rss_before:.0f}) |"
    )
    print(
        f"| near-duplicate groups | {count} | {dedupe_s:.2f} s | – | {count / dedupe_s:.0f} "
        f"| {len(groups)} groups; peak RSS {peak_rss_mib():.0f} MiB |"
    )
    print(
        f"| incremental assignment | {arrivals} | {np.percentile(ms, 50):.2f} ms "
        f"| {np.percentile(ms, 99):.2f} ms | {1000 / np.mean(ms):.0f} | "
        f"join threshold {index.join_threshold:.3f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
