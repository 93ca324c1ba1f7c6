"""Suggestion themes: cluster suggestions without being told how many, label and rank them,
place new suggestions as they arrive, and keep staff's merges, splits, moves and renames.

Theory of operation: a suggestion becomes a TF-IDF vector of its content words (nlp.text);
each links to the few suggestions most like it (a cosine k-nearest-neighbour graph); a theme is
a group more densely linked inside than chance would give (modularity), found by Louvain
(Blondel et al., 2008), which moves one node at a time to the neighbouring group it gains most
from, folds groups into nodes and repeats. The number of themes thus follows from the data.
Staff edits are input data (`StaffEdits`): a suggestion pinned to a theme key is folded with
the others pinned there into one node before clustering, and two nodes of different keys never
share a community ("locks"), so merges, splits and moves survive re-clustering.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from nlp.keywords import distinctive_words, document_frequencies
from nlp.text import Tokenizer, default_tokenizer, normalize
from nlp.theme_names import theme_phrase

__all__ = [
    "EMPTY_THEME_KEY",
    "UNSORTED_THEME_KEY",
    "Assignment",
    "StaffEdits",
    "Suggestion",
    "Theme",
    "ThemeIndex",
    "analyse",
    "cluster_themes",
    "knn_graph",
    "louvain",
    "merge",
    "move",
    "rename",
    "split",
]

EMPTY_THEME_KEY = "empty"
EMPTY_THEME_LABEL = "（无可识别的文字内容）"
# suggestions that clustering left alone, each in a community of its own, are gathered here
UNSORTED_THEME_KEY = "unsorted"
UNSORTED_THEME_LABEL = "待归类"
_GATHERED_KEYS = (UNSORTED_THEME_KEY, EMPTY_THEME_KEY)  # listed last, never joined by arrivals
_MAX_ANALYSED_CHARS = 2000  # a longer suggestion is judged by its opening; it stays whole
_LABEL_EXCERPT_CHARS = 24
_BLOCK_ROWS = 512  # rows of a similarity product held densely at once (512 x n floats)


def knn_graph(vectors: sp.csr_matrix, neighbours: int, floor: float = 0.0) -> sp.csr_matrix:
    """Symmetric graph linking each row of L2-normalised `vectors` to its `neighbours` most
    cosine-similar rows (similarity above `floor`), weighted by that similarity."""
    n = vectors.shape[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    k = min(neighbours, n - 1)
    if k <= 0:
        return sp.csr_matrix((n, n), dtype=np.float64)
    transposed = vectors.T.tocsc()
    for start in range(0, n, _BLOCK_ROWS):
        block = (vectors[start : start + _BLOCK_ROWS] @ transposed).toarray()
        block_rows = np.arange(block.shape[0])
        block[block_rows, start + block_rows] = -1.0  # a text is not its own neighbour
        nearest = np.argpartition(-block, k - 1, axis=1)[:, :k]
        sims = np.take_along_axis(block, nearest, axis=1)
        keep = sims > floor
        rows.append(np.repeat(start + block_rows, k)[keep.ravel()])
        cols.append(nearest.ravel()[keep.ravel()])
        weights.append(sims.ravel()[keep.ravel()])
    directed = sp.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    return directed.maximum(directed.T).tocsr()


def _local_moving(
    graph: sp.csr_matrix, locks: Sequence[int], resolution: float
) -> tuple[list[int], bool]:
    """One Louvain level: move nodes between communities until no move gains modularity.
    Returns each node's community and whether anything moved."""
    n = graph.shape[0]
    indptr: list[int] = graph.indptr.tolist()
    indices: list[int] = graph.indices.tolist()
    data: list[float] = graph.data.tolist()
    degree: list[float] = np.asarray(graph.sum(axis=1)).ravel().tolist()
    two_m = float(sum(degree))
    community = list(range(n))
    if two_m <= 0.0:
        return community, False
    total = list(degree)
    community_lock = list(locks)
    scale = resolution / two_m
    any_move = False
    for _sweep in range(50):  # a safety bound; a sweep without moves ends it far sooner
        moved = 0
        for i in range(n):
            own = community[i]
            k_i = degree[i]
            links: dict[int, float] = {}
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                if j != i:
                    c = community[j]
                    links[c] = links.get(c, 0.0) + data[p]
            total[own] -= k_i
            lock = locks[i]
            if lock >= 0:
                community_lock[own] = -1
            best = own
            best_gain = links.get(own, 0.0) - total[own] * k_i * scale
            for c, weight in links.items():
                if lock >= 0 and community_lock[c] >= 0:
                    continue  # a community holds at most one staff-fixed theme
                gain = weight - total[c] * k_i * scale
                if gain > best_gain + 1e-12:
                    best, best_gain = c, gain
            total[best] += k_i
            community[i] = best
            if lock >= 0:
                community_lock[best] = lock
            if best != own:
                moved += 1
        if moved == 0:
            break
        any_move = True
    return community, any_move


