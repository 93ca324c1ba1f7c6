"""The speech-recognition adapter: the interface an engine implements, and how one is found.
No engine ships with the platform and none is downloaded at run time (docs/minutes.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from nlp.transcript import Segment
from server.domain.errors import Conflict, DomainError, Invalid, NotFound

# A package provides an engine by declaring an entry point in this group, named after the
# engine, that points to a zero-argument callable returning a `SpeechRecognizer`.
ENTRY_POINT_GROUP = "hsl.asr"
# What a meeting's recording may be stored as, under HSL_DATA_DIR/recordings/<meeting id>/.
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".webm", ".mp4")


class NotConfigured(DomainError):
    """The server has no speech-recognition engine; the message says how to add one."""

    code = "not_configured"
    status = 501


@runtime_checkable
class SpeechRecognizer(Protocol):
    """A speech-recognition engine that turns a meeting's recording into speaker turns.

    `transcribe` gets the path of one audio or video file, the language (`"zh"`) and the
    names of the meeting's participants (to bias recognition and to label speakers). It
    returns turns in spoken order: `Segment(speaker, text, start, end)` with times in
    seconds from the start of the recording; `speaker` is a participant's name when the
    engine can tell, a diarisation label ("说话人1") or "" otherwise. The server matches
    the labels to the roster as for an imported file. The call may take minutes: an
    engine runs its model off the event loop (a thread or a process), loads it lazily and
    keeps it loaded, and raises `ValueError` with a Chinese message for a file it cannot use.
    """

    name: str

    async def transcribe(
        self, recording: Path, *, language: str, hints: Sequence[str]
    ) -> Sequence[Segment]: ...


@lru_cache(maxsize=1)
def installed_engines() -> Mapping[str, SpeechRecognizer]:
    """The engines installed as `hsl.asr` entry points, by name (none by default).

    Looked up once per process: installing an engine takes a restart, like any package."""
    engines: dict[str, SpeechRecognizer] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        engine = point.load()()
        if not isinstance(engine, SpeechRecognizer):
            raise TypeError(f"{point.value} does not return a SpeechRecognizer")
        engines[point.name] = engine
    return engines


def choose_engine(engines: Mapping[str, SpeechRecognizer], name: str | None) -> SpeechRecognizer:
    """The engine asked for by name, or the only one there is."""
    if not engines:
        raise NotConfigured(
            "本服务器未配置语音识别引擎，无法由会议录音生成发言记录。"
            "请安装提供 hsl.asr 入口的语音识别插件后重启服务，或改为导入发言记录文件。"
        )
    if name:
        if name not in engines:
            raise NotFound(f"没有名为“{name}”的语音识别引擎；可用：{'、'.join(sorted(engines))}")
        return engines[name]
    if len(engines) > 1:
        raise Invalid(f"已安装多个语音识别引擎，请指定一个：{'、'.join(sorted(engines))}")
    return next(iter(engines.values()))


def find_recording(folder: Path, name: str | None = None) -> Path:
    """The named recording in the meeting's folder, or the newest one there."""
    files = (
        [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
        if folder.is_dir()
        else []
    )
    if name:
        chosen = next((p for p in files if p.name == name), None)
        if chosen is None:
            raise NotFound(f"找不到会议录音“{name}”")
        return chosen
    if not files:
        raise Conflict("本次会议还没有录音文件，无法进行语音识别。")
    return max(files, key=lambda p: (p.stat().st_mtime, p.name))
