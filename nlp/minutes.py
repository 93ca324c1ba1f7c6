"""The minutes draft (会议纪要) and the recommendation report (协商建议) drafted from a transcript.
Data classes, the pure drafting functions, and the JSON shape documented in docs/minutes.md."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from nlp.summarize import (
    SalienceModel,
    Unit,
    headline,
    keywords,
    select,
    sentence_units,
    summary_of,
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


@dataclass(frozen=True)
class KeyPoint:
    """What one speaker said in a section, in a few extracted sentences."""

    speaker: str
    participant_id: str | None
    text: str
    segments: list[int]


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
    """Drafts the minutes of a meeting from its transcript, its details and its live polls."""
    info = info or MeetingInfo()
    segments = transcript.segments
    texts = [s.text for s in segments]
    units = sentence_units(texts)
    model = SalienceModel(units)
    summary = summary_of(model, summary_chars)
    ranges = topic_sections(texts, count=len(info.agenda) or None)
    sections = [
        _section(transcript, model, first, last, info.agenda[n] if n < len(info.agenda) else "")
        for n, (first, last) in enumerate(ranges)
    ]
    speakers = _speakers(transcript)
    header = _header(info, model, speakers)
    return Minutes(
        header=header,
        summary=summary,
        sections=sections,
        polls=[*map(_live_poll, polls), *_transcript_polls(units)],
        decisions=_decisions(transcript, units),
        dissent=_findings(transcript, units, _is_dissent),
        actions=_actions(transcript, units),
        speakers=speakers,
        unmatched_speakers=[s.name for s in speakers if not s.matched],
        source={
            "format": transcript.format,
            "segments": len(segments),
            "chars": sum(len(t) for t in texts),
        },
    )


def _section(
    transcript: Transcript, model: SalienceModel, first: int, last: int, agenda_title: str
) -> Section:
    rows = [u.position for u in model.units if first <= u.segment <= last]
    scores = model.centrality(rows) if rows else None
    title_words = headline(model, rows)
    points: list[KeyPoint] = []
    for label in dict.fromkeys(s.speaker for s in transcript.segments[first : last + 1]):
        own = [r for r in rows if transcript.segments[model.units[r].segment].speaker == label]
        if not own:
            continue
        chosen = select(model, KEY_POINT_CHARS, own, scores, min_chars=8, max_units=3)
        if not chosen:
            # Someone who only said short things still attended and spoke: keep their longest.
            chosen = [max(own, key=lambda r: len(model.units[r].text))]
        match = transcript.match_for(label)
        points.append(
            KeyPoint(
                speaker=match.name if match else label,
                participant_id=match.participant_id if match else None,
                text="".join(model.units[r].text for r in chosen),
                segments=sorted({model.units[r].segment for r in chosen}),
            )
        )
    return Section(
        title=agenda_title or title_words,
        headline=title_words,
        keywords=keywords(model, rows, 6),
        first_segment=first,
        last_segment=last,
        summary=summary_of(model, SECTION_SUMMARY_CHARS, rows) if rows else "",
        key_points=points,
    )


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
    transcript: Transcript, units: Sequence[Unit], keep: Callable[[str], bool], limit: int = 20
) -> list[Finding]:
    found = []
    for unit in units:
        if keep(unit.text):
            found.append(_finding(transcript, unit))
    return _distinct(found)[:limit]


def _decisions(transcript: Transcript, units: Sequence[Unit], limit: int = 20) -> list[Finding]:
    """Sentences stating an agreement, and the numbered items that follow "议定如下"."""
    found = []
    listing = -1  # the segment whose enumerated decisions we are reading
    for unit in units:
        text = unit.text
        if _DECISION_LIST.search(text):
            listing = unit.segment
        elif unit.segment != listing or not _ENUMERATED.match(text):
            listing = -1
        if listing == unit.segment or _is_decision(text):
            found.append(_finding(transcript, unit))
    return _distinct(found)[:limit]


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


def _distinct(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept = []
    for f in findings:
        key = re.sub(r"\W", "", f.text)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


# A responsible unit: administrative and service bodies end in one of these.
_UNIT_SUFFIX = (
    r"(?:人民政府|政府|街道办事处|街道办|街道|办事处|委员会|居委会|村委会|村民委员会|业委会|"
    r"管委会|局|委|办公室|办|中心|公司|集团|医院|学校|派出所|供电所|所|站|队|社区|物业|"
    r"服务中心|小组)"
)
_UNIT = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{1,14}?" + _UNIT_SUFFIX + r")")
_ASSIGN = re.compile(
    r"(?:由|请|责成|交由|建议|要求|会同|委托)([\u4e00-\u9fffA-Za-z0-9、和与及]{2,30}?"
    + _UNIT_SUFFIX
    + r")"
    r"(?:[\u4e00-\u9fff]{0,4})?(?:负责|牵头|落实|研究|制定|做好|抓紧|尽快|协调|配合|组织|"
    r"加强|开展|办理|跟进|实施|推进|解决|安排|完善|出台|加快|督促|核实|调查)"
)
_ACTION_VERB = re.compile(
    r"负责|牵头|落实|抓紧|尽快|限期|督促|跟进|推进|办理|月底前|年底前|之前完成|下一步|责成"
)
# Words ending in a unit suffix that are not units.
_NOT_UNITS = frozenset({"大家伙", "什么办", "怎么办", "咋办", "主办", "承办", "一起办"})


def find_unit(text: str) -> str | None:
    """The department or unit a sentence names as responsible, if it names one."""
    assigned = _ASSIGN.search(text)
    if assigned:
        name = _extend_unit(text, assigned.start(1), assigned.end(1))
        # "由A会同B负责": A leads; the first named unit is the responsible one.
        lead = _JOINED.split(name)[0]
        return lead if _UNIT.fullmatch(lead) else name
    for match in _UNIT.finditer(text):
        name = _extend_unit(text, match.start(1), match.end(1))
        name = re.sub(r"^(?:由|请|责成|交由|建议|要求|会同|委托|让|把|对|向|和|与|及)", "", name)
        if len(name) >= 3 and name not in _NOT_UNITS and not name.endswith(("怎么办", "咋办")):
            return name
    return None


_MORE_SUFFIX = re.compile(_UNIT_SUFFIX)
_JOINED = re.compile(r"会同|联合|配合|协同|和|与|及|、")


def _extend_unit(text: str, start: int, end: int) -> str:
    """Grows a unit name over the suffixes that follow it ("幸福社区" + "居委会")."""
    while True:
        more = _MORE_SUFFIX.match(text, end)
        if not more:
            return text[start:end]
        end = more.end()


def _actions(transcript: Transcript, units: Sequence[Unit], limit: int = 20) -> list[Finding]:
    found = []
    for unit in units:
        text = unit.text
        if text.endswith(("？", "?")):
            continue
        # An action names who acts: an explicit assignment, or an action verb and a unit.
        unit_name = find_unit(text)
        if _ASSIGN.search(text) or (unit_name and _ACTION_VERB.search(text)):
            found.append(_finding(transcript, unit, unit_name))
    return _distinct(found)[:limit]


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
    return Poll(
        question=str(poll.get("question", "")),
        counts=counts,
        votes=int(result.get("votes", sum(counts.values()))),
        passed=result.get("passed"),
        segment=None,
        source="live",
    )


# --- recommendation report ------------------------------------------------------------------


def draft_recommendations(
    minutes: Minutes, info: MeetingInfo | None = None
) -> RecommendationReport:
    """The 协商建议 to the party committee and government (第十七条), from the drafted minutes.

    Each proposed action or agreed decision becomes a numbered recommendation, with the
    section summary it came from as rationale; a meeting that agreed nothing explicit gets
    one recommendation per discussed section."""
    info = info or MeetingInfo()
    header = minutes.header
    items: list[Recommendation] = []
    seen: set[str] = set()
    findings = sorted([*minutes.decisions, *minutes.actions], key=lambda f: f.segment)
    for finding in findings:
        text = plain_item(finding.text)
        key = re.sub(r"\W", "", text)
        if len(key) < 6 or key in seen:
            continue
        seen.add(key)
        section = _section_of(minutes.sections, finding.segment)
        items.append(
            Recommendation(
                number=len(items) + 1,
                text=text,
                rationale=_rationale(section, text, finding.segment) if section else "",
                unit=finding.unit or find_unit(text),
                segment=finding.segment,
            )
        )
    if not items:
        for section in minutes.sections:
            if section.summary:
                items.append(
                    Recommendation(
                        number=len(items) + 1,
                        text=f"关于{section.title}：{section.summary}",
                        rationale=_rationale(section, section.summary),
                        unit=find_unit(section.summary),
                        segment=section.first_segment,
                    )
                )
    when = "".join(x for x in (header.date, header.place) if x)
    intro = (
        f"{when + '，' if when else ''}"
        f"{info.organiser or '协商议事室'}围绕“{header.topic or header.title}”"
        "组织开展协商议事活动。"
        "现将协商形成的意见建议报告如下："
    )
    closing = "以上建议，妥否，请审示。"
    if minutes.dissent:
        closing = "对协商过程中持不同意见的群众，协商组织者将及时做好解释说明工作。" + closing
    return RecommendationReport(
        title=f"关于{header.topic or header.title}的协商建议",
        recipient=info.recipient or "党委、政府",
        intro=intro,
        items=items,
        closing=closing,
    )


def plain_item(text: str) -> str:
    """A decision or action sentence without its list header and its enumeration."""
    head = re.search(r"(?:如下|以下)[^：:]{0,6}[：:]", text)
    if head and len(text) - head.end() >= 6:
        text = text[head.end() :]
    text = _ENUMERATED.sub("", text).strip()
    return text.rstrip("；;，,") + ("" if text.endswith(("。", "！")) else "。")


def _rationale(section: Section, text: str, source: int = -1, limit: int = 2) -> str:
    """The speakers' points in the section that share most words with the recommendation,
    leaving out the turn the recommendation itself comes from (often the chair's wrap-up)."""
    target = set(_bigrams(text))
    scored = []
    for point in section.key_points:
        if source in point.segments:
            continue
        for sentence in split_sentences(point.text):
            if plain_item(sentence) == text:
                continue
            overlap = len(target & set(_bigrams(sentence)))
            if overlap:
                scored.append((overlap, f"{point.speaker}：{sentence}"))
    scored.sort(key=lambda pair: -pair[0])
    return "".join(s for _, s in scored[:limit])


def _bigrams(text: str) -> list[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return [a + b for a, b in itertools.pairwise(chars)]


def _section_of(sections: Sequence[Section], segment: int) -> Section | None:
    for section in sections:
        if section.first_segment <= segment <= section.last_segment:
            return section
    return None