def louvain(
    graph: sp.csr_matrix, locks: Sequence[int] | None = None, resolution: float = 1.0
) -> np.ndarray:
    """Community of each node of a symmetric weighted graph, numbered from 0.

    `locks[i]` >= 0 marks a node fixed to a staff theme; nodes with different locks always end
    in different communities (give nodes of one staff theme the same lock only after folding
    them into one node, as nlp.themes does). Deterministic for a given graph."""
    n = graph.shape[0]
    membership = np.arange(n)
    current = sp.csr_matrix(graph, dtype=np.float64)
    current_locks = list(locks) if locks is not None else [-1] * n
    while True:
        community, moved = _local_moving(current, current_locks, resolution)
        if not moved:
            break
        labels, dense = np.unique(np.asarray(community), return_inverse=True)
        membership = dense[membership]
        fold = sp.csr_matrix(
            (np.ones(len(dense)), (np.arange(len(dense)), dense)), shape=(len(dense), len(labels))
        )
        current = (fold.T @ current @ fold).tocsr()
        folded_locks = [-1] * len(labels)
        for node, lock in enumerate(current_locks):
            if lock >= 0:
                folded_locks[int(dense[node])] = lock
        current_locks = folded_locks
        if len(labels) == len(dense):
            break
    _, numbered = np.unique(membership, return_inverse=True)
    return np.asarray(numbered)


@dataclass(frozen=True)
class Suggestion:
    """One written suggestion; `id` is the caller's, unique within a set."""

    id: str
    text: str


@dataclass(frozen=True)
class StaffEdits:
    """What staff decided, as data: `pins` puts a suggestion (by id) in a theme (by key);
    `names` gives a theme key the label staff chose. Merges, splits and moves are all pins
    (see `merge`, `split`, `move`), so re-clustering with the same edits keeps them."""

    pins: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Theme:
    """A group of suggestions that say the same thing, most central member first."""

    key: str
    label: str
    keywords: list[str]
    members: list[str]
    centrality: list[float]  # each member's cosine similarity to the theme's centroid
    representative: str  # the most central member's text, normalised

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Assignment:
    """Where a newly arrived suggestion went, and how close it is to that theme's centre."""

    theme_key: str
    similarity: float
    new_theme: bool


def neighbour_count(n: int) -> int:
    """Neighbours per suggestion in the similarity graph: enough to connect a theme, few
    enough that unrelated suggestions stay apart; grows slowly with the set."""
    return max(3, min(15, round(math.sqrt(n) / 2)))


def _excerpt(text: str, limit: int) -> str:
    first = text.replace("\n", " ")
    for mark in "。！？；，,.!?;":
        first = first.split(mark)[0] or first
    return first if len(first) <= limit else first[: limit - 1] + "…"


