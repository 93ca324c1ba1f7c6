"""Reading imported transcripts (text, SRT, WebVTT, DOCX, JSONL) and matching their speakers.
Bad files must be refused with a clear Chinese message, never a traceback."""

from __future__ import annotations

import io
import json

import docx
import pytest

from nlp.transcript import (
    MAX_BYTES,
    Participant,
    TranscriptError,
    match_speakers,
    read_transcript,
)

PLAIN = """主持人（张明）：各位好，今天协商幸福小区停车难的问题。
请大家围绕车位挖潜发言。
王建国委员：我建议把东侧绿化带边角改成临时车位。
我说三点：第一，要先征求居民意见；第二，要保证消防通道畅通。
赵大爷：我不同意占用绿地。
"""


def test_plain_turns_keep_continuation_lines_with_their_speaker() -> None:
    t = read_transcript(PLAIN.encode("utf-8"), "会议记录.txt")
    assert t.format == "text"
    assert [s.speaker for s in t.segments] == ["主持人（张明）", "王建国委员", "赵大爷"]
    assert "请大家围绕车位挖潜发言" in t.segments[0].text
    # "我说三点：" opens a sentence, it is not a new speaker
    assert "第一，要先征求居民意见" in t.segments[1].text


def test_gbk_file_is_decoded() -> None:
    t = read_transcript(PLAIN.encode("gbk"), "会议记录.txt")
    assert t.segments[2].text == "我不同意占用绿地。"


def test_meeting_app_export_with_name_and_time_headers() -> None:
    text = "李秀英 00:01:05\n小区老人上下楼很困难。\n刘芳 00:02:10\n停车位太少了。\n"
    t = read_transcript(text.encode("utf-8"))
    assert [(s.speaker, s.start) for s in t.segments] == [("李秀英", 65.0), ("刘芳", 130.0)]


def test_srt_cues_merge_into_turns_and_inherit_the_speaker() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:03,000\n张明：大家好\n\n"
        "2\n00:00:03,200 --> 00:00:05,500\n今天讨论加装电梯\n\n"
        "3\n00:00:06,000 --> 00:00:08,000\n李秀英：我支持\n"
    )
    t = read_transcript(srt.encode("utf-8"), "meeting.srt")
    assert t.format == "srt"
    first, second = t.segments
    assert (first.speaker, first.text, first.start, first.end) == (
        "张明",
        "大家好，今天讨论加装电梯",
        1.0,
        5.5,
    )
    assert second.speaker == "李秀英"


def test_webvtt_voice_tags() -> None:
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:03.000\n<v 张明>请发言</v>\n\n"
        "00:03.000 --> 00:06.000\n<v 赵大爷>我反对\n"
    )
    t = read_transcript(vtt.encode("utf-8"), "meeting.vtt")
    assert [(s.speaker, s.text) for s in t.segments] == [("张明", "请发言"), ("赵大爷", "我反对")]


def test_jsonl_with_clock_times() -> None:
    rows = [
        {"speaker": "张明", "text": "开会了。", "start": "00:00:05", "end": 9},
        {"speaker": "刘芳", "text": "停车位不够。"},
    ]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8")
    t = read_transcript(data, "t.jsonl")
    assert t.segments[0].start == 5.0 and t.segments[0].end == 9.0
    assert t.segments[1].start is None


def test_docx_paragraphs_and_tables() -> None:
    document = docx.Document()
    document.add_paragraph("张明：今天讨论垃圾分类。")
    document.add_paragraph("周强：建议增加分类督导员。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "刘芳"
    table.rows[0].cells[1].text = "垃圾房的气味太大。"
    out = io.BytesIO()
    document.save(out)
    t = read_transcript(out.getvalue(), "记录.docx")
    assert t.format == "docx"
    assert [s.speaker for s in t.segments] == ["张明", "周强", "刘芳"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.txt", "文件是空的"),
        (b"  \n\n ", "a.txt", "文件是空的"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "a.txt", "二进制"),
        (b"caf\xe9 \xff\xfe\xff na\xefve \xff", "a.txt", "字符编码"),
        ("没有任何发言人标记的一段话。".encode(), "a.txt", "没有识别出发言人"),
        (b'{"speaker": "A", "text": "x"}\n{oops', "a.jsonl", "第 2 行"),
        (b'{"speaker": "A"}', "a.jsonl", "text"),
        (b"not a zip", "a.docx", "不是有效的 Word 文档"),
        (b"PK\x03\x04broken zip", "a.docx", "Word 文档"),
        (b"1\n00:00:01,000 --> 00:00:02,000\n\n", "a.srt", "没有"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data: bytes, name: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        read_transcript(data, name)


def test_a_50_mb_text_is_refused_by_size() -> None:
    data = "张明：好。\n".encode() * (50 * 1024 * 1024 // 16 + 1)
    assert len(data) > 50 * 1024 * 1024 > MAX_BYTES
    with pytest.raises(TranscriptError, match=r"文件过大（5\d\.\d MB）"):
        read_transcript(data, "big.txt")


PEOPLE = [
    Participant("p1", "王建国", "member", "政协委员"),
    Participant("p2", "李明", "official", "住建局主任"),
    Participant("p3", "李华", "stakeholder", "居民代表"),
    Participant("p4", "张明", "guest", ""),
]


def test_speakers_are_matched_and_unmatched_ones_kept_and_flagged() -> None:
    text = (
        "主持人（张明）：开始。\n王建国委员：同意。\n李主任：我来介绍。\n赵大爷：反对。\n李：嗯。\n"
    )
    t = match_speakers(read_transcript(text.encode("utf-8")), PEOPLE)
    by_label = {m.label: m for m in t.speakers}
    assert by_label["主持人（张明）"].participant_id == "p4"
    assert by_label["王建国委员"].participant_id == "p1"
    assert by_label["李主任"].participant_id == "p2"  # the only 李 whose title says 主任
    assert by_label["赵大爷"].participant_id is None
    assert by_label["李"].participant_id is None  # two people surnamed 李: not guessed
    assert set(t.unmatched) == {"赵大爷", "李"}
    assert [s.speaker for s in t.segments][3] == "赵大爷"  # kept in the transcript
