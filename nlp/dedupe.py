"""Near-duplicate suggestions: those that say the same thing, word for word or reworded,
grouped, each with its similarity to the group's most typical member.

Theory of operation: every phrase of a group in the synonym table (`nlp/data/synonyms.txt`)
is first replaced by the group's first phrase, so "车位不够" and "停车难" read alike. The
similarity of two texts is then the mean of two cosines over TF-IDF vectors fitted on the set
itself: one of subject words (`Tokenizer.subject_words`: rewording with the same key terms,
generic government words left out) and one of character pairs and triples (robust to
segmentation and to small edits such as 设置/设立; generic words left out too). Last, a pair
that names different places, people or numbers (东湖村 / 西湖村, 2000元 / 5000元: each text has
one the other lacks) is about different things, however alike the wording: its similarity is
halved. That is read from where the two texts differ (`naming_difference`), only for the
pairs close enough to matter: a change followed by a place word (村, 镇, 路, 小区 …), one
opening with a common surname on both sides, or digits and numerals on both sides.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.text import Tokenizer, default_tokenizer, generic_words, is_cjk, normalize

__all__ = [
    "DEFAULT_THRESHOLD",
    "DuplicateGroup",
    "canonical",
    "find_duplicates",
    "naming_difference",
    "pair_similarities",
    "text_similarity",
]

DEFAULT_THRESHOLD = 0.6
CONFLICT_FACTOR = 0.5  # a pair naming different places, people or numbers
_MAX_ANALYSED_CHARS = 2000
_BLOCK_ROWS = 512  # rows of the similarity product held densely at once
_CHAR_GRAMS = (2, 3)


@dataclass(frozen=True)
class DuplicateGroup:
    """Suggestions (indices into the input) that say the same thing; `members[0]` is the
    most typical, and `similarity[i]` is member i's similarity to it (1.0 for itself)."""

    members: list[int]
    similarity: list[float]


# -- the synonym table ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _synonyms() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    raw = (resources.files("nlp") / "data" / "synonyms.txt").read_text(encoding="utf-8")
    first_of: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrases = [normalize(p).lower() for p in line.split()]
        for phrase in phrases:
            if len(phrase) >= 2:
                first_of.setdefault(phrase, phrases[0])
    if not first_of:
        return None, first_of
    ordered = sorted(first_of, key=lambda p: (-len(p), p))  # the longest phrase wins
    return re.compile("|".join(re.escape(p) for p in ordered)), first_of


@lru_cache(maxsize=4096)  # a text is compared with each of its close neighbours
def canonical(text: str) -> str:
    """The normalised text with every phrase of the synonym table replaced by the first of
    its group (车位不够 → 停车难)."""
    pattern, first_of = _synonyms()
    text = normalize(text).lower()
    if pattern is None:
        return text
    return pattern.sub(lambda m: first_of[m.group()], text)


@lru_cache(maxsize=1)
def _generic_pattern() -> re.Pattern[str]:
    words = sorted((w for w in generic_words() if len(w) >= 2), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in words) or "(?!)")


def _char_grams(text: str) -> list[str]:
    """Character pairs and triples of the letters and digits, within runs that no generic
    word or punctuation interrupts."""
    grams: list[str] = []
    for run in re.split(r"[^\w]+", _generic_pattern().sub(" ", text)):
        run = "".join(ch for ch in run if ch.isalnum())
        if len(run) == 1:
            grams.append(run)
        for n in _CHAR_GRAMS:
            grams += [run[i : i + n] for i in range(len(run) - n + 1)]
    return grams


# -- places, people and numbers -------------------------------------------------------------