class WordWeights:
    """TF-IDF weights fitted on a set of suggestions: (1 + log tf) x smoothed IDF, over the
    words found in at least `min_df` suggestions. A word outside that vocabulary still counts
    towards a vector's length (at the highest IDF), so a suggestion sharing one common word
    and saying ten new things is not mistaken for a close match."""

    def __init__(self, documents: Sequence[list[str]], min_df: int) -> None:
        frequencies = Counter(w for words in documents for w in set(words))
        n = len(documents)
        kept = sorted(w for w, c in frequencies.items() if c >= min_df)
        self.vocabulary: dict[str, int] = {w: i for i, w in enumerate(kept)}
        self.idf = np.array([math.log((1 + n) / (1 + frequencies[w])) + 1.0 for w in kept])
        self.unknown_idf = math.log(1 + n) + 1.0

    def vectors(self, documents: Sequence[list[str]]) -> sp.csr_matrix:
        """One L2-length-normalised row per document (a zero row for no words)."""
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for words in documents:
            unknown = 0.0
            row: list[tuple[int, float]] = []
            for word, count in Counter(words).items():
                weight = 1.0 + math.log(count)
                column = self.vocabulary.get(word)
                if column is None:
                    unknown += (weight * self.unknown_idf) ** 2
                else:
                    row.append((column, weight * float(self.idf[column])))
            length = math.sqrt(sum(v * v for _, v in row) + unknown)
            row.sort()
            indices += [c for c, _ in row]
            values += [v / length for _, v in row]
            indptr.append(len(indices))
        return sp.csr_matrix(
            (values, indices, indptr), shape=(len(documents), len(self.vocabulary))
        )


