"""The speech-recognition adapter: an engine that implements the interface is run over the
meeting's recording and its turns become the transcript, matched to the roster."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import pytest

from nlp.transcript import Segment, merge_turns, parse_cues
from server.auth import principal_from_token
from server.db.engine import Database
from server.domain import transcripts
from server.domain.asr import SpeechRecognizer, choose_engine
from server.domain.errors import Conflict, Invalid
from tests.records.conftest import Consultation

CAPTIONS = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v 周建平>今天协商解放社区停车难问题，请大家发言。

00:00:07.000 --> 00:00:15.000
<v 林美玲>建议利用东侧闲置空地施划临时停车位。

00:00:16.000 --> 00:00:22.000
<v 说话人3>我是物业的，车位的日常管理物业可以配合。
"""


class CaptionEngine:
    """A recogniser for recorders that already caption: it reads the WebVTT file saved
    beside the recording, and refuses a recording without one."""

    name = "captions"

    def __init__(self) -> None:
        self.hints: list[str] = []

    async def transcribe(
        self, recording: Path, *, language: str, hints: Sequence[str]
    ) -> Sequence[Segment]:
        assert language == "zh"
        self.hints = list(hints)
        captions = recording.with_suffix(".vtt")
        if not captions.exists():
            raise ValueError("录音旁没有字幕文件")
        return merge_turns(parse_cues(captions.read_text(encoding="utf-8")))


def _silence(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(bytes(3200))


def test_the_engine_implements_the_interface_and_is_chosen_alone() -> None:
    engine = CaptionEngine()
    assert isinstance(engine, SpeechRecognizer)
    assert choose_engine({"captions": engine}, None) is engine
    with pytest.raises(Invalid, match="请指定"):
        choose_engine({"a": engine, "b": CaptionEngine()}, None)


async def test_a_recording_is_recognised_into_a_matched_transcript(
    consultation: Consultation, database_url: str, tmp_path: Path
) -> None:
    c = consultation
    engine = CaptionEngine()
    folder = tmp_path / str(c.meeting_id)
    folder.mkdir()
    db = Database(database_url)
    try:
        async with db.session() as session:
            staff = await principal_from_token(session, c.tokens["赵雪梅"])
            with pytest.raises(Conflict, match="还没有录音文件"):
                await transcripts.transcribe_recording(
                    session, staff, c.meeting_id, engines={"captions": engine}, recordings=tmp_path
                )
            _silence(folder / "会议录音.wav")
            with pytest.raises(Invalid, match="录音旁没有字幕文件"):
                await transcripts.transcribe_recording(
                    session, staff, c.meeting_id, engines={"captions": engine}, recordings=tmp_path
                )
            (folder / "会议录音.vtt").write_text(CAPTIONS, encoding="utf-8")
            result = await transcripts.transcribe_recording(
                session, staff, c.meeting_id, engines={"captions": engine}, recordings=tmp_path
            )
    finally:
        await db.close()
    assert "林美玲" in engine.hints
    assert result.format == "asr" and result.imported == 3
    segments = result.view.segments
    assert [s.source for s in segments] == ["asr"] * 3
    assert [s.participant_id for s in segments] == [c.ids["周建平"], c.ids["林美玲"], None]
    assert segments[2].unmatched and result.unmatched == ["说话人3"]
    assert (segments[1].start_s, segments[1].end_s) == (7.0, 15.0)
