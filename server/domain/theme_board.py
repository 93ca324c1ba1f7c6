"""One meeting's suggestion themes held in a worker's memory: the nlp theme index, each
suggestion's words, and the staff edits, so that a new suggestion is placed at once.

Theory of operation: the database is the truth (each suggestion's theme, staff pins and
names); a `ThemeBoard` is rebuilt from it by clustering with every stored assignment pinned,
which reproduces the stored themes exactly while fitting the word weights to the whole set.
Arrivals are placed with `nlp.themes.ThemeIndex.assign`; because an index only knows the
words of its last fit, the board refits (the same pinned rebuild) whenever a tenth of its
suggestions arrived after the fit (or re-clusters it, see AUTO_RECLUSTER_BELOW). Methods
here are CPU work and are called in a thread, one at a time per board (the caller holds the
meeting's lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nlp.dedupe import find_duplicates
from nlp.text import Tokenizer
from nlp.themes import (
    StaffEdits,
    Suggestion,
    Theme,
    ThemeIndex,
    analyse,
    cluster_themes,
)

# A new suggestion is compared for near-duplicates with at most this many recent ones, so
# that a submission costs the same in a meeting of 5,000 suggestions as in one of 1,000.
DUPLICATE_WINDOW = 1000
DUPLICATE_THRESHOLD = 0.6
# Until staff edit a board, and while it is small enough to cluster in well under a second,
# a due refit clusters it afresh instead: placement against the themes of a few early
# suggestions starts a theme for nearly every newcomer (450 suggestions: 247 themes placed
# one by one, 37 with these re-clusterings, 26 clustered at once).
AUTO_RECLUSTER_BELOW = 1000


@dataclass(frozen=True)
class Stored:
    """A suggestion as the database holds it: id, normalised text, theme key (if any)."""

    id: str
    text: str
    theme_key: str | None


@dataclass(frozen=True)
class DuplicateSet:
    """Suggestions (ids) that say the same thing; the first is the most typical, and each
    similarity is to it."""

    members: list[str]
    similarity: list[float]


@dataclass(frozen=True)
class Placement:
    """Where a new suggestion went, and the earlier suggestion it repeats, if any;
    `relayout` says the board was clustered afresh on the way (every theme may have changed)."""

    theme: Theme
    new_theme: bool
    similarity: float
    duplicate_of: str | None
    duplicate_similarity: float | None
    relayout: bool = False


@dataclass
class ThemeBoard:
    meeting_id: int
    tokenizer: Tokenizer
    index: ThemeIndex
    ids: list[str]
    texts: dict[str, str]
    words: dict[str, list[str]]
    edits: StaffEdits
    layout_revision: int
    last_id: int
    fitted: int
    unfiled: bool = False  # some stored suggestion had no theme: the layout must be written
    mutations: int = 0
    _duplicates: tuple[int, list[DuplicateSet]] | None = field(default=None, repr=False)

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        meeting_id: int,
        stored: Sequence[Stored],
        edits: StaffEdits,
        layout_revision: int,
        tokenizer: Tokenizer,
    ) -> ThemeBoard:
        """The board of these stored suggestions, each in its stored theme."""
        suggestions = [Suggestion(s.id, s.text) for s in stored]
        words = analyse(suggestions, tokenizer)
        layout = {s.id: s.theme_key for s in stored if s.theme_key is not None}
        index = _pinned_index(suggestions, words, layout, edits, tokenizer)
        return cls(
            meeting_id=meeting_id,
            tokenizer=tokenizer,
            index=index,
            ids=[s.id for s in stored],
            texts={s.id: s.text for s in stored},
            words={s.id: w for s, w in zip(stored, words, strict=True)},
            edits=edits,
            layout_revision=layout_revision,
            last_id=max((int(s.id) for s in stored), default=0),
            fitted=len(stored),
            unfiled=any(s.theme_key is None for s in stored),
        )

    def _suggestions(self) -> list[Suggestion]:
        return [Suggestion(sid, self.texts[sid]) for sid in self.ids]

    def refit(self) -> None:
        """Fit the word weights and the join threshold to every suggestion now on the board,
        keeping each in its theme."""
        layout = {sid: self.index.theme_of(sid) for sid in self.ids}
        words = [self.words[sid] for sid in self.ids]
        self.index = _pinned_index(self._suggestions(), words, layout, self.edits, self.tokenizer)
        self.fitted = len(self.ids)

    def catch_up(self, stored: Sequence[Stored]) -> None:
        """Take suggestions another worker placed, each into the theme it chose."""
        if not stored:
            return
        self.mutations += 1
        arrivals = {s.id: s.theme_key for s in stored if s.theme_key is not None}
        self.index.apply(StaffEdits({**self.edits.pins, **arrivals}, self.edits.names))
        for s in stored:
            self.index.assign(Suggestion(s.id, s.text))
            self._remember(s.id, s.text)
            self.last_id = max(self.last_id, int(s.id))
        self.index.apply(self.edits)

    def _remember(self, sid: str, text: str) -> None:
        self.ids.append(sid)
        self.texts[sid] = text
        self.words[sid] = analyse([Suggestion(sid, text)], self.tokenizer)[0]

    # -- reading --------------------------------------------------------------------------

    def themes(self) -> list[Theme]:
        """The themes, largest first (the theme of empty suggestions last)."""
        return self.index.themes()

    def theme(self, key: str) -> Theme:
        for theme in self.index.themes():
            if theme.key == key:
                return theme
        raise KeyError(key)

    def duplicates(self) -> list[DuplicateSet]:
        """Near-duplicate groups over every suggestion of the board (kept until one arrives)."""
        if self._duplicates is None or self._duplicates[0] != len(self.ids):
            self._duplicates = (len(self.ids), self._find_duplicates(self.ids))
        return self._duplicates[1]

    def _find_duplicates(self, ids: Sequence[str]) -> list[DuplicateSet]:
        groups = find_duplicates(
            [self.texts[sid] for sid in ids],
            threshold=DUPLICATE_THRESHOLD,
            tokenizer=self.tokenizer,
            words=[self.words[sid] for sid in ids],
        )
        return [
            DuplicateSet(members=[ids[i] for i in g.members], similarity=list(g.similarity))
            for g in groups
        ]

    def _duplicate_of(self, sid: str) -> tuple[str | None, float | None]:
        """The suggestion a newcomer repeats most closely, among the recent ones."""
        if len(self.ids) <= DUPLICATE_WINDOW:
            groups = self.duplicates()  # the whole set: the board reads the same groups next
        else:
            groups = self._find_duplicates(self.ids[-DUPLICATE_WINDOW:])
        for group in groups:
            if sid not in group.members:
                continue
            if group.members[0] != sid:
                return group.members[0], group.similarity[group.members.index(sid)]
            return group.members[1], group.similarity[1]
        return None, None

    # -- changes ----------------------------------------------------------------------------

    def place(self, sid: str, text: str) -> Placement:
        """Put a new suggestion in the theme it is closest to, or in a theme of its own."""
        self.mutations += 1
        relayout = False
        if len(self.ids) - self.fitted >= max(1, self.fitted // 10):
            untouched = not self.edits.pins and not self.edits.names
            if untouched and len(self.ids) < AUTO_RECLUSTER_BELOW:
                self.recluster()
                relayout = True
            else:
                self.refit()
        assignment = self.index.assign(Suggestion(sid, text))
        self._remember(sid, text)
        self.last_id = max(self.last_id, int(sid))
        duplicate_of, duplicate_similarity = self._duplicate_of(sid)
        return Placement(
            theme=self.theme(assignment.theme_key),
            new_theme=assignment.new_theme,
            similarity=assignment.similarity,
            duplicate_of=duplicate_of,
            duplicate_similarity=duplicate_similarity,
            relayout=relayout,
        )

    def apply(self, edits: StaffEdits) -> None:
        """Take staff's edits (merges, splits, moves and names are all pins and names)."""
        self.mutations += 1
        self.edits = edits
        self.index.apply(edits)

    def recluster(self) -> None:
        """Cluster every suggestion afresh; only staff edits are kept."""
        self.mutations += 1
        words = [self.words[sid] for sid in self.ids]
        self.index = cluster_themes(
            self._suggestions(), self.edits, tokenizer=self.tokenizer, words=words
        )
        self.fitted = len(self.ids)


def _pinned_index(
    suggestions: Sequence[Suggestion],
    words: Sequence[list[str]],
    layout: Mapping[str, str],
    edits: StaffEdits,
    tokenizer: Tokenizer,
) -> ThemeIndex:
    # Pinning every suggestion makes each theme one locked node of the clustering graph, so
    # the result is exactly `layout`; afterwards only staff's own pins stay pins.
    pins = {**layout, **edits.pins}
    index = cluster_themes(
        suggestions, StaffEdits(pins, edits.names), tokenizer=tokenizer, words=list(words)
    )
    index.apply(edits)
    return index