# Where two alike texts differ, the change names another place when a place word follows it
# (东|湖村, 青年|路, 城东|派出所), another person when both sides open with a common surname
# (张|明亮, 王海燕|林美玲), another number when both sides hold digits or numerals.
_PLACE_WORDS = (
    "村", "镇", "乡", "县", "区", "市", "省", "路", "街", "巷", "组", "庄", "湾", "港", "河",
    "湖", "园", "苑", "楼", "栋", "幢", "社区", "小区", "街道", "大道", "公园", "中学", "小学",
    "医院", "卫生院", "派出所", "花园", "新村", "广场", "单元",
)  # fmt: skip
_PLACE_CHARS = frozenset(w for w in _PLACE_WORDS if len(w) == 1)
# the most common Chinese surnames (about 85 % of people), one character each
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
_NUMERALS = frozenset("0123456789零〇一二两三四五六七八九十百千万亿")
_MAX_NAME_CHANGE = 6  # characters; a longer change is rewording, not another name
_NAMING_CHARS = 500  # texts are compared for names by their opening (the diff is quadratic)


_NOT_NAME_TAGS = ("v", "d", "p", "r", "c", "u", "y", "e", "x")


def _may_be_name(span: str, tokenizer: Tokenizer) -> bool:
    """Whether a changed span may be (part of) a name: not only verbs, adverbs, pronouns,
    particles or stop words (增加 / 延长 are rewording); a word in no dictionary (`un`) may."""
    tokens = tokenizer.cut(span)
    return any(
        (tag == "un" or not tag.startswith(_NOT_NAME_TAGS)) and token not in tokenizer.stopwords
        for token, tag in zip(tokens, tokenizer.tags(tokens), strict=True)
    )


def _not_only_stop_words(span: str, tokenizer: Tokenizer) -> bool:
    return any(t not in tokenizer.stopwords for t in tokenizer.cut(span) if is_cjk(t[0]))


def _place_follows(text: str, start: int, stop: int) -> bool:
    """Whether a place word reaches the end of the change text[start:stop] or comes just
    after it (东|湖村, 青年|路, 开放大道|)."""
    window = text[start : stop + 3]
    return any(
        window.find(w, max(0, stop - start - len(w))) >= 0
        and window.find(w, max(0, stop - start - len(w))) + len(w) >= stop - start
        for w in _PLACE_WORDS
    )


def naming_difference(first: str, second: str, tokenizer: Tokenizer | None = None) -> str | None:
    """ "place", "person" or "number" when two texts differ in the place, person or number
    they name (东湖村 / 西湖村, 张明亮 / 刘明亮, 2000元 / 5000元), else None. Compares the
    texts after the synonym table, so a reworded phrase is no difference."""
    tokenizer = tokenizer or default_tokenizer()
    a, b = canonical(first[:_NAMING_CHARS]), canonical(second[:_NAMING_CHARS])
    if a == b:
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace":
            continue
        left, right = a[i1:i2], b[j1:j2]
        if max(len(left), len(right)) > _MAX_NAME_CHANGE:
            continue
        if _NUMERALS & set(left) and _NUMERALS & set(right):
            return "number"
        if (
            max(len(left), len(right)) <= 3
            and left[0] in _SURNAMES
            and right[0] in _SURNAMES
            and is_cjk(a[i2 : i2 + 1] or "。")
        ):
            return "person"
        if (
            a[i2 : i2 + 1] in _PLACE_CHARS
            and b[j2 : j2 + 1] == a[i2 : i2 + 1]
            and _not_only_stop_words(left, tokenizer)
            and _not_only_stop_words(right, tokenizer)
        ):
            return "place"  # 解放|路 / 建设|路: a name, whatever part of speech it reads as
        if not (_not_only_stop_words(left, tokenizer) and _not_only_stop_words(right, tokenizer)):
            continue
        if not (_may_be_name(left, tokenizer) or _may_be_name(right, tokenizer)):
            continue  # 增加 / 延长: rewording; 东方红 / 胜利: a name on one side at least
        if _place_follows(a, i1, i2) and _place_follows(b, j1, j2):
            return "place"
    return None


# -- vectors and pairs ------------------------------------------------------------------------


def _identity(items: list[str]) -> list[str]:
    return items


