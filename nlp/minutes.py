"""The minutes draft (会议纪要) and the recommendation report (协商建议) drafted from a transcript.
Data classes, the pure drafting functions, and the JSON shape documented in docs/minutes.md."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from nlp.minutes_text import (
    poll_detail,
    reported,
    speaker_phrase,
    third_person,
    votes_against,
)
from nlp.summarize import (
    SELECTION,
    SalienceModel,
    Selection,
    Unit,
    headline,
    is_content,
    is_procedural,
    keywords,
    select,
    sentence_units,
    summary_rows,
    topic_sections,
)
from nlp.text import split_sentences
from nlp.transcript import Transcript

# Category codes (GLOSSARY.md) and how the minutes name them, in the order they are listed.
CATEGORY_LABELS: dict[str, str] = {
    "member": "政协委员",
    "stakeholder": "利益相关方代表",
    "official": "部门及村居负责人",
    "guest": "其他人员",
}


@dataclass(frozen=True)
class Attendee:
    """A person on the meeting's list and how they attended."""

    name: str
    category: str = ""
    status: str = "present"  # present, observer (列席), leave (请假) or absent
    unit: str = ""
    mode: str = ""  # how a present person checked in: in_room or remote ("" when unknown)
    reason: str = ""  # why someone on leave is away
    is_moderator: bool = False


@dataclass(frozen=True)
class Placement:
    """Where a turn was spoken in the live meeting: its agenda item, its round and its kind."""

    item: str
    round: str = ""
    round_kind: str = ""


@dataclass(frozen=True)
class MeetingInfo:
    """What the server knows about the meeting; everything is optional for a bare transcript."""

    title: str = ""
    number: str = ""
    date: str = ""
    time: str = ""
    place: str = ""
    moderator: str = ""
    recorder: str = ""
    topic: str = ""
    organiser: str = ""
    recipient: str = ""
    agenda: tuple[str, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    # When the meeting ran live: where each transcript turn was spoken (one per segment, None
    # when unknown), how many speeches the record holds, and the suggestions' themes.
    placements: tuple[Placement | None, ...] = ()
    speeches: int = 0
    themes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Header:
    title: str
    number: str
    date: str
    time: str
    place: str
    moderator: str
    recorder: str
    topic: str
    agenda: list[str]
    present: dict[str, list[str]]
    observers: list[str]
    absent: list[str]
    attendance: str = ""  # "应到9人，实到7人（现场4人、线上3人），请假1人，缺席1人"


@dataclass(frozen=True)
class KeyPoint:
    """What one speaker said in a section, in a few extracted sentences."""

    speaker: str
    participant_id: str | None
    text: str
    segments: list[int]
    round: str = ""  # the round it was said in, when the meeting ran live


@dataclass(frozen=True)
class Section:
    """One agenda item or discussed topic, with its turns [first_segment, last_segment]."""

    title: str
    headline: str
    keywords: list[str]
    first_segment: int
    last_segment: int
    summary: str
    key_points: list[KeyPoint]


@dataclass(frozen=True)
class Poll:
    question: str
    counts: dict[str, int]
    votes: int
    passed: bool | None
    segment: int | None
    source: str
    kind: str = ""
    detail: str = ""  # the whole result in words: 应到/实到, counts, threshold, outcome
    winner: str | None = None


@dataclass(frozen=True)
class Finding:
    """A sentence of the transcript that states a decision, a dissent or an action."""

    text: str
    segment: int
    speaker: str
    participant_id: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class SpeakerSummary:
    label: str
    name: str
    participant_id: str | None
    category: str
    matched: bool
    turns: int
    chars: int


@dataclass(frozen=True)
class Recommendation:
    number: int
    text: str
    rationale: str
    unit: str | None
    segment: int | None


@dataclass(frozen=True)
class RecommendationReport:
    title: str
    recipient: str
    intro: str
    items: list[Recommendation]
    closing: str
    signatory: str = ""  # 落款: the office that reports
    date: str = ""


@dataclass(frozen=True)
class Minutes:
    header: Header
    summary: str
    sections: list[Section]
    polls: list[Poll]
    decisions: list[Finding]
    dissent: list[Finding]
    actions: list[Finding]
    speakers: list[SpeakerSummary]
    unmatched_speakers: list[str]
    source: dict[str, Any] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)  # the suggestions' themes, with sizes


def to_json(minutes: Minutes, report: RecommendationReport | None = None) -> dict[str, Any]:
    """The JSON object `hsl minutes --json` prints; keys are listed in docs/minutes.md."""
    data = asdict(minutes)
    data["recommendations"] = asdict(report) if report is not None else None
    return data


# --- drafting -------------------------------------------------------------------------------

SUMMARY_CHARS = 300
SECTION_SUMMARY_CHARS = 200
KEY_POINT_CHARS = 150


