"""Extractive summarising of spoken Chinese: sentence units, salience, selection, topics, headlines.
Pure functions over text; the minutes drafter (nlp/minutes.py) builds on them."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from nlp.text import Tokenizer, default_tokenizer, normalize, split_sentences

# Theory of operation. A meeting is talk, not prose: long turns, fillers, asides, questions.
# We cut every turn into sentences, tidy away spoken fillers, and weigh each sentence by the
# cosine between its TF-IDF vector and the whole meeting's (its "centrality"); IDF comes from
# Jieba's general-language table, so that words common in all Chinese text ("问题", "情况")
# weigh little even in a short meeting. Sentences are then chosen greedily by maximal
# marginal relevance (salience minus similarity to what is already chosen), kept whole, and
# printed in spoken order. Topic sections come from lexical cohesion between neighbouring
# turns (TextTiling), and each section's headline is its most salient short clause.

Vector: TypeAlias = Any  # scipy.sparse.csr_matrix; scipy ships no type information
FloatArray = NDArray[np.float64]

# Spoken fillers that carry no content; removing them makes a chosen sentence read like
# written minutes and leaves room for content within the character budget.
_FILLERS = re.compile(
    r"(?:然后呢?|就是说|也就是说|对吧|对不对|是不是啊|是吧|嗯+|呃+|额+|哎+|唉+|啊+|哦+|呢，|"
    r"那么|这个|那个|其实|的话|我觉得|我认为|我想|我们知道|大家知道|可以说|所以说|"
    r"说实话|怎么说呢|你知道|你看|比如说|基本上|一些些)"
)
_PUNCT_RUN = re.compile(r"[，、,]{2,}")
_LEADING_PUNCT = re.compile(r"^(?:[，、,；;：:\s]|(?:就是|那就是|反正|那么)(?![的了])[，,]?)+")
_SPACES = re.compile(r"\s+")
# Greetings, thanks and floor management say nothing about the matter discussed.
_CHATTER = re.compile(
    r"(?:谢谢|感谢|欢迎|大家好|掌声|鼓掌|请坐|有请|下面请|听得到|听不到|声音|麦克风|话筒|"
    r"屏幕|会场|网友|直播|主持人|嘉宾|介绍一下|先说到这|就说这么多|我就讲这些|辛苦)"
)


@dataclass(frozen=True)
class Selection:
    """The drafter's tuned numbers: the sentence lengths a summary takes, and the MMR weight
    of salience (below 1, the rest of the weight goes to avoiding repetition).

    `bench/eval_minutes.py` cross-validates them (leave-some-out over the shared meetings,
    a grid of 27 around these values): every fold chose 12–120 characters and weight 1.0,
    that is plain centrality with no redundancy term, which is what ships."""

    min_chars: int = 12
    max_chars: int = 120
    relevance: float = 1.0


SELECTION = Selection()


# Stammers: a word of two to four characters said twice or more in a row ("就是就是",
# "我们我们"), a pronoun or demonstrative doubled ("我我我"), any character said thrice.
_STAMMER_WORD = re.compile(r"([\u4e00-\u9fff]{2,4})(?:[，,、]?\1)+")
_STAMMER_CHAR = re.compile(r"([我你他她这那就是在的了])\1+|([\u4e00-\u9fff])\2{2,}")
# Lines that run the meeting rather than say anything about the matter.
_PROCEDURAL = re.compile(
    r"^(?:下面|接下来|现在|首先|最后)[，,]?(?:我们|大家)?(?:请|由|对|进行|开始|进入|转入|来)"
    r"|(?:举手|无记名|记名|投票)表决[。！]?$|进行表决|开始投票|投票(?:开始|结束)"
    r"|(?:请|有请).{0,12}(?:发言|介绍|通报|回应)|(?:发言|表决)(?:到此|就到这)|散会|休会"
    r"|会议(?:现在)?(?:开始|到此结束|结束)|进入(?:下一|第[一二三四五六七八九十\d]+)(?:项|个|环节)"
)


def tidy_spoken(sentence: str) -> str:
    """A transcript sentence with spoken fillers, stammers and doubled commas removed."""
    text = _STAMMER_WORD.sub(r"\1", sentence)
    text = _STAMMER_CHAR.sub(lambda m: m.group(1) or m.group(2), text)
    text = _FILLERS.sub("", text)
    text = _PUNCT_RUN.sub("，", text)
    text = _LEADING_PUNCT.sub("", text)
    text = re.sub(r"[，、,]+(?=[。！？；!?;])", "", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Unit:
    """A sentence of the transcript: its tidied text, the segment it came from, its order."""

    text: str
    segment: int
    position: int


def sentence_units(texts: Sequence[str], first_segment: int = 0) -> list[Unit]:
    """Every sentence of every segment text, tidied, with empty ones dropped."""
    units: list[Unit] = []
    for offset, text in enumerate(texts):
        for raw in split_sentences(normalize(text)):
            tidy = tidy_spoken(raw)
            if _has_words(tidy):
                units.append(Unit(_with_end(tidy), first_segment + offset, len(units)))
    return units


def _has_words(text: str) -> bool:
    return sum(1 for ch in text if ch.isalnum()) >= 2


def _with_end(text: str) -> str:
    if text[-1] in "。！？；!?;…”」』）)":
        return text
    return text.rstrip("，、,：:") + "。"


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    """Jieba's IDF table from a large general corpus, and its median for unknown words."""
    import jieba.analyse

    table = jieba.analyse.default_tfidf
    return dict(table.idf_freq), float(table.median_idf)


