"""Theme names: a short noun phrase taken from the members' own texts ("出租车司机服务问题"),
rather than keywords joined together.

Theory of operation: the opening of each of a theme's most central members is cut into
tokens tagged by the dictionary; a candidate phrase is a run of up to four adjacent tokens
inside one clause that begins and ends with a subject word (a content word that is not one
of the generic words of government) and holds nothing but subject words and single
characters such as 村 or 路 between them. A place, a person, a number, a position, a time or
a word in no dictionary (by Jieba's part-of-speech tags) may sit inside a name but not open
or close it, and a code in Latin letters or digits (A1, 3号) breaks it, so a theme is named
by what it is about rather than where. A candidate scores the theme weights of its subject
words (how many of the theme's members use the word, times how rare it is in the whole set:
the keywords' own measure) times the square root of the share of members whose opening
contains the phrase. The square root lets a longer phrase that a few members share beat a
single word that many share, but not a phrase only one member has. The winner gets "问题"
appended unless it already ends in a word that names a problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nlp.text import Tokenizer, is_cjk, normalize

__all__ = ["theme_phrase"]

_MAX_TOKENS = 4
_MAX_CHARS = 12
_OPENING_CHARS = 200  # a name comes from a member's opening (its title, its first lines)
_SAMPLED_MEMBERS = 8  # members whose texts give candidates (the most central ones)
_COUNTED_MEMBERS = 200  # members in which a candidate's support is counted
_PROBLEM_ENDINGS = ("问题", "难", "难题", "不足", "隐患", "纠纷", "矛盾", "困难")


# parts of speech that may not open or close a name: places, people, numbers, codes, words
# of position or time (附近, 周边, 晚上), and words in no dictionary (mostly names)
_EDGE_TAGS = ("ns", "nr", "m", "eng", "f", "s", "t", "un")


def _is_edge_only(tag: str) -> bool:
    return tag.startswith(_EDGE_TAGS)


def _is_code(token: str) -> bool:
    """Latin letters or digits (A1, 3号): a code or an address, never part of a name."""
    return any(ch.isascii() and ch.isalnum() for ch in token)


def _is_inner(token: str, tokenizer: Tokenizer) -> bool:
    """A single character that may sit inside a phrase (东湖|村|路灯), not at its ends."""
    return len(token) == 1 and is_cjk(token) and token not in tokenizer.stopwords


def _candidates(text: str, tokenizer: Tokenizer) -> list[tuple[str, list[str]]]:
    """(phrase, its subject words) for every run of tokens that may name the theme."""
    tokens = tokenizer.cut(text[:_OPENING_CHARS])
    subject = [tokenizer.is_subject(t) and not _is_code(t) for t in tokens]
    inner = [_is_inner(t, tokenizer) for t in tokens]
    entity = [_is_edge_only(tag) for tag in tokenizer.tags(tokens)]
    found = []
    for start in range(len(tokens)):
        if not subject[start] or entity[start]:
            continue
        for stop in range(start, min(len(tokens), start + _MAX_TOKENS)):
            if not (subject[stop] or inner[stop]):
                break
            if not subject[stop] or entity[stop]:
                continue
            phrase = "".join(tokens[start : stop + 1])
            if len(phrase) > _MAX_CHARS:
                break
            span = range(start, stop + 1)
            found.append((phrase, [tokens[i].lower() for i in span if subject[i]]))
    return found


def theme_phrase(
    texts: Sequence[str],
    weights: Mapping[str, float],
    tokenizer: Tokenizer,
) -> str | None:
    """A short name for a theme whose members' texts are `texts`, most central first;
    `weights` gives each subject word's weight in the theme. None when no member has a
    subject word that could name it."""
    considered = [normalize(t[:_OPENING_CHARS]).lower() for t in texts[:_COUNTED_MEMBERS]]
    seen: dict[str, list[str]] = {}
    order: dict[str, int] = {}
    for text in texts[:_SAMPLED_MEMBERS]:
        for phrase, words in _candidates(text, tokenizer):
            if phrase not in seen:
                seen[phrase] = words
                order[phrase] = len(order)
    if not seen:
        return None

    def score(phrase: str) -> float:
        support = sum(1 for t in considered if phrase.lower() in t)
        weight = sum(weights.get(w, 0.0) for w in dict.fromkeys(seen[phrase]))
        return math.sqrt(support / len(considered)) * weight

    best = max(seen, key=lambda p: (score(p), -len(p), -order[p]))
    if best.endswith(_PROBLEM_ENDINGS):
        return best
    return f"{best}问题"