def draft_minutes(
    transcript: Transcript,
    info: MeetingInfo | None = None,
    polls: Sequence[Mapping[str, Any]] = (),
    summary_chars: int = SUMMARY_CHARS,
) -> Minutes:
    """Drafts the minutes of a meeting from its transcript, its details and its live polls.

    No sentence of the transcript appears in two parts of the draft: the findings
    (decisions, dissent, actions), the summary, the section summaries and the key points
    take sentences in that order, each from what the earlier ones left. With the live meeting's
    placements every turn is filed under the item and round it was spoken in, and the
    overview and section summaries are composed from the record's facts."""
    info = info or MeetingInfo()
    segments = transcript.segments
    texts = [s.text for s in segments]
    units = sentence_units(texts)
    model = SalienceModel(units)
    speakers = _speakers(transcript)
    header = _header(info, model, speakers)
    live = any(p is not None for p in info.placements)
    live_polls = [_live_poll(p) for p in polls]
    used: set[int] = set()
    summarised: set[int] = set()
    chairs = _chairs(transcript, info)
    decisions = _decisions(transcript, units, used, chairs if live else frozenset())
    decisions += [
        Finding(f"会议表决通过“{p.question}”。", -1, "")
        for p in live_polls
        if p.passed and p.kind != "ranking"
    ]
    dissent = [Finding(text, -1, "") for text in map(votes_against, polls) if text]
    dissent += [
        replace(f, text=reported(_phrase(transcript, f.segment, chairs), [f.text], "vote"))
        for f in _findings(transcript, units, _is_dissent, used)
    ]
    actions = _actions(transcript, units, used)
    if live:
        summary = _cut_to(_overview(info, header, live_polls, len(segments)), summary_chars)
    else:
        summary, chosen = extractive_summary(model, summary_chars, used)
        used.update(chosen)
        summarised.update(chosen)
    if live:
        sections = _live_sections(transcript, model, info, used, chairs)
    else:
        ranges = topic_sections(texts, count=len(info.agenda) or None)
        sections = [
            _section(
                transcript,
                model,
                first,
                last,
                info.agenda[n] if n < len(info.agenda) else "",
                used,
                chairs,
                summarised,
            )
            for n, (first, last) in enumerate(ranges)
        ]
    return Minutes(
        header=header,
        summary=summary,
        sections=sections,
        polls=[*live_polls, *_transcript_polls(units)],
        decisions=decisions,
        dissent=dissent,
        actions=actions,
        speakers=speakers,
        unmatched_speakers=[s.name for s in speakers if not s.matched],
        source={
            "format": transcript.format,
            "segments": len(segments),
            "chars": sum(len(t) for t in texts),
        },
        themes=[f"{label}（{size}条）" for label, size in info.themes],
    )


def findings_taken(transcript: Transcript, units: Sequence[Unit]) -> set[int]:
    """The units a bare transcript's decisions, dissent and actions take before the summary
    chooses (what `draft_minutes` leaves out of the summary)."""
    used: set[int] = set()
    _decisions(transcript, units, used)
    _findings(transcript, units, _is_dissent, used)
    _actions(transcript, units, used)
    return used


def extractive_summary(
    model: SalienceModel,
    summary_chars: int,
    taken: Collection[int] = (),
    params: Selection = SELECTION,
) -> tuple[str, list[int]]:
    """The summary of a meeting known only by its transcript: its most central sentences not
    `taken` by the findings, in the third person, within `summary_chars`; and their units."""
    free = [u.position for u in model.units if u.position not in taken]
    chosen = summary_rows(model, summary_chars, free or None, params)
    text = "".join(third_person(model.units[i].text) for i in chosen)
    return _cut_to(text, summary_chars), chosen


def _phrase(transcript: Transcript, segment: int, chairs: frozenset[str]) -> str:
    """How the minutes name the speaker of a turn ("王海燕委员")."""
    label = transcript.segments[segment].speaker
    match = transcript.match_for(label)
    name = match.name if match else label
    return speaker_phrase(name, match.category if match else "", chair=label in chairs)