class ThemeIndex:
    """Suggestions placed in themes, ready to take new ones as they arrive (`assign`) and
    staff edits (`apply`). Built by `cluster_themes`; holds no I/O and no clock."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        weights: WordWeights | None,
        join_threshold: float,
    ) -> None:
        self._tokenizer = tokenizer
        self._weights = weights
        self.join_threshold = join_threshold
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._words: list[list[str]] = []
        self._row_of: dict[str, int] = {}
        self._base = sp.csr_matrix((0, self._dimensions()), dtype=np.float64)
        self._extra: list[sp.csr_matrix] = []
        self._row_theme: list[int] = []
        self._theme_keys: list[str] = []
        self._theme_of_key: dict[str, int] = {}
        self._norm2: list[float] = []  # squared length of each theme's sum of member vectors
        self._sizes: list[int] = []
        self._names: dict[str, str] = {}
        self._pins: dict[str, str] = {}

    def _dimensions(self) -> int:
        return 0 if self._weights is None else len(self._weights.vocabulary)

    # -- building -------------------------------------------------------------------------

    def _load(
        self,
        suggestions: Sequence[Suggestion],
        words: list[list[str]],
        vectors: sp.csr_matrix,
        keys: Sequence[str],
        edits: StaffEdits,
    ) -> None:
        self._ids = [s.id for s in suggestions]
        self._texts = [s.text for s in suggestions]
        self._words = words
        self._row_of = {sid: row for row, sid in enumerate(self._ids)}
        self._base = vectors
        for key in keys:
            self._theme_index(key)
        self._row_theme = [self._theme_of_key[key] for key in keys]
        self._pins = dict(edits.pins)
        self._names = dict(edits.names)
        self._recompute_norms()

    def _theme_index(self, key: str) -> int:
        index = self._theme_of_key.get(key)
        if index is None:
            index = len(self._theme_keys)
            self._theme_keys.append(key)
            self._theme_of_key[key] = index
            self._norm2.append(0.0)
            self._sizes.append(0)
        return index

    def _matrix(self) -> sp.csr_matrix:
        if self._extra:
            # folding arrivals into one matrix keeps each product a single sparse multiply
            self._base = sp.vstack([self._base, *self._extra], format="csr")
            self._extra = []
        return self._base

    def _theme_sums(self) -> sp.csr_matrix:
        matrix = self._matrix()
        n = matrix.shape[0]
        fold = sp.csr_matrix(
            (np.ones(n), (np.asarray(self._row_theme, dtype=np.int64), np.arange(n))),
            shape=(len(self._theme_keys), n),
        )
        return (fold @ matrix).tocsr()

    def _recompute_norms(self) -> None:
        sums = self._theme_sums()
        self._norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel().tolist()
        self._sizes = np.bincount(
            np.asarray(self._row_theme, dtype=np.int64), minlength=len(self._theme_keys)
        ).tolist()

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def theme_of(self, suggestion_id: str) -> str:
        """The key of the theme a suggestion is in."""
        return self._theme_keys[self._row_theme[self._row_of[suggestion_id]]]

    def themes(self) -> list[Theme]:
        """The themes, largest first; then 待归类 (suggestions like no other) and the theme of
        empty suggestions last."""
        matrix = self._matrix()
        sums = self._theme_sums()
        norms = np.sqrt(np.asarray(self._norm2, dtype=np.float64))
        own = sums[np.asarray(self._row_theme, dtype=np.int64)]
        dots = np.asarray(matrix.multiply(own).sum(axis=1)).ravel()
        theme_norm = norms[np.asarray(self._row_theme, dtype=np.int64)]
        centrality = np.divide(dots, theme_norm, out=np.zeros_like(dots), where=theme_norm > 0)
        rows_by_theme: dict[int, list[int]] = {}
        for row, theme in enumerate(self._row_theme):
            rows_by_theme.setdefault(theme, []).append(row)
        frequencies = document_frequencies(self._words)
        result = []
        for theme, rows in rows_by_theme.items():
            rows.sort(key=lambda r: (-centrality[r], r))
            result.append(self._describe(theme, rows, centrality, frequencies))
        result.sort(
            key=lambda t: (
                _GATHERED_KEYS.index(t.key) if t.key in _GATHERED_KEYS else -1,
                -t.size,
                t.key,
            )
        )
        return result

    def _describe(
        self,
        theme: int,
        rows: list[int],
        centrality: np.ndarray,
        frequencies: Mapping[str, int],
    ) -> Theme:
        key = self._theme_keys[theme]
        representative = normalize(self._texts[rows[0]][:_MAX_ANALYSED_CHARS])
        keywords = distinctive_words(
            [self._words[r] for r in rows], frequencies, len(self._ids), top=5
        )
        if key in self._names:
            label = self._names[key]
        elif key == EMPTY_THEME_KEY:
            label = EMPTY_THEME_LABEL
        elif key == UNSORTED_THEME_KEY:
            label = UNSORTED_THEME_LABEL
        else:
            label = self._phrase(rows, frequencies) or _excerpt(
                representative, _LABEL_EXCERPT_CHARS
            )
        return Theme(
            key=key,
            label=label,
            keywords=keywords,
            members=[self._ids[r] for r in rows],
            centrality=[round(float(centrality[r]), 4) for r in rows],
            representative=representative,
        )

    def _phrase(self, rows: list[int], frequencies: Mapping[str, int]) -> str | None:
        """A noun phrase from the members' texts naming the theme (nlp.theme_names)."""
        in_theme = document_frequencies(self._words[r] for r in rows)
        total = len(self._ids)
        weights = {
            word: count / len(rows) * (math.log((1 + total) / (1 + frequencies[word])) + 1.0)
            for word, count in in_theme.items()
        }
        texts = [self._texts[r][:_MAX_ANALYSED_CHARS] for r in rows]
        return theme_phrase(texts, weights, self._tokenizer)

    # -- live changes ---------------------------------------------------------------------

    def _vector(self, words: list[str]) -> sp.csr_matrix:
        if self._weights is None or not words:
            return sp.csr_matrix((1, self._dimensions()), dtype=np.float64)
        return self._weights.vectors([words])

    def assign(self, suggestion: Suggestion) -> Assignment:
        """Place a new suggestion at once: in the theme whose centre it is closest to when
        close enough (`join_threshold`), else in a theme of its own. A pin wins."""
        if suggestion.id in self._row_of:
            raise ValueError(f"suggestion id {suggestion.id!r} is already placed")
        words = self._tokenizer.subject_words(suggestion.text[:_MAX_ANALYSED_CHARS])
        vector = self._vector(words)
        dots = self._theme_dots(vector)
        similarity = dots / np.sqrt(np.maximum(np.asarray(self._norm2), 1e-12))
        for gathered in _GATHERED_KEYS:  # a newcomer joins a theme, not the left-overs
            if gathered in self._theme_of_key:
                similarity[self._theme_of_key[gathered]] = -1.0
        pinned = self._pins.get(suggestion.id)
        if pinned is not None:
            key = pinned
        elif not words:
            key = EMPTY_THEME_KEY
        elif len(similarity) and vector.nnz and float(similarity.max()) >= self.join_threshold:
            key = self._theme_keys[int(similarity.argmax())]
        else:
            key = self._fresh_key(suggestion.id)
        new_theme = key not in self._theme_of_key or not self._theme_has_members(key)
        theme = self._theme_index(key)
        self._append(
            suggestion, words, vector, theme, float(dots[theme]) if len(dots) > theme else 0.0
        )
        closeness = float(similarity[theme]) if theme < len(similarity) else 1.0
        return Assignment(theme_key=key, similarity=round(closeness, 4), new_theme=new_theme)

    def _theme_has_members(self, key: str) -> bool:
        return self._sizes[self._theme_of_key[key]] > 0

    def _fresh_key(self, suggestion_id: str) -> str:
        key = f"t-{suggestion_id}"
        while key in self._theme_of_key:
            key += "+"
        return key

    def _theme_dots(self, vector: sp.csr_matrix) -> np.ndarray:
        """Dot product of `vector` with every theme's sum of member vectors."""
        if not self._ids or vector.nnz == 0:
            return np.zeros(len(self._theme_keys))
        per_row = np.asarray(self._matrix() @ vector.T.toarray()).ravel()
        return np.bincount(
            np.asarray(self._row_theme, dtype=np.int64),
            weights=per_row,
            minlength=len(self._theme_keys),
        )

    def _append(
        self,
        suggestion: Suggestion,
        words: list[str],
        vector: sp.csr_matrix,
        theme: int,
        dot: float,
    ) -> None:
        self._row_of[suggestion.id] = len(self._ids)
        self._ids.append(suggestion.id)
        self._texts.append(suggestion.text)
        self._words.append(words)
        self._extra.append(vector)
        self._row_theme.append(theme)
        self._sizes[theme] += 1
        # |S + x|^2 = |S|^2 + 2 S.x + |x|^2, so the centre moves without a recount
        self._norm2[theme] += 2.0 * dot + float(vector.multiply(vector).sum())

    def apply(self, edits: StaffEdits) -> None:
        """Take staff's current edits: every pinned suggestion moves to its theme, names
        replace labels. Themes left empty disappear from `themes()`."""
        self._pins = dict(edits.pins)
        self._names = dict(edits.names)
        for suggestion_id, key in self._pins.items():
            row = self._row_of.get(suggestion_id)
            if row is not None:
                self._row_theme[row] = self._theme_index(key)
        self._recompute_norms()


