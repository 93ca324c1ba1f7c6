"""Evaluation of `hsl themes` on the labelled 泰迪杯 2020 C messages: ARI, NMI, purity, the
number of themes and the share of suggestions left alone (themes of one, 待归类), beside
true-k baselines computed in the same run; the same on 1,000 unlabelled titles; and the
near-duplicates' precision and recall on the labelled pairs of tests/nlp/data. Prints tables.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize as l2_normalize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.dedupe import DEFAULT_THRESHOLD, pair_similarities  # noqa: E402
from nlp.text import default_tokenizer  # noqa: E402

UNSORTED_LABEL = "待归类"
PAIRS = REPO / "tests" / "nlp" / "data" / "duplicate_pairs.tsv"


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


@dataclass
class Run:
    """What the real command line made of a set of texts."""

    predicted: list[int]  # each text's theme (待归类 counts as one theme)
    labels: list[str]  # each theme's label, largest first
    sizes: list[int]
    seconds: float

    @property
    def singleton_share(self) -> float:
        """Share of the themes that hold one suggestion."""
        return sum(1 for s in self.sizes if s == 1) / max(1, len(self.sizes))

    @property
    def unsorted_share(self) -> float:
        """Share of the suggestions gathered as 待归类."""
        left = sum(
            s for s, label in zip(self.sizes, self.labels, strict=True) if label == UNSORTED_LABEL
        )
        return left / max(1, len(self.predicted))


def ours(texts: list[str]) -> Run:
    """Runs the real command line on the texts."""
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
    themes = result["themes"]
    return Run(predicted, [t["label"] for t in themes], [t["size"] for t in themes], seconds)


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


def row(name: str, values: list[dict[str, float]], seconds: str, alone: str = "–") -> str:
    mean = {key: float(np.mean([v[key] for v in values])) for key in values[0]}
    best = max(v["ari"] for v in values)
    spread = f"{mean['ari']:.3f} (max {best:.3f})" if len(values) > 1 else f"{mean['ari']:.3f}"
    return (
        f"| {name} | {spread} | {mean['nmi']:.3f} | {mean['purity']:.3f} "
        f"| {mean['themes']:.0f} | {alone} | {seconds} |"
    )


def _alone(predicted: Sequence[int]) -> str:
    """Share of themes of one suggestion, for a baseline's clusters."""
    sizes = Counter(predicted)
    return f"{sum(1 for s in sizes.values() if s == 1) / len(sizes):.0%} of themes"


def evaluate(view: str, seeds: int, report: Callable[[str], None]) -> None:
    texts, truth = load(view)
    k = len(set(truth))
    run = ours(texts)
    report(f"\n### {len(texts)} labelled messages, {view} ({k} labels)\n")
    report("| method | ARI | NMI | purity | themes | left alone | time |")
    report("|---|---|---|---|---|---|---|")
    alone = f"{run.singleton_share:.0%} of themes; {run.unsorted_share:.1%} in 待归类"
    report(
        row(
            "hsl themes (k not given)",
            [scores(truth, run.predicted)],
            f"{run.seconds:.1f} s (CLI)",
            alone,
        )
    )
    for name, runs in baselines(texts, k, seeds).items():
        report(row(name, [scores(truth, r) for r in runs], f"{len(runs)} seed(s)", _alone(runs[0])))


def evaluate_subsamples(view: str, runs: int, report: Callable[[str], None]) -> None:
    """ARI and NMI over random 80 % subsamples (in process, same code as the command): one
    set's score moves with small changes of wording or method; the mean over subsamples
    is what a choice should rest on."""
    from nlp.themes import Suggestion, cluster_themes

    texts, truth = load(view)
    rng = np.random.default_rng(1)
    values = []
    for _ in range(runs):
        chosen = rng.choice(len(texts), int(0.8 * len(texts)), replace=False)
        rows = [Suggestion(str(i), texts[i]) for i in chosen]
        index = cluster_themes(rows)
        predicted = [index.theme_of(row.id) for row in rows]
        labels = [truth[i] for i in chosen]
        values.append(
            (
                adjusted_rand_score(labels, predicted),
                normalized_mutual_info_score(labels, predicted),
            )
        )
    scores_ = np.asarray(values)
    report(
        f"\n{view}: over {runs} random 80 % subsamples, ARI {scores_[:, 0].mean():.3f} "
        f"± {scores_[:, 0].std():.3f}, NMI {scores_[:, 1].mean():.3f} ± {scores_[:, 1].std():.3f}"
    )


def evaluate_titles(count: int, report: Callable[[str], None]) -> None:
    """The first `count` unlabelled titles: how many themes, how many of one, their names."""
    path = shared_dir() / "data" / "tipdm2020c" / "messages_unlabelled.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()[:count]
    texts = [json.loads(line)["title"].replace("\n", " ") for line in lines if line]
    run = ours(texts)
    report(f"\n### {len(texts)} unlabelled titles (no truth: shape and names only)\n")
    report("| themes | themes of one | in 待归类 | time | largest themes' names |")
    report("|---|---|---|---|---|")
    names = "、".join(
        f"{label} ({size})" for label, size in zip(run.labels[:8], run.sizes[:8], strict=False)
    )
    report(
        f"| {len(run.sizes)} | {run.singleton_share:.0%} | {run.unsorted_share:.1%} "
        f"| {run.seconds:.1f} s | {names} |"
    )