def _cut_to(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = max(head.rfind(mark) for mark in "。；")
    return head[: stop + 1] if stop >= limit // 2 else head


def _chairs(transcript: Transcript, info: MeetingInfo) -> frozenset[str]:
    """The speaker labels of the meeting's chair(s)."""
    names = {n for n in re.split(r"[、，,]", info.moderator) if n}
    names |= {a.name for a in info.attendees if a.is_moderator}
    labels = set()
    for label in transcript.speaker_labels():
        match = transcript.match_for(label)
        name = match.name if match else label
        if name in names or "主持" in label:
            labels.add(label)
    return frozenset(labels)


def _overview(info: MeetingInfo, header: Header, polls: Sequence[Poll], turns: int) -> str:
    """会议概况 from the facts: when, where, who chaired, who attended, what was done."""
    when = "".join(x for x in (header.date, header.time) if x)
    where = f"在{header.place}" if header.place else ""
    who = info.organiser or "协商议事室"
    title = (info.title or header.title).removesuffix("纪要")
    lines = [
        f"{when}，{who}{where}召开{title}"
        + (f"，{header.moderator}主持" if header.moderator else "")
        + "。"
    ]
    if header.attendance:
        lines.append(f"会议{header.attendance}。")
    done = f"会议围绕“{header.topic}”" if header.topic else "会议"
    items = [p for p in dict.fromkeys(x.item for x in info.placements if x is not None)]
    if items:
        done += f"，依次协商了{'、'.join(items)}{'等' if len(items) > 2 else ''}{len(items)}项议程"
    speeches = info.speeches or turns
    done += f"，共{speeches}人次发言"
    if polls:
        passed = sum(1 for p in polls if p.passed)
        done += f"，进行表决{len(polls)}项" + (f"，通过{passed}项" if passed else "")
    lines.append(done + "。")
    return "".join(lines)


def _live_sections(
    transcript: Transcript,
    model: SalienceModel,
    info: MeetingInfo,
    used: set[int],
    chairs: frozenset[str],
) -> list[Section]:
    """One section per agenda item that ran, in the order it was first taken up, each turn
    filed under the item it was spoken in; key points per round, in spoken order."""
    placements = [
        info.placements[n] if n < len(info.placements) else None
        for n in range(len(transcript.segments))
    ]
    # A turn with no placement (typed by the clerk between speeches) goes with the turn before.
    last: Placement | None = next((p for p in placements if p is not None), None)
    for n, placed in enumerate(placements):
        if placed is None:
            placements[n] = last
        else:
            last = placed
    items = list(dict.fromkeys(p.item for p in placements if p is not None))
    sections = []
    for item in items:
        turns = [n for n, p in enumerate(placements) if p is not None and p.item == item]
        rows = [u.position for u in model.units if u.segment in set(turns)]
        scores = model.centrality(rows) if rows else None
        points: list[KeyPoint] = []
        rounds: list[str] = []
        for n in turns:
            placed = placements[n]
            assert placed is not None
            if placed.round not in rounds:
                rounds.append(placed.round)
        for round_title in rounds:
            in_round = [n for n in turns if placements[n].round == round_title]  # type: ignore[union-attr]
            kind = placements[in_round[0]].round_kind  # type: ignore[union-attr]
            points += _key_points(
                transcript, model, in_round, scores, used, chairs, round_title, kind
            )
        spoken = len({transcript.segments[n].speaker for n in turns})
        named = [r for r in rounds if r]
        summary = (
            f"本项议程进行了{'、'.join(named)}{'等' if len(named) > 3 else ''}{len(named)}个环节，"
            if named
            else "本项议程"
        ) + f"{spoken}人发言。"
        sections.append(
            Section(
                title=item,
                headline=headline(model, rows),
                keywords=keywords(model, rows, 6),
                first_segment=turns[0],
                last_segment=turns[-1],
                summary=summary,
                key_points=points,
            )
        )
    return sections


def _section(
    transcript: Transcript,
    model: SalienceModel,
    first: int,
    last: int,
    agenda_title: str,
    used: set[int],
    chairs: frozenset[str],
    spare: Collection[int] = (),
) -> Section:
    rows = [u.position for u in model.units if first <= u.segment <= last]
    scores = model.centrality(rows) if rows else None
    title_words = headline(model, rows)
    points = _key_points(
        transcript, model, list(range(first, last + 1)), scores, used, chairs, "", "", spare
    )
    summary = ""
    if not points:
        # The speakers' points are the section's body; a section without any gets its gist.
        chosen = summary_rows(model, SECTION_SUMMARY_CHARS, [r for r in rows if r not in used])
        used.update(chosen)
        summary = _cut_to("".join(model.units[i].text for i in chosen), SECTION_SUMMARY_CHARS)
    return Section(
        title=agenda_title or title_words,
        headline=title_words,
        keywords=keywords(model, rows, 6),
        first_segment=first,
        last_segment=last,
        summary=summary,
        key_points=points,
    )


def _key_points(
    transcript: Transcript,
    model: SalienceModel,
    turns: Sequence[int],
    scores: Any,
    used: set[int],
    chairs: frozenset[str],
    round_title: str,
    round_kind: str,
    spare: Collection[int] = (),
) -> list[KeyPoint]:
    """Up to three sentences per speaker of these turns, said in the third person with the
    speaker named; an enumeration ("一是……二是……") is kept whole."""
    points: list[KeyPoint] = []
    in_turns = set(turns)
    rows = [u.position for u in model.units if u.segment in in_turns]
    runs = enumeration_runs(model.units)
    for label in dict.fromkeys(transcript.segments[n].speaker for n in turns):
        own = [r for r in rows if transcript.segments[model.units[r].segment].speaker == label]
        # Vote counts belong to the polls' part, procedure to no part.
        fit = [
            r
            for r in own
            if not _VOTE_COUNT.search(model.units[r].text)
            and not is_procedural(model.units[r].text)
        ]
        free = [r for r in fit if r not in used]
        if not free:
            # Everything this speaker said is already in the summary: so that every speaker
            # is heard in the body, their point may repeat a summary sentence (short meetings).
            free = [r for r in fit if r in spare]
        if not free:
            continue
        chosen = select(model, KEY_POINT_CHARS, free, scores, min_chars=8, max_units=3)
        if not chosen:
            # Someone who only said short things still spoke: keep their longest sentence,
            # unless it only ran the meeting.
            longest = max(free, key=lambda r: len(model.units[r].text))
            if not is_content(model.units[longest].text) or len(model.units[longest].text) < 6:
                continue
            chosen = [longest]
        whole: list[int] = []
        for r in chosen:
            for member in runs.get(r, (r,)):
                if member not in whole and (member not in used or member in spare):
                    whole.append(member)
        whole.sort()
        used.update(whole)
        match = transcript.match_for(label)
        name = match.name if match else label
        phrase = _phrase(transcript, model.units[whole[0]].segment, chairs)
        sentences = [model.units[r].text for r in whole]
        points.append(
            KeyPoint(
                speaker=name,
                participant_id=match.participant_id if match else None,
                text=reported(
                    phrase,
                    sentences,
                    "summary" if label in chairs and not round_kind else round_kind,
                ),
                segments=sorted({model.units[r].segment for r in whole}),
                round=round_title,
            )
        )
    return points


_ENUM_HEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，、,是]|首先|其次|再次|最后|另外|"
    r"[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|[一二三四五六七八九十]+、)"
)