def _fold_pins(
    ids: Sequence[str], rows: Sequence[int], pins: Mapping[str, str]
) -> tuple[np.ndarray, list[int], list[str]]:
    """Map each analysed row to a graph node: rows pinned to one key share a node. Returns
    the node of each row, each node's lock (-1 when free) and the locked keys in lock order."""
    node_of_key: dict[str, int] = {}
    nodes = np.empty(len(rows), dtype=np.int64)
    locks: list[int] = []
    keys: list[str] = []
    for position, row in enumerate(rows):
        key = pins.get(ids[row])
        if key is None:
            nodes[position] = len(locks)
            locks.append(-1)
        else:
            if key not in node_of_key:
                node_of_key[key] = len(locks)
                locks.append(len(keys))
                keys.append(key)
            nodes[position] = node_of_key[key]
    return nodes, locks, keys


def _join_threshold(vectors: sp.csr_matrix, membership: np.ndarray) -> float:
    """How close to a theme's centre a newcomer must be to join it: the 10th percentile of
    members' similarity to their own theme's centre without themselves (leave-one-out, so
    small themes are not flattered), floored so that a stray shared word is not enough."""
    n = vectors.shape[0]
    fold = sp.csr_matrix((np.ones(n), (membership, np.arange(n))))
    sums = (fold @ vectors).tocsr()
    sizes = np.bincount(membership)
    own = sums[membership]
    dots = np.asarray(vectors.multiply(own).sum(axis=1)).ravel()  # x . S
    norm2 = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()[membership]
    self_norm2 = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()
    rest = np.sqrt(np.maximum(norm2 - 2 * dots + self_norm2, 0.0))  # |S - x|
    shared = sizes[membership] > 1
    loo = np.divide(dots - self_norm2, rest, out=np.zeros(n), where=(rest > 0) & shared)
    if not shared.any():
        return 0.2
    return max(0.1, float(np.percentile(loo[shared], 10)))


