"""The one Chinese text pipeline: normalisation, Jieba segmentation, sentence splitting.

Every other part of nlp/ (and the server) reads text through these functions, so they all agree.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jieba
import opencc

__all__ = [
    "Tokenizer",
    "default_tokenizer",
    "generic_words",
    "is_cjk",
    "normalize",
    "split_sentences",
]

# Chinese punctuation that NFKC would turn into ASCII; we keep it as written, because
# normalised text is also shown to people (minutes, theme labels).
_KEEP_AS_IS = "，！？；：（）…～"
_KEEP_RE = re.compile(f"([{_KEEP_AS_IS}]+)")

# Half-width punctuation right after a Chinese character is the Chinese mark typed on an
# English keyboard layout; unify it so that "好,的" and "好，的" read the same.
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ASCII_TO_CHINESE = {",": "，", "!": "！", "?": "？", ";": "；", ":": "："}
_AFTER_CJK_PUNCT_RE = re.compile(f"(?<=[{_CJK_CLASS}])[,!?;:]+(?![0-9])")
_AFTER_CJK_ELLIPSIS_RE = re.compile(f"(?<=[{_CJK_CLASS}])\\.{{3,}}")
_SPACE_RUN_RE = re.compile(r"[^\S\n]+")
_CJK_GAP_RE = re.compile(f"(?<=[{_CJK_CLASS}]) (?=[{_CJK_CLASS}])")
_NEWLINE_RUN_RE = re.compile(r"\n{2,}")

_SENTENCE_RE = re.compile(
    r"[^。！？；!?;…\n]*"  # the sentence body
    r"(?:(?:[。！？；!?;]+|…+|\.{3,})[”’」』）)》]*|\n|$)"  # its end mark(s) and closing quotes
)

# Single characters that name a thing on their own in citizens' suggestions (水 water,
# 路 road, ...). Other single characters are mostly grammar and carry no theme.
_MEANINGFUL_SINGLE = frozenset("水电气路桥房车税粮药医地树河湖山田林煤油网狗猫猪鱼菜粪垃")

_DATA = resources.files("nlp") / "data"


def is_cjk(char: str) -> bool:
    """True for a Chinese (CJK unified) ideograph."""
    code = ord(char)
    return 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    converter = opencc.OpenCC("t2s")
    converter.convert("")  # loads its dictionaries now rather than on first real use
    return converter


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str] | None:
    """Characters whose presence means the text may need converting; None when unknown."""
    folder = Path(opencc.__file__).parent / "dictionary"
    try:
        chars = set()
        for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("\t")
            if value != key:
                chars.add(key)
        for line in (folder / "TSPhrases.txt").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("\t")
            if not chars.intersection(key) and value.split(" ")[0] != key:
                chars.update(key)
    except OSError:
        return None
    return frozenset(chars)


_t2s_lock = threading.Lock()


def _to_simplified(text: str) -> str:
    with _t2s_lock:  # the reimplemented OpenCC initialises lazily and is not documented as safe
        converter = _t2s()
        trigger = _traditional_chars()
    # Pure-Python conversion costs about a microsecond a character; most of our text is
    # already simplified, which a set lookup in C tells us far faster.
    if trigger is not None and trigger.isdisjoint(text):
        return text
    return str(converter.convert(text))


def _nfkc_except_chinese_punctuation(text: str) -> str:
    parts = _KEEP_RE.split(text)
    # split() with one group alternates: even indices are plain text, odd ones kept marks
    return "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part)
        for index, part in enumerate(parts)
    )


def _drop_invisible(text: str) -> str:
    # Control and format characters (zero-width spaces, BOMs, bidi marks) break segmentation
    # and are never meant to be read; newlines and tabs are whitespace, tidied below.
    if text.isprintable():
        return text  # none of them is printable, and the check runs in C
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def normalize(text: str) -> str:
    """Canonical form of a text: half-width letters and digits, simplified characters,
    Chinese punctuation in Chinese context, and tidy whitespace (one space, one newline)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_invisible(_nfkc_except_chinese_punctuation(text))
    text = _to_simplified(text)
    text = _AFTER_CJK_ELLIPSIS_RE.sub(lambda m: "…" * max(1, len(m.group()) // 3), text)
    text = _AFTER_CJK_PUNCT_RE.sub(
        lambda m: "".join(_ASCII_TO_CHINESE[ch] for ch in m.group()), text
    )
    text = _SPACE_RUN_RE.sub(" ", text)
    text = _CJK_GAP_RE.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _NEWLINE_RUN_RE.sub("\n", text).strip()


def split_sentences(text: str) -> list[str]:
    """Chinese sentences of a text, each keeping its end punctuation (。！？；… or a newline
    ends one); blank pieces are dropped."""
    sentences = []
    for match in _SENTENCE_RE.finditer(text):
        sentence = match.group().strip()
        if sentence:
            sentences.append(sentence)
    return sentences


def _read_lines(name: str) -> list[str]:
    raw = (_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and line[0] != "#"]


def _is_content_token(token: str) -> bool:
    if len(token) == 1:
        return token in _MEANINGFUL_SINGLE
    has_letter = False
    for ch in token:
        if ch.isdigit():
            continue
        if ch.isalpha():
            has_letter = True
        else:
            return False  # punctuation, symbols and emoji never make a content word
    return has_letter


class Tokenizer:
    """Jieba segmentation of normalised text with our domain dictionary and stop words.

    Wraps its own `jieba.Tokenizer`, so words added here never leak into the global jieba."""

    def __init__(
        self,
        userdict: Path | None = None,
        stopwords: Iterable[str] | None = None,
        extra_words: Iterable[str] = (),
    ) -> None:
        logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs its cache use at INFO
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._lock = threading.Lock()
        self._tagger: Any = None
        if userdict is None:
            for line in _read_lines("userdict.txt"):
                self._add_dict_line(line)
        else:
            self._jieba.load_userdict(str(userdict))
        words = _read_lines("stopwords.txt") if stopwords is None else stopwords
        self.stopwords: frozenset[str] = frozenset(normalize(w).lower() for w in words)
        self.generic: frozenset[str] = generic_words()
        self.add_words(extra_words)
        self._pos_tagger()  # the dictionary's parts of speech load with it, not on first use

    def _add_dict_line(self, line: str) -> None:
        fields = line.split()
        freq = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
        self._jieba.add_word(fields[0], freq)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the tokenizer words it must keep whole (place names, user-added terms)."""
        with self._lock:
            for word in words:
                word = normalize(word)
                if word and not any(ch.isspace() for ch in word):
                    self._jieba.add_word(word)

    def cut(self, text: str) -> list[str]:
        """All tokens of the normalised text, punctuation included, whitespace left out."""
        return [t for t in self._jieba.lcut(normalize(text)) if not t.isspace()]

    def words(self, text: str) -> list[str]:
        """Content words: no stop words, punctuation, numbers or grammatical single characters;
        Latin letters lower-cased."""
        result = []
        for token in self.cut(text):
            token = token.lower()
            if token not in self.stopwords and _is_content_token(token):
                result.append(token)
        return result

    def _pos_tagger(self) -> Any:
        with self._lock:
            if self._tagger is None:
                import jieba.posseg

                self._tagger = jieba.posseg.POSTokenizer(self._jieba)
            return self._tagger

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(token, part of speech) for the normalised text, by Jieba's tagger on this
        tokenizer's dictionary: `ns` a place, `nr` a person, `m` a number, `eng` Latin
        letters, `x` a word of our own dictionary. Slower than `cut`; for short texts."""
        tagger = self._pos_tagger()
        return [(p.word, p.flag) for p in tagger.lcut(normalize(text)) if not p.word.isspace()]

    def tags(self, tokens: Iterable[str]) -> list[str]:
        """The dictionary's part of speech of each token as `cut` gives them: `x` for a word
        of the dictionary it does not tag (ours), `un` for a word in no dictionary (Jieba
        found it by its HMM: mostly a name). Far cheaper than `tagged`."""
        table = self._pos_tagger().word_tag_tab
        known = self._jieba.FREQ
        return [table.get(token) or ("x" if known.get(token) else "un") for token in tokens]

    def is_subject(self, token: str) -> bool:
        """Whether one token (as `cut` gives it) is a subject word."""
        token = token.lower()
        return (
            token not in self.stopwords and token not in self.generic and _is_content_token(token)
        )

    def subject_words(self, text: str) -> list[str]:
        """Content words that say what a suggestion is about: `words` without the generic
        words of government and petitions (`generic_words`). Themes and near-duplicates
        compare suggestions by these."""
        return [w for w in self.words(text) if w not in self.generic]


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """Words said to any department about any subject (政府, 市委, 加快, 投诉 …), from
    `nlp/data/generic_words.txt`: kept out of theme names and of suggestion similarity."""
    return frozenset(normalize(w).lower() for w in _read_lines("generic_words.txt"))


_default: Tokenizer | None = None
_default_lock = threading.Lock()


def default_tokenizer() -> Tokenizer:
    """The shared tokenizer with our user dictionary and stop words, built once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Tokenizer()
        return _default