def enumeration_runs(units: Sequence[Unit], longest: int = 8) -> dict[int, tuple[int, ...]]:
    """Unit position → the whole enumeration it belongs to ("一是…。二是…。三是…。", with the
    sentence that announces it), for enumerations within one turn."""
    runs: dict[int, tuple[int, ...]] = {}
    n = 0
    while n < len(units):
        if not _ENUM_HEAD.match(units[n].text):
            n += 1
            continue
        start = n
        if (
            n > 0
            and units[n - 1].segment == units[n].segment
            and units[n - 1].text.endswith(("：", ":"))
        ):
            start = n - 1
        end = n
        while (
            end + 1 < len(units)
            and units[end + 1].segment == units[n].segment
            and _ENUM_HEAD.match(units[end + 1].text)
        ):
            end += 1
        if end > n and end - start < longest:
            members = tuple(u.position for u in units[start : end + 1])
            for m in members:
                runs[m] = members
        n = end + 1
    return runs


def _speakers(transcript: Transcript) -> list[SpeakerSummary]:
    result = []
    for label in transcript.speaker_labels():
        own = [s for s in transcript.segments if s.speaker == label]
        match = transcript.match_for(label)
        result.append(
            SpeakerSummary(
                label=label,
                name=match.name if match else (label or "未知发言人"),
                participant_id=match.participant_id if match else None,
                category=match.category if match else "",
                matched=bool(match and match.matched),
                turns=len(own),
                chars=sum(len(s.text) for s in own),
            )
        )
    return result


def _header(info: MeetingInfo, model: SalienceModel, speakers: list[SpeakerSummary]) -> Header:
    topic = (
        info.topic
        or _stated_topic(model.units)
        or "、".join(keywords(model, range(len(model.units)), 3))
    )
    present: dict[str, list[str]] = {}
    if info.attendees:
        for code in [*CATEGORY_LABELS, ""]:
            names = [
                a.name
                for a in info.attendees
                if a.status == "present"
                and (a.category if a.category in CATEGORY_LABELS else "") == code
            ]
            if names:
                present[CATEGORY_LABELS.get(code, "其他人员")] = names
    else:
        # A bare transcript: those who spoke are the attendance we know of.
        names = [s.name for s in speakers if s.label]
        if names:
            present["发言人"] = names
    moderator = info.moderator or next(
        (_without_role(s.name) for s in speakers if "主持" in s.label), ""
    )
    return Header(
        attendance=_attendance(info.attendees),
        title=info.title or (f"关于{topic}的协商会议纪要" if topic else "协商会议纪要"),
        number=info.number,
        date=info.date,
        time=info.time,
        place=info.place,
        moderator=moderator,
        recorder=info.recorder,
        topic=topic,
        agenda=list(info.agenda),
        present=present,
        observers=[a.name for a in info.attendees if a.status == "observer"],
        absent=[_absence(a) for a in info.attendees if a.status in ("absent", "leave")],
    )