def cluster_themes(
    suggestions: Sequence[Suggestion],
    edits: StaffEdits | None = None,
    tokenizer: Tokenizer | None = None,
    progress: Callable[[int], None] | None = None,
    words: Sequence[list[str]] | None = None,
) -> ThemeIndex:
    """Cluster suggestions into themes, choosing their number from the data. Suggestions
    with no content words (emoji, numbers, punctuation) share one theme, `EMPTY_THEME_KEY`.
    `progress`, when given, is called with the number of suggestions read so far; `words`,
    when the caller has them already, are each suggestion's `Tokenizer.words`."""
    edits = edits or StaffEdits()
    tokenizer = tokenizer or default_tokenizer()
    ids = [s.id for s in suggestions]
    if len(set(ids)) != len(ids):
        raise ValueError("suggestion ids must be unique")
    if words is None:
        words = analyse(suggestions, tokenizer, progress)
    elif len(words) != len(suggestions):
        raise ValueError("words must have one entry per suggestion")
    words = [list(w) for w in words]
    analysed = [row for row, w in enumerate(words) if w]
    weights: WordWeights | None = None
    vectors = sp.csr_matrix((len(suggestions), 0), dtype=np.float64)
    if analysed:
        # a word in one suggestion only links it to nothing; beyond a handful it is dropped
        weights = WordWeights([words[r] for r in analysed], 2 if len(analysed) >= 50 else 1)
        vectors = weights.vectors(words)
    keys = _cluster_keys(suggestions, analysed, vectors, edits)
    index = ThemeIndex(tokenizer, weights, 0.2)
    index._load(suggestions, words, vectors, keys, edits)
    themed = [r for r in analysed if keys[r] != UNSORTED_THEME_KEY]
    if themed:
        themed_themes = np.unique([index._row_theme[r] for r in themed], return_inverse=True)[1]
        index.join_threshold = _join_threshold(vectors[themed], themed_themes)
    return index


