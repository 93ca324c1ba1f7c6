"""Evaluation of `hsl themes` on the labelled 泰迪杯 2020 C messages: ARI, NMI, purity and the
number of themes, beside true-k baselines computed in the same run. Prints a table.

Usage: python bench/eval_themes.py [--quick]. The data are read from the shared folder
(HSL_SHARED_DIR overrides it) and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize as l2_normalize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.text import default_tokenizer  # noqa: E402


def shared_dir() -> Path:
    return Path(os.environ.get("HSL_SHARED_DIR") or REPO.parent / "shared")


def load(view: str) -> tuple[list[str], list[str]]:
    path = shared_dir() / "data" / "tipdm2020c" / "messages_labelled.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if view == "title":
        texts = [r["title"] for r in records]
    else:
        texts = [f"{r['title']}\n{r['text']}" for r in records]
    return texts, [r["label"] for r in records]


def purity(truth: Sequence[str], predicted: Sequence[int]) -> float:
    clusters: dict[int, Counter[str]] = {}
    for label, cluster in zip(truth, predicted, strict=True):
        clusters.setdefault(cluster, Counter())[label] += 1
    return sum(c.most_common(1)[0][1] for c in clusters.values()) / len(truth)


def scores(truth: Sequence[str], predicted: Sequence[int]) -> dict[str, float]:
    return {
        "ari": adjusted_rand_score(truth, predicted),
        "nmi": normalized_mutual_info_score(truth, predicted),
        "purity": purity(truth, predicted),
        "themes": float(len(set(predicted))),
    }


def ours(texts: list[str]) -> tuple[list[int], float]:
    """Runs the real command line on the texts; returns each text's theme and the seconds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suggestions.jsonl"
        lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "server.cli_themes", str(path), "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
    result = json.loads(done.stdout)
    predicted = [-1] * len(texts)
    for number, theme in enumerate(result["themes"]):
        for member in theme["members"]:
            predicted[member] = number
    if -1 in predicted:
        raise SystemExit("hsl themes left a message out of every theme")
    return predicted, seconds


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def kmeans_runs(matrix: object, k: int, seeds: int) -> list[list[int]]:
    return [
        KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix).tolist()
        for seed in range(seeds)
    ]


def baselines(texts: list[str], k: int, seeds: int) -> dict[str, list[list[int]]]:
    tokenizer = default_tokenizer()
    tokens = [tokenizer.cut(t) for t in texts]  # every Jieba token, punctuation included
    tfidf = TfidfVectorizer(analyzer=_identity).fit_transform(tokens)
    runs: dict[str, list[list[int]]] = {}
    runs["k-means, true k, TF-IDF of Jieba tokens"] = kmeans_runs(tfidf, k, seeds)
    lsa_runs = []
    for seed in range(seeds):
        lsa = l2_normalize(TruncatedSVD(100, random_state=seed).fit_transform(tfidf))
        lsa_runs.append(KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(lsa))
    runs["k-means, true k, LSA-100 of the same"] = [r.tolist() for r in lsa_runs]
    words = [tokenizer.words(t) for t in texts]
    content = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2)
    content_matrix = content.fit_transform(words)
    runs["k-means, true k, TF-IDF of our content words"] = kmeans_runs(content_matrix, k, seeds)
    top = np.asarray(content_matrix.argmax(axis=1)).ravel()
    empty = np.asarray(content_matrix.sum(axis=1)).ravel() == 0
    runs["one cluster per top keyword"] = [
        [-1 if e else int(t) for t, e in zip(top, empty, strict=True)]
    ]
    return runs


def row(name: str, values: list[dict[str, float]], seconds: str) -> str:
    mean = {key: float(np.mean([v[key] for v in values])) for key in values[0]}
    best = max(v["ari"] for v in values)
    spread = f"{mean['ari']:.3f} (max {best:.3f})" if len(values) > 1 else f"{mean['ari']:.3f}"
    return (
        f"| {name} | {spread} | {mean['nmi']:.3f} | {mean['purity']:.3f} "
        f"| {mean['themes']:.0f} | {seconds} |"
    )


def evaluate(view: str, seeds: int, report: Callable[[str], None]) -> None:
    texts, truth = load(view)
    k = len(set(truth))
    predicted, seconds = ours(texts)
    report(f"\n### {len(texts)} labelled messages, {view} ({k} labels)\n")
    report("| method | ARI | NMI | purity | themes | time |")
    report("|---|---|---|---|---|---|")
    report(row("hsl themes (k not given)", [scores(truth, predicted)], f"{seconds:.1f} s (CLI)"))
    for name, runs in baselines(texts, k, seeds).items():
        report(row(name, [scores(truth, r) for r in runs], f"{len(runs)} seed(s)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, full messages only")
    args = parser.parse_args()
    views = ["full"] if args.quick else ["full", "title"]
    for view in views:
        evaluate(view, 1 if args.quick else 5, print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
