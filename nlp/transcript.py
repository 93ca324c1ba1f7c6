"""Transcripts: reading an imported file (text, SRT, WebVTT, DOCX, JSONL) into speaker segments.
Also owns matching the transcript's speaker labels to the meeting's participants."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import charset_normalizer

# A two-hour meeting is about 30,000 characters (~100 KB as UTF-8); 10 MB leaves room for
# long DOCX files with pictures while refusing dumps that would tie up the server.
MAX_BYTES = 10 * 1024 * 1024

Format = Literal["text", "srt", "vtt", "docx", "jsonl"]


class TranscriptError(ValueError):
    """The file cannot be read as a transcript; the message is shown to the user as is."""


@dataclass(frozen=True)
class Segment:
    """One speaker turn: who spoke, when (seconds from the start, if known), and what."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Participant:
    """What matching needs to know about a participant of the meeting."""

    participant_id: str
    name: str
    category: str = ""
    title: str = ""


@dataclass(frozen=True)
class SpeakerMatch:
    """A speaker label of the transcript and the participant it was matched to, if any."""

    label: str
    participant_id: str | None
    name: str
    category: str = ""

    @property
    def matched(self) -> bool:
        return self.participant_id is not None


@dataclass(frozen=True)
class Transcript:
    """The parsed segments in spoken order, and the format they were read from."""

    segments: tuple[Segment, ...]
    format: Format
    speakers: tuple[SpeakerMatch, ...] = field(default=())

    def speaker_labels(self) -> list[str]:
        """Distinct speaker labels in order of first appearance."""
        return list(dict.fromkeys(s.speaker for s in self.segments))

    @property
    def unmatched(self) -> list[str]:
        return [m.label for m in self.speakers if not m.matched]

    def match_for(self, label: str) -> SpeakerMatch | None:
        for m in self.speakers:
            if m.label == label:
                return m
        return None