def _attendance(people: Sequence[Attendee]) -> str:
    """ "应到9人，实到7人（现场4人、线上3人），请假1人，缺席1人", from the attendees whose
    check-in mode is known; "" when nobody's is (a bare transcript or a meeting not held live)."""
    expected = [a for a in people if a.status != "observer"]
    if not any(a.mode for a in people):
        return ""
    present = [a for a in expected if a.status == "present"]
    modes = [
        f"{label}{n}人"
        for label, mode in (("现场", "in_room"), ("线上", "remote"))
        if (n := sum(1 for a in present if a.mode == mode))
    ]
    text = f"应到{len(expected)}人，实到{len(present)}人"
    if modes:
        text += f"（{'、'.join(modes)}）"
    leave = sum(1 for a in expected if a.status == "leave")
    absent = sum(1 for a in expected if a.status == "absent")
    if leave:
        text += f"，请假{leave}人"
    if absent:
        text += f"，缺席{absent}人"
    return text


def _absence(person: Attendee) -> str:
    """ "王秀英", or "王秀英（请假：外出）" for someone absent with leave."""
    if person.status != "leave":
        return person.name
    reason = person.reason if person.reason and person.reason != "请假" else ""
    return f"{person.name}（请假{'：' + reason if reason else ''}）"


def _without_role(label: str) -> str:
    """ "主持人（张明）" or "主持人张明" → "张明"; a bare "主持人" stays as it is."""
    inner = re.search(r"[（(]([^）)]+)[）)]", label)
    if inner and "主持" in label[: inner.start()]:
        return inner.group(1)
    name = re.sub(r"^主持人[：:]?", "", label)
    return name or label


_STATED_TOPIC = re.compile(
    r"(?:议题是|议题为|主题是|围绕)[“《\"]?([^，。；”》\"]{4,30}?)[”》\"]?(?:进行|开展|展开|[，。；])"
)


def _stated_topic(units: Sequence[Unit]) -> str:
    """The topic as the chair states it at the start ("今天的议题是……")."""
    for unit in units[:20]:
        found = _STATED_TOPIC.search(unit.text)
        if found:
            return found.group(1)
    return ""


# --- decisions, dissent, actions, polls -----------------------------------------------------

_DECISION = re.compile(
    r"会议(?:议定|决定|同意|明确|商定|认为|要求)|一致(?:同意|通过|认为|赞成)|达成(?:了)?(?:共识|一致)"
    r"|形成(?:了)?(?:共识|一致意见)|议定如下|表决通过|原则同意|(?<![不没])同意.{0,12}(?:方案|意见|建议)"
    r"|(?:经|通过)(?:过)?(?:充分)?(?:协商|讨论|表决)[，,]"
)
_DISSENT = re.compile(
    r"不同意|反对|不赞成|不认同|不支持|有(?:不同|保留)意见|保留意见|持不同|有异议|质疑|顾虑|担心"
)
# "没有不同意见", "无人反对" say the opposite of dissent.
_NEGATED_DISSENT = re.compile(
    r"(?:没有|没|无|未|不存在|无人|没人|没有人)[^，。；]{0,4}(?:不同意见|异议|反对)|持不同意见的"
)
_VOTE_COUNT = re.compile(
    r"(赞成|同意|支持|反对|不同意|弃权)(?:的)?(?:票数)?(?:为|有|是)?\s*"
    r"([0-9]+|[零〇一二两三四五六七八九十百]+)\s*(?:票|人|位|名)"
)
_UNANIMOUS = re.compile(r"全票通过|一致通过|全体同意|全票赞成")
_POLL_CONTEXT = re.compile(r"表决|投票|举手|票决")


def _is_decision(text: str) -> bool:
    return bool(_DECISION.search(text)) and not text.endswith(("？", "?"))


def _is_dissent(text: str) -> bool:
    if _VOTE_COUNT.search(text) or _NEGATED_DISSENT.search(text):
        return False
    return bool(_DISSENT.search(text))


def _findings(
    transcript: Transcript,
    units: Sequence[Unit],
    keep: Callable[[str], bool],
    used: set[int],
    limit: int = 20,
) -> list[Finding]:
    found = [u for u in units if u.position not in used and keep(u.text)]
    return _take(transcript, found, used, limit)


def _take(
    transcript: Transcript,
    units: Sequence[Unit],
    used: set[int],
    limit: int,
    units_named: bool = False,
) -> list[Finding]:
    """Findings of distinct sentences, marking their units as used; with `units_named`, each
    with the organisation it assigns."""
    kept = _distinct_units(units)[:limit]
    used.update(u.position for u in kept)
    return [_finding(transcript, u, find_unit(u.text) if units_named else None) for u in kept]


def _distinct_units(units: Sequence[Unit]) -> list[Unit]:
    seen: set[str] = set()
    kept = []
    for u in units:
        key = re.sub(r"\W", "", u.text)
        if key not in seen:
            seen.add(key)
            kept.append(u)
    return kept