def _vectors(
    texts: Sequence[str], tokenizer: Tokenizer, words: Sequence[list[str]] | None = None
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """L2-normalised subject-word and character-gram TF-IDF rows of the texts after the
    synonym table; an empty text gives a zero row. `words` (each text's subject words) are
    used for the texts the synonym table leaves as they are."""
    normalised = [normalize(t[:_MAX_ANALYSED_CHARS]) for t in texts]
    rewritten = [canonical(t) for t in normalised]
    word_docs = [
        tokenizer.subject_words(r)
        if words is None or r != n.lower()
        else [w.lower() for w in words[i]]
        for i, (n, r) in enumerate(zip(normalised, rewritten, strict=True))
    ]
    gram_docs = [_char_grams(r) for r in rewritten]
    result = []
    for docs in (word_docs, gram_docs):
        if any(docs):
            vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
            result.append(sp.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float64))
        else:
            result.append(sp.csr_matrix((len(texts), 1), dtype=np.float64))
    return result[0], result[1]


class _Things:
    """Whether two of the texts name different places, people or numbers."""

    def __init__(self, texts: Sequence[str], tokenizer: Tokenizer) -> None:
        self._texts = texts
        self._tokenizer = tokenizer

    def conflict(self, i: int, j: int) -> bool:
        return naming_difference(self._texts[i], self._texts[j], self._tokenizer) is not None


def _similar_pairs(
    word_vectors: sp.csr_matrix,
    gram_vectors: sp.csr_matrix,
    threshold: float,
    things: _Things,
) -> list[tuple[int, int, float]]:
    """Every (i, j, similarity) with i < j and similarity >= threshold, by row blocks so that
    10,000 texts never need the whole n x n matrix at once."""
    n = word_vectors.shape[0]
    found: list[tuple[int, int, float]] = []
    word_t = word_vectors.T.tocsc()
    gram_t = gram_vectors.T.tocsc()
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(n, start + _BLOCK_ROWS)
        block = (word_vectors[start:stop] @ word_t).toarray()
        block += (gram_vectors[start:stop] @ gram_t).toarray()
        block /= 2.0
        local, other = np.nonzero(block >= threshold)
        for i, j in zip(local.tolist(), other.tolist(), strict=True):
            if start + i < j:
                value = min(1.0, float(block[i, j]))
                if things.conflict(start + i, j):
                    value *= CONFLICT_FACTOR
                if value >= threshold:
                    found.append((start + i, j, value))
    return found


def _pair_values(
    word_vectors: sp.csr_matrix,
    gram_vectors: sp.csr_matrix,
    pairs: Sequence[tuple[int, int]],
    things: _Things,
) -> list[float]:
    if not pairs:
        return []
    left = [a for a, _ in pairs]
    right = [b for _, b in pairs]
    words_dot = np.asarray(word_vectors[left].multiply(word_vectors[right]).sum(axis=1))
    grams_dot = np.asarray(gram_vectors[left].multiply(gram_vectors[right]).sum(axis=1))
    values = []
    for (a, b), value in zip(pairs, ((words_dot + grams_dot) / 2.0).ravel(), strict=True):
        value = min(1.0, float(value))
        if value > 0 and things.conflict(a, b):
            value *= CONFLICT_FACTOR
        values.append(value)
    return values


def pair_similarities(
    texts: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    tokenizer: Tokenizer | None = None,
) -> list[float]:
    """The similarity of each pair of `texts` (by index), with the weights fitted on all the
    texts: the scale `find_duplicates` links at."""
    tokenizer = tokenizer or default_tokenizer()
    word_vectors, gram_vectors = _vectors(texts, tokenizer)
    return [
        round(v, 4)
        for v in _pair_values(word_vectors, gram_vectors, pairs, _Things(texts, tokenizer))
    ]


def text_similarity(first: str, second: str, tokenizer: Tokenizer | None = None) -> float:
    """Similarity of two texts between 0 and 1, on the scale `find_duplicates` uses
    (IDF from the two texts alone, so it is a rough guide outside a set)."""
    return pair_similarities([first, second], [(0, 1)], tokenizer)[0]


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
    tokenizer = tokenizer or default_tokenizer()
    word_vectors, gram_vectors = _vectors(texts, tokenizer, words)
    things = _Things(texts, tokenizer)
    pairs = _similar_pairs(word_vectors, gram_vectors, threshold, things)
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
    for (a, b), value in zip(
        unknown, _pair_values(word_vectors, gram_vectors, unknown, things), strict=True
    ):
        linked[(min(a, b), max(a, b))] = value
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