class SalienceModel:
    """TF-IDF vectors of a list of units and their salience against the whole."""

    def __init__(self, units: Sequence[Unit], tokenizer: Tokenizer | None = None) -> None:
        tok = tokenizer or default_tokenizer()
        idf, median = _general_idf()
        self.units = list(units)
        self.words = [tok.words(u.text) for u in self.units]
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, words in enumerate(self.words):
            for word, count in Counter(words).items():
                col = vocab.setdefault(word, len(vocab))
                rows.append(row)
                cols.append(col)
                vals.append(count * idf.get(word, median))
        self.vocab = vocab
        shape = (len(self.units), max(1, len(vocab)))
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)
        self.raw: Vector = matrix
        self.vectors: Vector = _row_normalised(matrix)

    def centrality(self, rows: Sequence[int] | None = None) -> FloatArray:
        """Cosine of each unit with the sum of the units in `rows` (all units by default)."""
        picked = self.raw if rows is None else self.raw[list(rows)]
        centroid = np.asarray(picked.sum(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        if norm == 0.0:
            return np.zeros(len(self.units))
        return np.asarray(self.vectors @ (centroid / norm)).ravel()

    def similarities(self, i: int) -> FloatArray:
        """Cosine of unit `i` with every unit."""
        return np.asarray((self.vectors @ self.vectors[i].T).todense()).ravel()


def _row_normalised(matrix: Vector) -> Vector:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def select(
    model: SalienceModel,
    budget: int,
    candidates: Sequence[int] | None = None,
    scores: FloatArray | None = None,
    min_chars: int | None = None,
    max_chars: int | None = None,
    max_units: int | None = None,
    exclude: Collection[int] = (),
    params: Selection = SELECTION,
) -> list[int]:
    """Indices of whole sentences chosen by MMR within `budget` characters, in spoken order;
    units in `exclude` (already used elsewhere in a draft) are never chosen. Sentence
    lengths default to `params`'."""
    min_chars = params.min_chars if min_chars is None else min_chars
    max_chars = params.max_chars if max_chars is None else max_chars
    weight = params.relevance
    salience = model.centrality() if scores is None else scores
    pool = [
        i
        for i in (range(len(model.units)) if candidates is None else candidates)
        if i not in exclude and _eligible(model.units[i].text, min_chars, max_chars)
    ]
    chosen: list[int] = []
    used = 0
    # Highest similarity of every unit to anything chosen so far, updated per choice.
    redundancy = np.zeros(len(model.units))
    while pool and (max_units is None or len(chosen) < max_units):
        gains = [weight * salience[i] - (1 - weight) * redundancy[i] for i in pool]
        best = pool.pop(int(np.argmax(gains)))
        size = len(model.units[best].text)
        if used + size <= budget:
            chosen.append(best)
            used += size
            if weight < 1.0:
                redundancy = np.maximum(redundancy, model.similarities(best))
        if budget - used < min_chars:
            break
    return sorted(chosen)


def _eligible(text: str, min_chars: int, max_chars: int) -> bool:
    if not min_chars <= len(text) <= max_chars:
        return False
    # Questions ask rather than state; chatter and procedure manage the room, not the matter.
    return not (text.endswith(("？", "?")) or _CHATTER.search(text) or is_procedural(text))


def is_content(text: str) -> bool:
    """Whether a sentence says something about the matter: not a question, not chatter, not
    procedure."""
    return _eligible(text, 1, 10_000)


def is_procedural(text: str) -> bool:
    """Whether a sentence only runs the meeting ("下面进行举手表决。")."""
    return bool(_PROCEDURAL.search(text))


def summarize(texts: Sequence[str], max_chars: int) -> str:
    """An extractive summary of at most `max_chars` characters of the given turns."""
    units = sentence_units(texts)
    if not units or max_chars <= 0:
        return ""
    return summary_of(SalienceModel(units), max_chars)


def summary_of(model: SalienceModel, max_chars: int, rows: Sequence[int] | None = None) -> str:
    """The most central, least redundant whole sentences of `rows` within `max_chars`."""
    chosen = summary_rows(model, max_chars, rows)
    text = "".join(model.units[i].text for i in chosen)
    return text if len(text) <= max_chars else _cut(text, max_chars)


def summary_rows(
    model: SalienceModel,
    max_chars: int,
    rows: Sequence[int] | None = None,
    params: Selection = SELECTION,
) -> list[int]:
    """The units `summary_of` joins, in spoken order."""
    if not model.units or max_chars <= 0:
        return []
    scores = model.centrality(rows)
    chosen = select(model, max_chars, rows, scores, params=params)
    if not chosen:
        # Only short or chatty sentences: take the most central ones that fit at all.
        chosen = select(
            model, max_chars, rows, scores, min_chars=1, max_chars=max_chars, params=params
        )
    if not chosen:
        pool = list(range(len(model.units))) if rows is None else list(rows)
        if not pool:
            return []
        chosen = [max(pool, key=lambda i: scores[i])]
    return chosen


def _cut(text: str, limit: int) -> str:
    """Cuts at the last clause end that fits, so a summary never ends mid-word when avoidable."""
    head = text[:limit]
    stop = max(head.rfind(mark) for mark in "。！？；，")
    if stop >= limit // 2:
        return head[: stop + 1] if head[stop] != "，" else head[:stop] + "。"
    return head


# --- topics ---------------------------------------------------------------------------------

_AGENDA_CUE = re.compile(
    r"(?:下面|接下来|现在|首先|最后)[，,]?(?:我们)?(?:进行|进入|开始|讨论|审议|研究|协商)"
    r".{0,8}?(?:第[一二三四五六七八九十\d]+(?:项|个)|议题|议程|事项)"
)


def topic_sections(
    texts: Sequence[str],
    count: int | None = None,
    target_chars: int = 2500,
    window_chars: int = 600,
) -> list[tuple[int, int]]:
    """Splits turns into topic sections, as inclusive (first, last) turn ranges.

    A boundary falls between turns where the words before and after have little in common
    (TextTiling's depth score), or where the chair announces the next agenda item."""
    n = len(texts)
    if n <= 1:
        return [(0, max(0, n - 1))]
    tok = default_tokenizer()
    words = [tok.words(t) for t in texts]
    lengths = [len(t) for t in texts]
    total = sum(lengths)
    cues = {i for i in range(1, n) if _AGENDA_CUE.search(texts[i][:200])}
    depth = _depth_scores(words, lengths, window_chars)
    sections = count if count else round(total / target_chars)
    wanted = max(0, min(n - 1, sections - 1))
    boundaries = set(cues)
    for gap in sorted(range(1, n), key=lambda g: -depth[g - 1]):
        if len(boundaries) >= max(wanted, len(cues)) or depth[gap - 1] <= 0:
            break
        if count or _far_enough(gap, boundaries, lengths, target_chars // 3):
            boundaries.add(gap)
    starts = [0, *sorted(boundaries)]
    ends = [s - 1 for s in starts[1:]] + [n - 1]
    return list(zip(starts, ends, strict=True))


def _depth_scores(words: list[list[str]], lengths: list[int], window: int) -> list[float]:
    """For each gap between turns, how deep a valley of lexical similarity it sits in."""
    gaps = len(words) - 1
    sims = [_window_similarity(words, lengths, g + 1, window) for g in range(gaps)]
    depth = []
    for g, here in enumerate(sims):
        left = max(sims[: g + 1])
        right = max(sims[g:])
        depth.append((left - here) + (right - here))
    return depth


def _window_similarity(words: list[list[str]], lengths: list[int], gap: int, window: int) -> float:
    before: Counter[str] = Counter()
    chars = 0
    for i in range(gap - 1, -1, -1):
        before.update(words[i])
        chars += lengths[i]
        if chars >= window:
            break
    after: Counter[str] = Counter()
    chars = 0
    for i in range(gap, len(words)):
        after.update(words[i])
        chars += lengths[i]
        if chars >= window:
            break
    dot = sum(before[w] * after[w] for w in before.keys() & after.keys())
    norm = math.sqrt(sum(v * v for v in before.values()) * sum(v * v for v in after.values()))
    return dot / norm if norm else 0.0


def _far_enough(gap: int, boundaries: set[int], lengths: list[int], min_chars: int) -> bool:
    edges = sorted(boundaries | {0, len(lengths)})
    for edge in edges:
        lo, hi = sorted((edge, gap))
        if sum(lengths[lo:hi]) < min_chars:
            return False
    return True


def headline(model: SalienceModel, rows: Sequence[int], k: int = 3) -> str:
    """A short title for a section: its heaviest few content words, "、"-separated.

    Keywords beat the most central clause here: a spoken clause rarely names the topic, while
    the words said most often in a section (weighted by general IDF) usually do."""
    return "、".join(keywords(model, rows, k))


def keywords(model: SalienceModel, rows: Sequence[int], k: int = 5) -> list[str]:
    """The words of these units with the highest TF-IDF weight."""
    if not rows or not model.vocab:
        return []
    weights = np.asarray(model.raw[list(rows)].sum(axis=0)).ravel()
    names = list(model.vocab)
    ranked = (names[j] for j in np.argsort(-weights) if weights[j] > 0)
    return [w for w in ranked if w not in _SPOKEN_WORDS][:k]


# Words that are frequent in any talk (forms of address, hedges, discourse markers) and so
# would crowd real topic words out of a headline.
_SPOKEN_WORDS = frozenset(
    re.findall(
        r"\S+",
        "实际上 老师 同学 大家 刚才 今天 一下 东西 事情 时候 觉得 知道 看到 所谓 "
        "比较 非常 特别 问题 方面 情况 这块 那块 朋友 嘉宾 各位 主持人 谢谢 感谢 "
        "分享 一块 包括 因为 所以 但是 可能 应该 需要 已经 还是 还有 现在 当时 "
        "后来 以后 今后 一直 其实 刚刚 一点 很多 这种 那种 怎么 什么 为什么 能够 "
        "可以 我们 他们 你们 同志 领导 发言 会议 主任 委员 这里 那里 这边 那边 "
        "一定 真的 确实 整个 希望 我想 来说 讲到 提到 谈谈 一样 这样 那样 这么 "
        "那么 如果",
    )
)