def _decisions(
    transcript: Transcript,
    units: Sequence[Unit],
    used: set[int],
    chairs: frozenset[str] = frozenset(),
    limit: int = 20,
) -> list[Finding]:
    """Sentences stating an agreement, and the numbered items that follow "议定如下". When the
    chair is known, the chair's decisions are the meeting's (others only propose)."""
    found = []
    listing = -1  # the segment whose enumerated decisions we are reading
    for unit in units:
        text = unit.text
        if _DECISION_LIST.search(text):
            listing = unit.segment
        elif unit.segment != listing or not _ENUMERATED.match(text):
            listing = -1
        if unit.position in used:
            continue
        if listing == unit.segment or _is_decision(text):
            found.append(unit)
    if chairs:
        by_chair = [u for u in found if transcript.segments[u.segment].speaker in chairs]
        found = by_chair or found
    return _take(transcript, found, used, limit, units_named=True)


_DECISION_LIST = re.compile(
    r"(?:议定|决定|明确|商定|共识|意见)(?:如下|以下)|(?:以下|如下)(?:几点|事项)"
)
_ENUMERATED = re.compile(
    r"^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，、,]?|[（(][一二三四五六七八九十\d]+[)）]|"
    r"\d+[.、．]|[一二三四五六七八九十]+、)"
)


def _finding(transcript: Transcript, unit: Unit, unit_name: str | None = None) -> Finding:
    label = transcript.segments[unit.segment].speaker
    match = transcript.match_for(label)
    return Finding(
        text=unit.text,
        segment=unit.segment,
        speaker=match.name if match else (label or "未知发言人"),
        participant_id=match.participant_id if match else None,
        unit=unit_name,
    )


# A responsible unit (责任单位) is an organisation the transcript assigns to act: named right
# after an assignment ("由/请/责成/交由/委托 + 单位") or at the head of a clause followed by
# 负责/牵头 ("镇住建办负责……"). Its name ends in an organisation's suffix, has a modifier
# before that suffix, and holds no pronoun or function word (so "所以所", "于咱们公司" and
# "我个人是对所" are no units). A bare "所/办/站/队" counts only in the names it usually ends.
_UNIT_SUFFIX = (
    r"(?:人民政府|政府|街道办事处|办事处|街道|委员会|居委会|村委会|村民委员会|业委会|管委会|"
    r"党委|党工委|支部|办公室|局|中心|公司|集团|卫生院|医院|法院|检察院|学校|小学|中学|幼儿园|"
    r"(?:派出|供电|司法|财政|国土|水利|农技|兽医|规划|城管|农经|自然资源|律师事务|卫生)所|"
    r"(?:住建|城建|城管|综治|经发|农业|农经|社事|社会事务|民政|安监|环保|财政|信访|司法|扶贫|"
    r"文教|规划|拆迁|党政|征收|应急|退役军人服务)办|办|"
    r"(?:执法|交警|消防|巡逻|治安|城管)(?:大队|中队)|(?:服务|工作|管理|水务|环卫|供水|供电|"
    r"派出|农技|综合)站|社区|物业服务企业|物业公司|物业|村)"
)
_UNIT_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()]{0,16}?" + _UNIT_SUFFIX)
_SUFFIX_ONLY = re.compile(_UNIT_SUFFIX)
# Bare suffixes that name an organisation on their own in a township's talk.
_BARE_UNITS = frozenset(
    {"街道", "社区", "物业", "党委", "卫生院", "派出所", "供电所", "司法所", "物业公司", "居委会"}
    | {"村委会", "业委会", "管委会", "物业服务企业", "党工委"}
)
_OFFICE = re.compile(
    r"(?:住建|城建|城管|综治|经发|农业|农经|社事|社会事务|民政|安监|环保|财政|信访|司法|扶贫|文教|"
    r"规划|拆迁|党政|征收|应急|退役军人服务)办$"
)
_PLACES = ("镇", "区", "县", "市", "乡", "街道")
_ASSIGN_CUE = re.compile(r"(?:由|请|责成|交由|交给|委托|明确由|要求)")
_CLAUSE_CUE = re.compile(r"(?:^|[，,；;。：:])")
_ACT_AFTER = re.compile(
    r"(?:[\u4e00-\u9fff]{0,2}(?:负责|牵头|落实|研究|制定|做好|抓紧|尽快|协调|配合|组织|加强|"
    r"开展|办理|跟进|实施|推进|解决|安排|完善|出台|加快|督促|核实|调查|对接|组织)|会同|联合|"
    r"和|与|及|、)"
)
_LEADS = re.compile(r"(?:负责|牵头)")
# Pronouns and function words never stand inside an organisation's name.
_NOT_IN_NAME = re.compile(
    r"^(?:由|请|责成|交由|交给|委托|要求)|所以|这|那|咱|我|你|他|她|的|了|是|于|对|把|被|就|也|都|"
    r"还|能|在|个|些|么|吗|呢|吧|啊|"
    r"大家|什么|怎么|如果|因为|但是|可以|应该|需要"
)
_JOINED = re.compile(r"会同|联合|配合|协同|和|与|及|、")


