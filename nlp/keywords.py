"""Keywords: which words stand for a text, or for a group of texts against the rest.

Both use TF-IDF weights over the content words of nlp.text; nothing here is fitted to one data set.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import jieba

from nlp.text import Tokenizer, default_tokenizer

__all__ = ["distinctive_words", "document_frequencies", "text_keywords"]


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    """Jieba's IDF table of general Chinese (it ships with the package), and its median for
    words the table lacks."""
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 10.0


def text_keywords(text: str, top: int = 5, tokenizer: Tokenizer | None = None) -> list[str]:
    """The `top` words that characterise one text: frequency in the text times rarity in
    general Chinese. Ties keep the order of first appearance."""
    words = (tokenizer or default_tokenizer()).words(text)
    if not words or top <= 0:
        return []
    idf, median = _general_idf()
    counts = Counter(words)
    first_seen = {w: i for i, w in reversed(list(enumerate(words)))}
    scored = sorted(counts, key=lambda w: (-counts[w] * idf.get(w, median), first_seen[w]))
    return scored[:top]


def document_frequencies(documents: Iterable[Iterable[str]]) -> Counter[str]:
    """In how many documents each word occurs."""
    frequencies: Counter[str] = Counter()
    for words in documents:
        frequencies.update(set(words))
    return frequencies


def distinctive_words(
    group: Sequence[Sequence[str]],
    corpus_frequencies: Mapping[str, int],
    corpus_size: int,
    top: int = 5,
) -> list[str]:
    """Words shared by the documents of a group and rare elsewhere: the share of the group's
    documents using a word, times the word's IDF in the whole corpus. In a group of two or
    more, a word must occur in at least two documents to count as shared."""
    if not group or top <= 0:
        return []
    in_group = document_frequencies(group)
    least = 2 if len(group) > 1 and any(c >= 2 for c in in_group.values()) else 1
    order = {w: i for i, w in reversed(list(enumerate(w for doc in group for w in doc)))}

    def score(word: str) -> float:
        share = in_group[word] / len(group)
        rarity = math.log((1 + corpus_size) / (1 + corpus_frequencies.get(word, 0))) + 1.0
        return share * rarity

    candidates = [w for w, c in in_group.items() if c >= least]
    candidates.sort(key=lambda w: (-score(w), order[w]))
    return candidates[:top]
