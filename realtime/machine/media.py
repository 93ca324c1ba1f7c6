"""The media rules of a live meeting: who the moderator has muted, whether the mics are open,
whether public observers may hear the meeting (the moderator's consent), and which
recordings the session record holds.

Who may be heard follows from these and the floor (`media_may_speak`); the media worker
only applies it. `ROOM` stands for the room's own microphone (the in-room computer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from realtime.machine.core import Applier, Context, Handler
from realtime.machine.schema import NO_DATA, Ident, Schema, SchemaError, Text
from realtime.machine.state import MeetingState
from realtime.machine.types import PHASES, Phase, Role

ROOM = "room"

_MODERATOR: frozenset[Role] = frozenset({"moderator"})
_SYSTEM: frozenset[Role] = frozenset({"system"})
_OPEN: frozenset[Phase] = frozenset({"lobby", "item", "round"})
_ALWAYS: frozenset[Phase] = frozenset(PHASES)


@dataclass(frozen=True)
class Seconds:
    """A time or duration in seconds: a finite, non-negative number (a bool is not one)."""

    def parse(self, value: object, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaError(f"{name} 应为秒数")
        if not math.isfinite(value) or value < 0:
            raise SchemaError(f"{name} 应为不小于 0 的秒数")
        return float(value)


def media_may_speak(state: MeetingState, participant_id: str, *, is_room: bool = False) -> bool:
    """Whether this participant's (or the room's) microphone is forwarded now.

    The room and the moderators are always heard, the floor holder is heard, and with the
    mics open everyone is; nobody the moderator has muted is, and nobody once it closed.
    """
    if state.closed_at is not None:
        return False
    if is_room:
        return ROOM not in state.muted
    if participant_id in state.muted:
        return False
    person = state.participants.get(participant_id)
    if person is None:
        return False
    if person.is_moderator or state.open_mics:
        return True
    return state.floor is not None and state.floor.participant_id == participant_id


def watchers_may_listen(state: MeetingState) -> bool:
    """Whether holders of the watch link may hear the meeting's audio now: only while the
    moderator allows it (`media.allow_watch_audio`) and until the meeting closes."""
    return state.watch_audio and state.closed_at is None


def _target(ctx: Context, participant_id: str) -> str:
    if participant_id != ROOM:
        ctx.participant(participant_id)  # refuses an id that is not on the roster
    return participant_id


def media_mute(ctx: Context, data: dict[str, Any]) -> None:
    target = _target(ctx, data["participant_id"])
    if target in ctx.state.muted:
        raise ctx.refuse("conflict", "已经静音")
    ctx.emit("media.muted", participant_id=target, by=ctx.actor.participant_id)


def media_unmute(ctx: Context, data: dict[str, Any]) -> None:
    target = _target(ctx, data["participant_id"])
    if target not in ctx.state.muted:
        raise ctx.refuse("conflict", "未被静音")
    ctx.emit("media.unmuted", participant_id=target, by=ctx.actor.participant_id)


def media_open_mics(ctx: Context, data: dict[str, Any]) -> None:
    if ctx.state.open_mics:
        raise ctx.refuse("conflict", "麦克风已经开放")
    ctx.emit("media.mics_opened", by=ctx.actor.participant_id)


def media_close_mics(ctx: Context, data: dict[str, Any]) -> None:
    if not ctx.state.open_mics:
        raise ctx.refuse("conflict", "麦克风没有开放")
    ctx.emit("media.mics_closed", by=ctx.actor.participant_id)


def media_allow_watch_audio(ctx: Context, data: dict[str, Any]) -> None:
    if ctx.state.watch_audio:
        raise ctx.refuse("conflict", "旁听收听已经开放")
    ctx.emit("media.watch_audio_allowed", by=ctx.actor.participant_id)


def media_stop_watch_audio(ctx: Context, data: dict[str, Any]) -> None:
    if not ctx.state.watch_audio:
        raise ctx.refuse("conflict", "旁听收听没有开放")
    ctx.emit("media.watch_audio_stopped", by=ctx.actor.participant_id)


def media_record(ctx: Context, data: dict[str, Any]) -> None:
    if data["ended_at"] < data["started_at"]:
        raise ctx.refuse("invalid", "录音的结束时间早于开始时间")
    ctx.emit("media.recorded", **data)


MEDIA_HANDLERS: tuple[Handler, ...] = (
    Handler(
        "media.mute",
        "静音",
        _MODERATOR,
        _OPEN,
        Schema({"participant_id": Ident()}),
        media_mute,
    ),
    Handler(
        "media.unmute",
        "取消静音",
        _MODERATOR,
        _OPEN,
        Schema({"participant_id": Ident()}),
        media_unmute,
    ),
    Handler("media.open_mics", "开放麦克风", _MODERATOR, _OPEN, NO_DATA, media_open_mics),
    Handler("media.close_mics", "收回麦克风", _MODERATOR, _OPEN, NO_DATA, media_close_mics),
    Handler(
        "media.allow_watch_audio",
        "开放旁听收听",
        _MODERATOR,
        _OPEN,
        NO_DATA,
        media_allow_watch_audio,
    ),
    Handler(
        "media.stop_watch_audio",
        "停止旁听收听",
        _MODERATOR,
        _OPEN,
        NO_DATA,
        media_stop_watch_audio,
    ),
    Handler(
        "media.record",
        "保存录音",
        _SYSTEM,
        _ALWAYS,
        Schema(
            {
                "recording_id": Ident(),
                "file": Text(max_len=200),
                "started_at": Seconds(),
                "ended_at": Seconds(),
                "duration_s": Seconds(),
            }
        ),
        media_record,
    ),
)


def muted(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    return replace(state, muted=state.muted | {data["participant_id"]})


def unmuted(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    return replace(state, muted=state.muted - {data["participant_id"]})


def mics_opened(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    del data
    return replace(state, open_mics=True)


def mics_closed(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    del data
    return replace(state, open_mics=False)


def watch_audio_allowed(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    del data
    return replace(state, watch_audio=True)


def watch_audio_stopped(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    del data
    return replace(state, watch_audio=False)


def recorded(state: MeetingState, data: Mapping[str, Any]) -> MeetingState:
    # The recording is a fact of the session record; the live state does not change.
    del data
    return state


MEDIA_APPLIERS: tuple[Applier, ...] = (
    Applier("media.muted", muted),
    Applier("media.unmuted", unmuted),
    Applier("media.mics_opened", mics_opened),
    Applier("media.mics_closed", mics_closed),
    Applier("media.watch_audio_allowed", watch_audio_allowed),
    Applier("media.watch_audio_stopped", watch_audio_stopped),
    Applier("media.recorded", recorded),
)