def find_unit(text: str) -> str | None:
    """The organisation a sentence assigns to act, if it names one ("由A会同B负责": A)."""
    for cue in _ASSIGN_CUE.finditer(text):
        name = _unit_at(text, cue.end(), after=_ACT_AFTER)
        if name:
            return name
    for cue in _CLAUSE_CUE.finditer(text):
        name = _unit_at(text, cue.end(), after=_LEADS)
        if name:
            return name
    return None


def _unit_at(text: str, start: int, after: re.Pattern[str]) -> str | None:
    """The organisation's name starting at `start` and followed by what `after` matches."""
    for match in _UNIT_NAME.finditer(text, start, min(len(text), start + 24)):
        if match.start() != start:
            break
        end = match.end()
        while (more := _SUFFIX_ONLY.match(text, end)) is not None:
            end = more.end()  # "幸福社区" + "居委会"
        name = text[start:end]
        if _NOT_IN_NAME.search(name) or _JOINED.search(name):
            return None
        if _SUFFIX_ONLY.fullmatch(name) and name not in _BARE_UNITS:
            continue
        if name.endswith("办") and not (_OFFICE.search(name) or name.startswith(_PLACES)):
            continue  # "办" ends a name only for a known office or a township's own office
        if after.match(text, end):
            return name
    return None


def _actions(
    transcript: Transcript, units: Sequence[Unit], used: set[int], limit: int = 20
) -> list[Finding]:
    """Sentences that assign a named organisation to act ("由镇住建办牵头……")."""
    found = []
    for unit in units:
        text = unit.text
        if unit.position in used or text.endswith(("？", "?")):
            continue
        if find_unit(text):
            found.append(unit)
    return _take(transcript, found, used, limit, units_named=True)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """Arabic or Chinese numerals below a thousand ("十五", "二十三", "一百零二") as an int."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += (digit or 1) * 100
            digit = 0
    return total + digit


_CHOICE_NAMES = {"赞成": "赞成", "同意": "赞成", "支持": "赞成", "反对": "反对", "不同意": "反对"}
_CHOICE_NAMES["弃权"] = "弃权"


def _transcript_polls(units: Sequence[Unit]) -> list[Poll]:
    """Votes announced in the transcript ("赞成15票，反对2票，弃权1票，通过")."""
    polls = []
    for n, unit in enumerate(units):
        text = unit.text
        counts: dict[str, int] = {}
        for choice, number in _VOTE_COUNT.findall(text):
            key = _CHOICE_NAMES[choice]
            counts.setdefault(key, chinese_number(number))
        unanimous = bool(_UNANIMOUS.search(text))
        if not (len(counts) >= 2 or (counts and _POLL_CONTEXT.search(text)) or unanimous):
            continue
        polls.append(
            Poll(
                question=_poll_question(units, n),
                counts=counts,
                votes=sum(counts.values()),
                passed=_passed(text, counts, unanimous),
                segment=unit.segment,
                source="transcript",
            )
        )
    return polls


def _poll_question(units: Sequence[Unit], n: int) -> str:
    """What was voted on: the clause naming the matter, here or in the two sentences before."""
    for unit in (units[n], *reversed(units[max(0, n - 2) : n])):
        named = re.search(
            r"(?:对|就)(.{2,40}?)(?:进行|举行|实行)?(?:举手|无记名|记名|书面)?(?:表决|投票)",
            unit.text,
        )
        if named:
            return named.group(1)
        quoted = re.search(r"《[^》]{1,40}》|“[^”]{1,40}”", unit.text)
        if quoted:
            return quoted.group(0)
    return "表决事项"


def _passed(text: str, counts: Mapping[str, int], unanimous: bool) -> bool | None:
    if re.search(r"未通过|没有通过|未获通过|不通过", text):
        return False
    if unanimous or "通过" in text:
        return True
    if "赞成" in counts and counts:
        return counts["赞成"] * 2 > sum(counts.values())
    return None


def _live_poll(poll: Mapping[str, Any]) -> Poll:
    """A poll from the live meeting's snapshot (CONTRACT.md), counts keyed by option label."""
    labels = {str(o["option_id"]): str(o["label"]) for o in poll.get("options", [])}
    result = poll.get("result") or {}
    counts = {labels.get(str(k), str(k)): int(v) for k, v in (result.get("counts") or {}).items()}
    detail, winner = poll_detail(poll)
    return Poll(
        question=str(poll.get("question", "")),
        counts=counts,
        votes=int(result.get("votes", sum(counts.values()))),
        passed=result.get("passed"),
        segment=None,
        source="live",
        kind=str(poll.get("kind") or ""),
        detail=detail,
        winner=winner,
    )


# --- recommendation report ------------------------------------------------------------------


