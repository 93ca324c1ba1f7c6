"""Near-duplicate suggestions: those that say the same thing, word for word or reworded,
grouped, each with its similarity to the group's most typical member.

Similarity is the mean of two cosines over TF-IDF vectors fitted on the set itself: one of
content words (rewording with the same key terms) and one of character pairs (robust to
segmentation and to small edits such as 设置/设立).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.text import Tokenizer, default_tokenizer, normalize

__all__ = ["DEFAULT_THRESHOLD", "DuplicateGroup", "find_duplicates", "text_similarity"]

DEFAULT_THRESHOLD = 0.6
_MAX_ANALYSED_CHARS = 2000
_BLOCK_ROWS = 512  # rows of the similarity product held densely at once


@dataclass(frozen=True)
class DuplicateGroup:
    """Suggestions (indices into the input) that say the same thing; `members[0]` is the
    most typical, and `similarity[i]` is member i's similarity to it (1.0 for itself)."""

    members: list[int]
    similarity: list[float]


def _char_pairs(text: str) -> list[str]:
    letters = "".join(ch for ch in text if ch.isalnum())
    if len(letters) == 1:
        return [letters]
    return [letters[i : i + 2] for i in range(len(letters) - 1)]


def _identity(items: list[str]) -> list[str]:
    return items


def _vectors(
    texts: Sequence[str], tokenizer: Tokenizer, words: Sequence[list[str]] | None = None
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """L2-normalised word and character-pair TF-IDF rows; an empty text gives a zero row."""
    normalised = [normalize(t[:_MAX_ANALYSED_CHARS]) for t in texts]
    if words is None:
        words = [tokenizer.subject_words(t) for t in normalised]
    pairs = [_char_pairs(t) for t in normalised]
    result = []
    for docs in (words, pairs):
        if any(docs):
            vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
            result.append(sp.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float64))
        else:
            result.append(sp.csr_matrix((len(texts), 1), dtype=np.float64))
    return result[0], result[1]


def _similar_pairs(
    word_vectors: sp.csr_matrix, pair_vectors: sp.csr_matrix, threshold: float
) -> list[tuple[int, int, float]]:
    """Every (i, j, similarity) with i < j and similarity >= threshold, by row blocks so that
    10,000 texts never need the whole n x n matrix at once."""
    n = word_vectors.shape[0]
    found: list[tuple[int, int, float]] = []
    word_t = word_vectors.T.tocsc()
    pair_t = pair_vectors.T.tocsc()
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(n, start + _BLOCK_ROWS)
        block = (word_vectors[start:stop] @ word_t).toarray()
        block += (pair_vectors[start:stop] @ pair_t).toarray()
        block /= 2.0
        local, other = np.nonzero(block >= threshold)
        for i, j in zip(local.tolist(), other.tolist(), strict=True):
            if start + i < j:
                found.append((start + i, j, min(1.0, float(block[i, j]))))
    return found


def text_similarity(first: str, second: str, tokenizer: Tokenizer | None = None) -> float:
    """Similarity of two texts between 0 and 1, on the scale `find_duplicates` uses
    (IDF from the two texts alone, so it is a rough guide outside a set)."""
    word_vectors, pair_vectors = _vectors([first, second], tokenizer or default_tokenizer())
    words = float((word_vectors[0] @ word_vectors[1].T).toarray()[0, 0])
    pairs = float((pair_vectors[0] @ pair_vectors[1].T).toarray()[0, 0])
    return round(min(1.0, (words + pairs) / 2.0), 4)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_duplicates(
    texts: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    tokenizer: Tokenizer | None = None,
    words: Sequence[list[str]] | None = None,
) -> list[DuplicateGroup]:
    """Groups of two or more texts that say the same thing: linked when their similarity is
    at least `threshold`, grouped through chains of such links. Largest groups first.
    `words`, when the caller has them already, are the texts' content words (Tokenizer.words)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    if len(texts) < 2:
        return []
    word_vectors, pair_vectors = _vectors(texts, tokenizer or default_tokenizer(), words)
    pairs = _similar_pairs(word_vectors, pair_vectors, threshold)
    parent = list(range(len(texts)))
    for i, j, _ in pairs:
        parent[_find(parent, i)] = _find(parent, j)
    groups: dict[int, list[int]] = {_find(parent, i): [] for i, _, _ in pairs}
    for i in range(len(texts)):
        root = _find(parent, i)
        if root in groups:
            groups[root].append(i)
    linked = {(i, j): s for i, j, s in pairs}
    strength = [0.0] * len(texts)
    for i, j, s in pairs:
        strength[i] += s
        strength[j] += s
    centres = {
        root: max(members, key=lambda m: (strength[m], -m)) for root, members in groups.items()
    }
    # similarity of every member to its group's centre: known for linked pairs, the rest at once
    unknown = [
        (m, centres[root])
        for root, members in groups.items()
        for m in members
        if m != centres[root] and (min(m, centres[root]), max(m, centres[root])) not in linked
    ]
    if unknown:
        left = [a for a, _ in unknown]
        right = [b for _, b in unknown]
        words_dot = np.asarray(word_vectors[left].multiply(word_vectors[right]).sum(axis=1))
        pairs_dot = np.asarray(pair_vectors[left].multiply(pair_vectors[right]).sum(axis=1))
        for (a, b), value in zip(unknown, ((words_dot + pairs_dot) / 2.0).ravel(), strict=True):
            linked[(min(a, b), max(a, b))] = float(value)
    result = []
    for root, members in groups.items():
        centre = centres[root]
        to_centre = {
            m: 1.0 if m == centre else linked[(min(m, centre), max(m, centre))] for m in members
        }
        order = sorted(members, key=lambda m: (m != centre, -to_centre[m], m))
        result.append(
            DuplicateGroup(
                members=order, similarity=[round(min(1.0, to_centre[m]), 4) for m in order]
            )
        )
    result.sort(key=lambda g: (-len(g.members), g.members[0]))
    return result