def analyse(
    suggestions: Sequence[Suggestion],
    tokenizer: Tokenizer | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[list[str]]:
    """The subject words of each suggestion as clustering sees them (a long one is judged by
    its opening); `progress` is called every 200 suggestions and at the end."""
    tokenizer = tokenizer or default_tokenizer()
    result = []
    for done, suggestion in enumerate(suggestions, start=1):
        result.append(tokenizer.subject_words(suggestion.text[:_MAX_ANALYSED_CHARS]))
        if progress is not None and (done % 200 == 0 or done == len(suggestions)):
            progress(done)
    return result


def _cluster_keys(
    suggestions: Sequence[Suggestion],
    analysed: list[int],
    vectors: sp.csr_matrix,
    edits: StaffEdits,
) -> list[str]:
    """The theme key of every suggestion."""
    ids = [s.id for s in suggestions]
    keys = [edits.pins.get(sid, EMPTY_THEME_KEY) for sid in ids]
    if not analysed:
        return keys
    own = vectors[analysed]
    graph = knn_graph(own, neighbour_count(len(analysed)))
    nodes, locks, locked_keys = _fold_pins(ids, analysed, edits.pins)
    fold = sp.csr_matrix(
        (np.ones(len(analysed)), (np.arange(len(analysed)), nodes)),
        shape=(len(analysed), len(locks)),
    )
    communities = louvain((fold.T @ graph @ fold).tocsr(), locks)[nodes]
    # a community named by the staff theme inside it, else by its most central member
    fold_c = sp.csr_matrix((np.ones(len(analysed)), (communities, np.arange(len(analysed)))))
    sums = (fold_c @ own).tocsr()
    centrality = np.asarray(own.multiply(sums[communities]).sum(axis=1)).ravel()
    name: dict[int, str] = {}
    for position, node in enumerate(nodes.tolist()):
        if locks[node] >= 0:
            name[int(communities[position])] = locked_keys[locks[node]]
    taken = set(edits.pins.values())
    best: dict[int, int] = {}
    for position, community in enumerate(communities.tolist()):
        current = best.get(community)
        if current is None or centrality[position] > centrality[current]:
            best[community] = position
    for community, position in sorted(best.items()):
        if community not in name:
            key = f"t-{ids[analysed[position]]}"
            while key in taken:
                key += "+"
            taken.add(key)
            name[community] = key
    # a free suggestion alone in its community is like no other: gathered as 待归类
    sizes = np.bincount(communities)
    for position, row in enumerate(analysed):
        community = int(communities[position])
        alone = sizes[community] == 1 and locks[int(nodes[position])] < 0
        keys[row] = UNSORTED_THEME_KEY if alone else name[community]
    return keys


# -- staff edits as data ----------------------------------------------------------------


def move(
    edits: StaffEdits, themes: Iterable[Theme], suggestion_id: str, theme_key: str
) -> StaffEdits:
    """Staff moved one suggestion to a theme (an existing key, or a new one). The target
    theme's members are pinned too, so the theme they chose keeps its identity."""
    pins = dict(edits.pins)
    for theme in themes:
        if theme.key == theme_key:
            pins.update(dict.fromkeys(theme.members, theme_key))
    pins[suggestion_id] = theme_key
    return StaffEdits(pins=pins, names=dict(edits.names))


def merge(
    edits: StaffEdits, themes: Iterable[Theme], keys: Sequence[str], into: str | None = None
) -> StaffEdits:
    """Staff merged the themes `keys` into one, keyed `into` (default: the first key)."""
    target = into or keys[0]
    pins = dict(edits.pins)
    for theme in themes:
        if theme.key in keys:
            pins.update(dict.fromkeys(theme.members, target))
    names = {k: v for k, v in edits.names.items() if k not in keys or k == target}
    return StaffEdits(pins=pins, names=names)


def split(edits: StaffEdits, theme: Theme, parts: Sequence[Iterable[str]]) -> StaffEdits:
    """Staff split a theme: each of `parts` (member ids) becomes a theme keyed
    "<key>.1", "<key>.2", ...; the members left over stay under the old key."""
    pins = dict(edits.pins)
    pins.update(dict.fromkeys(theme.members, theme.key))
    for number, part in enumerate(parts, start=1):
        pins.update(dict.fromkeys(part, f"{theme.key}.{number}"))
    return StaffEdits(pins=pins, names=dict(edits.names))


def rename(edits: StaffEdits, theme: Theme, label: str) -> StaffEdits:
    """Staff gave a theme its own label; it replaces the generated one from now on, and the
    theme's members are pinned so that the name stays with them."""
    pins = {**edits.pins, **dict.fromkeys(theme.members, theme.key)}
    return StaffEdits(pins=pins, names={**edits.names, theme.key: label.strip()})