def draft_recommendations(
    minutes: Minutes, info: MeetingInfo | None = None
) -> RecommendationReport:
    """The 协商建议 reported to the party committee and government (第十七条), from the minutes.

    Each agreed decision or assigned action becomes a numbered recommendation, with the
    speakers' points that argued for it as its reasoning and its 责任单位 only where the
    transcript assigns an organisation (else None: 待明确). A meeting that agreed nothing
    explicit gets one recommendation per section, from its speakers' proposals. The report
    is addressed to `info.recipient` (主送), signed by `info.organiser` (落款) with the
    meeting's date, and closes as a report does (特此报告)."""
    info = info or MeetingInfo()
    header = minutes.header
    items: list[Recommendation] = []
    seen: set[str] = set()
    # In spoken order; decisions taken by vote (no segment) after the spoken ones.
    findings = sorted(
        [*minutes.decisions, *minutes.actions],
        key=lambda f: f.segment if f.segment >= 0 else 1 << 30,
    )
    for finding in findings:
        text = plain_item(finding.text)
        key = re.sub(r"\W", "", text)
        if len(key) < 6 or key in seen:
            continue
        seen.add(key)
        section = _section_of(minutes.sections, finding.segment)
        if section is not None:
            rationale = _rationale(section, text, finding.segment)
        else:
            # A decision taken by vote: the vote is its reason.
            rationale = next(
                (f"表决结果：{p.detail}" for p in minutes.polls if p.detail and p.question in text),
                "",
            )
        items.append(
            Recommendation(
                number=len(items) + 1,
                text=text,
                rationale=rationale,
                unit=finding.unit or find_unit(text),
                segment=finding.segment if finding.segment >= 0 else None,
            )
        )
    if not items:
        for section in minutes.sections:
            proposal = _proposal(section)
            if proposal is None:
                continue
            point, sentence = proposal
            text = f"关于{section.title}，{_unreported(point, sentence)}"
            items.append(
                Recommendation(
                    number=len(items) + 1,
                    text=text,
                    rationale=_rationale(
                        section, text, point.segments[0] if point.segments else -1
                    ),
                    unit=find_unit(sentence),
                    segment=point.segments[0] if point.segments else section.first_segment,
                )
            )
    when = "，".join(x for x in (header.date, f"在{header.place}" if header.place else "") if x)
    organiser = info.organiser or "协商议事室"
    intro = (
        f"{when + '，' if when else ''}{organiser}围绕“{header.topic or header.title}”"
        "组织开展协商议事活动。现将协商形成的意见建议报告如下："
    )
    closing = "特此报告。"
    if minutes.dissent:
        closing = "对协商过程中持不同意见的群众，协商组织者将及时做好解释说明工作。" + closing
    return RecommendationReport(
        title=f"关于{header.topic or header.title}的协商建议",
        recipient=info.recipient or "党委、政府",
        intro=intro,
        items=items,
        closing=closing,
        signatory=organiser,
        date=header.date,
    )


_PROPOSING = re.compile(r"建议|应当|应该|要|希望|呼吁|提议")


def _proposal(section: Section) -> tuple[KeyPoint, str] | None:
    """The first sentence of the section's key points that proposes something."""
    for point in section.key_points:
        for sentence in split_sentences(point.text):
            if _PROPOSING.search(sentence):
                return point, sentence
    return None


def _unreported(point: KeyPoint, sentence: str) -> str:
    """A key point's sentence without its "王海燕委员提出，" lead-in."""
    head = sentence.find("，")
    if point.speaker and point.speaker in sentence[: max(head, 0)]:
        return sentence[head + 1 :]
    return sentence


def plain_item(text: str) -> str:
    """A decision or action sentence without its list header and its enumeration."""
    head = re.search(r"(?:如下|以下)[^：:]{0,6}[：:]", text)
    if head and len(text) - head.end() >= 6:
        text = text[head.end() :]
    text = _ENUMERATED.sub("", text).strip()
    return text.rstrip("；;，,") + ("" if text.endswith(("。", "！")) else "。")


def _rationale(section: Section, text: str, source: int = -1, limit: int = 2) -> str:
    """The speakers' points in the section that share most words with the recommendation,
    leaving out the turn the recommendation itself comes from (often the chair's wrap-up);
    each names its speaker. With no overlap at all, the section's first other point."""
    target = set(_bigrams(text))
    scored = []
    fallback = ""
    for point in section.key_points:
        if source in point.segments:
            continue
        for sentence in split_sentences(point.text):
            if plain_item(sentence) == text:
                continue
            said = (
                sentence
                if point.speaker in sentence[: len(point.speaker) + 8]
                else (f"{point.speaker}指出，{sentence}")
            )
            fallback = fallback or said
            overlap = len(target & set(_bigrams(sentence)))
            if overlap:
                scored.append((overlap, said))
    scored.sort(key=lambda pair: -pair[0])
    return "".join(s for _, s in scored[:limit]) or fallback


def _bigrams(text: str) -> list[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return [a + b for a, b in itertools.pairwise(chars)]


def _section_of(sections: Sequence[Section], segment: int) -> Section | None:
    for section in sections:
        if section.first_segment <= segment <= section.last_segment:
            return section
    return None