def load_pairs() -> list[tuple[bool, str, str, str]]:
    lines = [
        line.split("\t")
        for line in PAIRS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [(label == "1", kind, a, b) for label, kind, a, b in lines[1:]]


def _precision_recall(same: Sequence[bool], flagged: Sequence[bool]) -> tuple[float, float]:
    hits = sum(1 for s, f in zip(same, flagged, strict=True) if s and f)
    return hits / max(1, sum(flagged)), hits / max(1, sum(same))


def _words_and_pairs(texts: list[str], pairs: list[tuple[int, int]]) -> list[float]:
    """The earlier near-duplicate measure, for comparison: mean cosine of content-word and
    character-pair TF-IDF, no synonyms, no names."""
    tokenizer = default_tokenizer()
    docs = [
        [tokenizer.words(t) for t in texts],
        [
            [t[i : i + 2] for i in range(len(t) - 1)]
            for t in ("".join(c for c in x if c.isalnum()) for x in texts)
        ],
    ]
    sims = np.zeros(len(pairs))
    for doc in docs:
        matrix = TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(doc)
        left = matrix[[a for a, _ in pairs]]
        right = matrix[[b for _, b in pairs]]
        sims += np.asarray(left.multiply(right).sum(axis=1)).ravel()
    return (sims / 2).tolist()


def evaluate_duplicates(report: Callable[[str], None]) -> None:
    """Precision and recall on the labelled pairs, per kind of pair, and the threshold chosen
    by 5-fold cross-validation against the default."""
    labelled = load_pairs()
    texts = [t for _, _, a, b in labelled for t in (a, b)]
    index = [(2 * n, 2 * n + 1) for n in range(len(labelled))]
    same = [p[0] for p in labelled]
    ours_sims = pair_similarities(texts, index)
    report(
        f"\n### Near-duplicates: {len(labelled)} labelled pairs ({sum(same)} the same request)\n"
    )
    report("| method | threshold | precision | recall | F1 |")
    report("|---|---|---|---|---|")
    for name, sims in (
        ("hsl (synonyms, names, char 2-3-grams)", ours_sims),
        ("words + char pairs (before)", _words_and_pairs(texts, index)),
    ):
        for threshold in (0.5, DEFAULT_THRESHOLD, 0.7):
            p, r = _precision_recall(same, [s >= threshold for s in sims])
            f1 = 2 * p * r / max(1e-9, p + r)
            mark = " (default)" if threshold == DEFAULT_THRESHOLD else ""
            report(f"| {name} | {threshold:.2f}{mark} | {p:.3f} | {r:.3f} | {f1:.3f} |")
    kinds = sorted({k for _, k, _, _ in labelled})
    report("\n| kind of pair | pairs | linked at the default threshold |")
    report("|---|---|---|")
    for kind in kinds:
        chosen = [s for (_, k, _, _), s in zip(labelled, ours_sims, strict=True) if k == kind]
        linked = sum(1 for s in chosen if s >= DEFAULT_THRESHOLD)
        report(f"| {kind} | {len(chosen)} | {linked} |")
    # 5-fold cross-validation: the threshold that maximises F1 on four folds, scored on the fifth
    rng = np.random.default_rng(0)
    folds = rng.permutation(len(labelled)) % 5
    grid = np.round(np.arange(0.3, 0.91, 0.05), 2)
    chosen_thresholds, fold_scores = [], []
    for fold in range(5):
        train = [i for i in range(len(labelled)) if folds[i] != fold]
        test = [i for i in range(len(labelled)) if folds[i] == fold]

        def f1(threshold: float, rows: list[int]) -> float:
            p, r = _precision_recall(
                [same[i] for i in rows], [ours_sims[i] >= threshold for i in rows]
            )
            return 2 * p * r / max(1e-9, p + r)

        best = max(grid, key=lambda t: (f1(float(t), train), -abs(float(t) - DEFAULT_THRESHOLD)))
        chosen_thresholds.append(float(best))
        fold_scores.append((f1(float(best), test), f1(DEFAULT_THRESHOLD, test)))
    cv = np.mean([a for a, _ in fold_scores])
    default = np.mean([b for _, b in fold_scores])
    report(
        f"\n5-fold cross-validation: thresholds chosen {chosen_thresholds}; held-out F1 "
        f"{cv:.3f} with them, {default:.3f} with the default {DEFAULT_THRESHOLD}."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, full messages only")
    args = parser.parse_args()
    views = ["full"] if args.quick else ["full", "title"]
    for view in views:
        evaluate(view, 1 if args.quick else 5, print)
        evaluate_subsamples(view, 2 if args.quick else 6, print)
    evaluate_titles(1000, print)
    evaluate_duplicates(print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