# --- decoding -------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Bytes to text, detecting the encoding; refuses binary data and undecodable files."""
    if not data.strip():
        raise TranscriptError("文件是空的，没有可读取的发言记录。")
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise _encoding_error() from exc
    if b"\x00" in data[:4096]:
        raise TranscriptError("文件似乎是二进制文件（如图片、压缩包或可执行文件），不是文字记录。")
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    # Chinese files that are not UTF-8 are almost always GBK/GB18030 or Big5; limiting the
    # candidates keeps charset-normalizer from "succeeding" with a Western code page.
    best = charset_normalizer.from_bytes(
        data[:200_000], cp_isolation=["gb18030", "big5"], threshold=0.2
    ).best()
    if best is None:
        raise _encoding_error()
    try:
        return _checked(data.decode(best.encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise _encoding_error() from exc


def _encoding_error() -> TranscriptError:
    return TranscriptError("无法识别文件的字符编码，请将文件另存为 UTF-8 编码的文本后重试。")


def _checked(text: str) -> str:
    """Refuses decoded text that is mostly control or unassigned characters (mojibake)."""
    sample = text[:20_000]
    bad = sum(
        1
        for ch in sample
        if unicodedata.category(ch) in {"Cc", "Cn", "Co", "Cs"} and ch not in "\t\n\r\f"
    )
    if not text.strip():
        raise TranscriptError("文件是空的，没有可读取的发言记录。")
    if bad > max(4, len(sample) // 50):
        raise TranscriptError("文件内容无法按文字读取（可能是二进制文件或编码错误）。")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- reading --------------------------------------------------------------------------------


def read_transcript(data: bytes, filename: str = "") -> Transcript:
    """Parses an imported transcript file; the format comes from the name and the content."""
    if len(data) > MAX_BYTES:
        size_mb = len(data) / (1024 * 1024)
        limit_mb = MAX_BYTES // (1024 * 1024)
        raise TranscriptError(f"文件过大（{size_mb:.1f} MB），发言记录文件不能超过 {limit_mb} MB。")
    if not data.strip():
        raise TranscriptError("文件是空的，没有可读取的发言记录。")
    if data.startswith(b"PK\x03\x04"):
        return _finish(parse_docx(data), "docx")
    if filename.lower().endswith(".docx"):
        raise TranscriptError("文件扩展名是 .docx，但内容不是有效的 Word 文档。")
    return parse_text_file(decode(data), filename)


def parse_text_file(text: str, filename: str = "") -> Transcript:
    """Parses decoded text, choosing among JSONL, WebVTT, SRT and plain turns."""
    fmt = sniff_format(text, filename)
    if fmt == "jsonl":
        return _finish(parse_jsonl(text), "jsonl")
    if fmt in ("srt", "vtt"):
        return _finish(merge_turns(parse_cues(text)), fmt)
    return _finish(parse_turns(text.splitlines()), "text")


def sniff_format(text: str, filename: str = "") -> Format:
    name = filename.lower()
    head = text.lstrip("\ufeff \n\t")
    if name.endswith((".jsonl", ".json", ".ndjson")) or head.startswith(("{", "[")):
        return "jsonl"
    if name.endswith(".vtt") or head.startswith("WEBVTT"):
        return "vtt"
    if name.endswith(".srt") or _CUE_TIME.search(head[:2000]):
        return "srt"
    return "text"


def _finish(segments: list[Segment], fmt: Format) -> Transcript:
    kept = [s for s in segments if s.text.strip()]
    if not kept:
        raise TranscriptError("文件中没有找到任何发言内容。")
    transcript = Transcript(segments=tuple(kept), format=fmt)
    speakers = tuple(
        SpeakerMatch(label=label, participant_id=None, name=label or "未知发言人")
        for label in transcript.speaker_labels()
    )
    return replace(transcript, speakers=speakers)


# Plain text: "姓名：话" or "姓名:话", optionally after a time stamp, or a header line
# "姓名 00:01:05" (the layout of common meeting-app exports) followed by the words.
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_NAME = r"[^\s:：,，。！？!?、；;()（）\[\]【】\"“”]{1,16}"
_TURN = re.compile(
    rf"^\s*(?:[\[【(（]?(?P<time>{_TIME})[\]】)）]?\s*)?"
    rf"(?P<name>{_NAME}(?:[（(][^）)]{{1,30}}[）)])?)\s*[:：]\s*(?P<text>.*)$"
)
_HEADER = re.compile(rf"^\s*(?P<name>{_NAME})\s+[\[(（]?(?P<time>{_TIME})[\])）]?\s*$")


def parse_turns(lines: Iterable[str]) -> list[Segment]:
    """Plain text turns; lines without a speaker continue the previous turn."""
    segments: list[Segment] = []
    speaker: str | None = None
    start: float | None = None
    parts: list[str] = []
    found_speaker = False

    def flush() -> None:
        if parts:
            segments.append(Segment(speaker or "", "".join(parts), start))

    for raw in lines:
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        turn = _TURN.match(line)
        header = None if turn else _HEADER.match(line)
        if turn and _is_label(turn["name"]):
            flush()
            speaker, parts = _clean_label(turn["name"]), [turn["text"].strip()]
            start = _seconds(turn["time"]) if turn["time"] else None
            found_speaker = True
        elif header:
            flush()
            speaker, parts = _clean_label(header["name"]), []
            start = _seconds(header["time"])
            found_speaker = True
        else:
            parts.append(line)
    flush()
    if not found_speaker:
        raise TranscriptError(
            "没有识别出发言人。纯文本记录请每段以“姓名：发言内容”开头，"
            "或使用 SRT、WebVTT、DOCX、JSONL 格式。"
        )
    return segments


def _is_label(name: str) -> bool:
    """Tells a speaker label from the start of a sentence that happens to hold a colon."""
    core = re.sub(r"[（(].*?[）)]", "", name)
    if core.isdigit():
        return False
    if any(word in core for word in _NOT_NAME_WORDS):
        return False
    return not any(ch in _FUNCTION_CHARS for ch in core.replace("说话人", ""))


# Words that open a sentence ("我说三点：", "主要内容如下：") but never a name or a role.
_NOT_NAME_WORDS = ("我们", "大家", "如下", "以下", "包括", "主要", "第一", "第二", "总之", "时间")
_FUNCTION_CHARS = set("我你们的了是这那就都也说")


def _clean_label(label: str) -> str:
    return re.sub(r"\s+", "", label)


# SRT / WebVTT cues.
_CUE_TIME = re.compile(rf"(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")


def parse_cues(text: str) -> list[Segment]:
    """Cues of SRT or WebVTT; the speaker comes from a <v 姓名> tag or a "姓名：" prefix."""
    segments: list[Segment] = []
    blocks = re.split(r"\n\s*\n", text.strip())
    speaker = ""
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        for i, line in enumerate(lines):
            times = _CUE_TIME.search(line)
            if times:
                words = lines[i + 1 :]
                # A cue without a name continues the last named speaker, as subtitles do.
                for seg in _cue_segments(words, times["start"], times["end"], speaker):
                    segments.append(seg)
                    speaker = seg.speaker
                break
    if not segments:
        raise TranscriptError("字幕文件中没有找到带时间轴的字幕条目。")
    return segments


def _cue_segments(lines: list[str], start: str, end: str, speaker: str) -> Iterator[Segment]:
    t0, t1 = _seconds(start), _seconds(end)
    for line in lines:
        voice = _VOICE.search(line)
        if voice:
            speaker = _clean_label(voice.group(1))
        words = _TAG.sub("", line).strip()
        turn = _TURN.match(words)
        if turn and not turn["time"] and _is_label(turn["name"]):
            speaker, words = _clean_label(turn["name"]), turn["text"].strip()
        if words:
            yield Segment(speaker, words, t0, t1)


def merge_turns(segments: Sequence[Segment]) -> list[Segment]:
    """Joins consecutive cues of one speaker into a turn, as subtitles cut sentences apart."""
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].speaker == seg.speaker:
            last = merged[-1]
            merged[-1] = Segment(last.speaker, _join(last.text, seg.text), last.start, seg.end)
        else:
            merged.append(seg)
    return merged


def _join(a: str, b: str) -> str:
    # Chinese subtitles drop the punctuation at cue ends; a comma keeps the sentence readable.
    if not a or a[-1] in "。！？!?；;，,、…":
        return a + b
    if a[-1].isascii() and b[:1].isascii():
        return f"{a} {b}"
    return f"{a}，{b}"


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


# JSONL.
_TOO_DEEP = "JSON 嵌套过深，发言记录应为每行一个 {speaker, text} 对象。"


def parse_jsonl(text: str) -> list[Segment]:
    """One object a line with speaker, text and optional start/end (or one JSON array)."""
    stripped = text.strip()
    rows: list[Any]
    if stripped.startswith("["):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"JSON 格式错误（第 {exc.lineno} 行）：{exc.msg}") from exc
        except RecursionError:
            raise TranscriptError(_TOO_DEEP) from None
        rows = loaded if isinstance(loaded, list) else [loaded]
    else:
        rows = []
        for lineno, line in enumerate(stripped.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise TranscriptError(f"JSONL 第 {lineno} 行不是有效的 JSON：{exc.msg}") from exc
            except RecursionError:
                raise TranscriptError(_TOO_DEEP) from None
    return [_row_segment(row, n) for n, row in enumerate(rows, start=1)]


def _row_segment(row: Any, n: int) -> Segment:
    if not isinstance(row, dict):
        raise TranscriptError(f"JSONL 第 {n} 条记录应是含 speaker 和 text 的对象。")
    text = row.get("text")
    if not isinstance(text, str):
        raise TranscriptError(f"JSONL 第 {n} 条记录缺少文本字段 text。")
    speaker = row.get("speaker", "")
    return Segment(
        speaker=_clean_label(str(speaker if speaker is not None else "")),
        text=text.strip(),
        start=_time_value(row.get("start"), n),
        end=_time_value(row.get("end"), n),
    )


def _time_value(value: Any, n: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and re.fullmatch(_TIME, value.strip()):
        return _seconds(value.strip())
    raise TranscriptError(f"JSONL 第 {n} 条记录的时间 {value!r} 无法识别（应为秒数或 时:分:秒）。")


# DOCX.
def parse_docx(data: bytes) -> list[Segment]:
    """Paragraphs (and table rows, as "姓名：话") of a Word file, read as plain turns."""
    import docx  # python-docx is only needed for this format

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TranscriptError("无法打开 Word 文档，文件可能已损坏或不是 .docx 格式。") from exc
    lines: list[str] = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0] and cells[-1]:
                lines.append(f"{cells[0]}：{cells[-1]}")
    if not any(line.strip() for line in lines):
        raise TranscriptError("Word 文档中没有文字内容。")
    return parse_turns(lines)


# --- speakers -------------------------------------------------------------------------------

# Titles and honorifics that follow a name in a transcript label ("王建国委员", "李主任").
_TITLES = (
    "主任委员",
    "副主任",
    "主任",
    "委员",
    "代表",
    "书记",
    "副书记",
    "镇长",
    "副镇长",
    "局长",
    "副局长",
    "处长",
    "科长",
    "所长",
    "站长",
    "社长",
    "村长",
    "组长",
    "主席",
    "副主席",
    "经理",
    "总经理",
    "校长",
    "院长",
    "老师",
    "医生",
    "律师",
    "同志",
    "先生",
    "女士",
    "阿姨",
    "大爷",
    "师傅",
    "居民",
    "总",
)


def match_speakers(transcript: Transcript, participants: Sequence[Participant]) -> Transcript:
    """Links each speaker label to a participant; labels that match none are kept, unmatched."""
    matches = tuple(_match_one(label, participants) for label in transcript.speaker_labels())
    return replace(transcript, speakers=matches)


def _match_one(label: str, participants: Sequence[Participant]) -> SpeakerMatch:
    unmatched = SpeakerMatch(label=label, participant_id=None, name=label or "未知发言人")
    if not label:
        return unmatched
    core = _core_name(label)
    # From strict to loose; the first rule that singles out one participant wins.
    rules: tuple[Callable[[Participant], bool], ...] = (
        lambda p: _compact(p.name) == _compact(label),
        lambda p: _compact(p.name) == core,
        lambda p: _compact(p.name) in _bracketed(label),
        lambda p: len(core) >= 2 and len(p.name) >= 2 and core.startswith(_compact(p.name)),
        lambda p: _surname_title(core, label, p),
    )
    for test in rules:
        found = [p for p in participants if test(p)]
        if len(found) == 1:
            p = found[0]
            return SpeakerMatch(label, p.participant_id, p.name, p.category)
        if len(found) > 1:
            return unmatched  # ambiguous: a person must decide
    return unmatched


def _compact(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _bracketed(label: str) -> list[str]:
    """Names given in brackets after a role: "主持人（张明）" → ["张明"]."""
    return re.findall(r"[（(【\[]([^）)】\]]+)[）)】\]]", _compact(label))


def _core_name(label: str) -> str:
    """The label without its bracketed unit and its trailing title."""
    core = re.sub(r"[（(【\[].*?[）)】\]]", "", _compact(label))
    for title in sorted(_TITLES, key=len, reverse=True):
        if core.endswith(title) and len(core) > len(title):
            return core[: -len(title)]
    return core


def _surname_title(core: str, label: str, p: Participant) -> bool:
    """ "李主任" matches the one participant surnamed 李 whose title says 主任."""
    if len(core) != 1 or core == label:
        return False
    title = _compact(label)[1:]
    return p.name.startswith(core) and bool(title) and title in p.title
