"""The stored JSON of a minutes or recommendation-report version, and the way back to nlp's drafts.
Every drafted sentence is linked to the transcript segment (by id) it was taken from."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from nlp.minutes import (
    Finding,
    Header,
    KeyPoint,
    Minutes,
    Poll,
    Recommendation,
    RecommendationReport,
    Section,
    SpeakerSummary,
)
from nlp.summarize import sentence_units
from nlp.text import split_sentences

Json = dict[str, Any]
FINDING_LISTS = ("decisions", "dissent", "actions")


class SentenceLinker:
    """Finds the segment a drafted sentence came from: the drafter copies whole (tidied)
    sentences, so most are found as they are; a shortened one goes to the candidate segment
    sharing most character pairs with it."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.units = [(u.segment, u.text, _pairs(u.text)) for u in sentence_units(texts)]
        self.exact: dict[str, list[int]] = {}
        for segment, text, _ in self.units:
            self.exact.setdefault(text, []).append(segment)

    def segment_of(self, sentence: str, candidates: Collection[int]) -> int | None:
        found = [n for n in self.exact.get(sentence, []) if n in candidates]
        if found:
            return found[0]
        target = _pairs(sentence)
        best, best_overlap = None, 0
        for segment, _, pairs in self.units:
            if segment in candidates:
                overlap = len(target & pairs)
                if overlap > best_overlap:
                    best, best_overlap = segment, overlap
        return best

    def sentences(self, text: str, candidates: Collection[int]) -> list[tuple[str, int | None]]:
        return [(s, self.segment_of(s, candidates)) for s in split_sentences(text)]


def _pairs(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


# --- minutes --------------------------------------------------------------------------------


def minutes_to_json(
    minutes: Minutes, segment_ids: Sequence[int], texts: Sequence[str], extra_source: Json
) -> Json:
    """The stored draft: nlp's minutes JSON (docs/minutes.md) with segment indices replaced by
    segment ids (`segment_id`, `segment_ids`, `first_segment_id`, `last_segment_id`) and every
    summary and key point also given as `sentences: [{text, segment_id}]`."""
    linker = SentenceLinker(texts)
    everything = range(len(segment_ids))

    def sid(index: int | None) -> int | None:
        return segment_ids[index] if index is not None and 0 <= index < len(segment_ids) else None

    def linked(text: str, candidates: Collection[int]) -> list[Json]:
        return [{"text": s, "segment_id": sid(i)} for s, i in linker.sentences(text, candidates)]

    data = asdict(minutes)
    data["summary_sentences"] = linked(minutes.summary, everything)
    for section in data["sections"]:
        span = range(section.pop("first_segment"), section.pop("last_segment") + 1)
        section["first_segment_id"], section["last_segment_id"] = sid(span.start), sid(span[-1])
        section["summary_sentences"] = linked(section["summary"], span)
        for point in section["key_points"]:
            own = point.pop("segments")
            point["segment_ids"] = [sid(i) for i in own]
            point["participant_id"] = _pid(point["participant_id"])
            point["sentences"] = linked(point["text"], own or span)
    for poll in data["polls"]:
        poll["segment_id"] = sid(poll.pop("segment"))
    for name in FINDING_LISTS:
        for finding in data[name]:
            finding["segment_id"] = sid(finding.pop("segment"))
            finding["participant_id"] = _pid(finding["participant_id"])
    for speaker in data["speakers"]:
        speaker["participant_id"] = _pid(speaker["participant_id"])
    data["source"] = {**data["source"], **extra_source}
    data["segment_ids"] = list(segment_ids)
    return data


def _pid(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def minutes_from_json(data: Mapping[str, Any]) -> Minutes:
    """nlp's `Minutes` from a stored (possibly edited) draft, for rendering and for drafting
    the report; segment ids become indices into the draft's `segment_ids` again (-1 when an
    edit linked a segment the draft does not list)."""
    order = {sid: n for n, sid in enumerate(data.get("segment_ids") or [])}

    def index(segment_id: Any) -> int:
        return order.get(segment_id, -1)

    header = Header(
        **{k: data["header"][k] for k in Header.__dataclass_fields__ if k in data["header"]}
    )
    sections = [
        Section(
            title=s["title"],
            headline=s["headline"],
            keywords=list(s["keywords"]),
            first_segment=index(s.get("first_segment_id")),
            last_segment=index(s.get("last_segment_id")),
            summary=s["summary"],
            key_points=[
                KeyPoint(
                    speaker=p["speaker"],
                    participant_id=_opt_str(p.get("participant_id")),
                    text=p["text"],
                    segments=[index(i) for i in p.get("segment_ids") or []],
                    round=p.get("round") or "",
                )
                for p in s["key_points"]
            ],
        )
        for s in data["sections"]
    ]
    polls = [
        Poll(
            question=p["question"],
            counts=dict(p["counts"]),
            votes=p["votes"],
            passed=p["passed"],
            segment=None if p.get("segment_id") is None else index(p["segment_id"]),
            source=p["source"],
            kind=p.get("kind") or "",
            detail=p.get("detail") or "",
            winner=p.get("winner"),
        )
        for p in data["polls"]
    ]

    def findings(name: str) -> list[Finding]:
        return [
            Finding(
                text=f["text"],
                segment=index(f.get("segment_id")),
                speaker=f["speaker"],
                participant_id=_opt_str(f.get("participant_id")),
                unit=f.get("unit"),
            )
            for f in data[name]
        ]

    speakers = [
        SpeakerSummary(**{**s, "participant_id": _opt_str(s.get("participant_id"))})
        for s in data["speakers"]
    ]
    return Minutes(
        header=header,
        summary=data["summary"],
        sections=sections,
        polls=polls,
        decisions=findings("decisions"),
        dissent=findings("dissent"),
        actions=findings("actions"),
        speakers=speakers,
        unmatched_speakers=list(data["unmatched_speakers"]),
        source=dict(data.get("source") or {}),
        themes=list(data.get("themes") or []),
    )


# --- recommendation report ------------------------------------------------------------------


def report_to_json(report: RecommendationReport, segment_ids: Sequence[int]) -> Json:
    """The stored report: nlp's report JSON with each item's `segment` as `segment_id`."""
    data = asdict(report)
    for item in data["items"]:
        index = item.pop("segment")
        item["segment_id"] = (
            segment_ids[index] if index is not None and 0 <= index < len(segment_ids) else None
        )
    return data


def report_from_json(data: Mapping[str, Any]) -> RecommendationReport:
    return RecommendationReport(
        title=data["title"],
        recipient=data["recipient"],
        intro=data["intro"],
        items=[
            Recommendation(
                number=n,
                text=item["text"],
                rationale=item.get("rationale") or "",
                unit=item.get("unit"),
                segment=None,
            )
            for n, item in enumerate(data["items"], start=1)
        ],
        closing=data["closing"],
        signatory=data.get("signatory") or "",
        date=data.get("date") or "",
    )
