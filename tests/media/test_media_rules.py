"""Who may be heard: the machine's media commands, and the policy the worker is sent.

Pure: the meeting machine and `realtime.media.policy`, no server.
"""

from __future__ import annotations

import json

import pytest

from realtime.machine.media import ROOM, media_may_speak, watchers_may_listen
from realtime.media.policy import is_live, media_policy, rank, speeches_within
from realtime.meeting import (
    SYSTEM,
    Actor,
    Command,
    MeetingSetup,
    MeetingState,
    Refusal,
    decide,
    evolve,
    initial_state,
)

NOW = 1_790_000_000.0
MODERATOR = Actor("liu", "moderator", "member")
WANG = Actor("wang", "participant", "member")


def meeting() -> MeetingState:
    setup = MeetingSetup.from_dict(
        {
            "meeting_id": "42",
            "title": "幸福村垃圾分类协商会",
            "agenda": [{"item_id": "waste", "title": "垃圾分类收运"}],
            "participants": [
                {
                    "participant_id": "liu",
                    "name": "刘建国",
                    "category": "member",
                    "is_moderator": True,
                },
                {"participant_id": "wang", "name": "王海燕", "category": "member"},
                {"participant_id": "zhou", "name": "周桂英", "category": "stakeholder"},
            ],
        }
    )
    state = initial_state(setup)
    return play(state, MODERATOR, "agenda.goto", {"item_id": "waste"})


def play(
    state: MeetingState,
    actor: Actor,
    type_: str,
    data: dict[str, object] | None = None,
    at: float = NOW,
) -> MeetingState:
    for event in decide(state, Command(type_, data or {}), actor, at):
        wire = json.loads(json.dumps(event.to_dict()))  # what is stored is what is replayed
        state = evolve(state, type(event)(wire["type"], wire["data"]))
    return state


def test_the_floor_holder_the_moderator_and_the_room_are_heard_nobody_else() -> None:
    state = meeting()
    assert media_may_speak(state, "liu")
    assert media_may_speak(state, ROOM, is_room=True)
    assert not media_may_speak(state, "wang")
    state = play(state, MODERATOR, "floor.call", {"participant_id": "wang"})
    assert media_may_speak(state, "wang")
    assert not media_may_speak(state, "zhou")
    state = play(state, MODERATOR, "floor.end")
    assert not media_may_speak(state, "wang")


def test_a_muted_participant_is_not_heard_even_with_the_floor_until_unmuted() -> None:
    state = play(meeting(), MODERATOR, "media.mute", {"participant_id": "wang"})
    state = play(state, MODERATOR, "floor.call", {"participant_id": "wang"})
    assert state.floor is not None and state.floor.participant_id == "wang"
    assert not media_may_speak(state, "wang")
    state = play(state, MODERATOR, "media.unmute", {"participant_id": "wang"})
    assert media_may_speak(state, "wang")


def test_the_moderator_can_mute_the_room_and_the_meeting_closing_silences_everyone() -> None:
    state = play(meeting(), MODERATOR, "media.mute", {"participant_id": ROOM})
    assert not media_may_speak(state, ROOM, is_room=True)
    state = play(state, MODERATOR, "media.unmute", {"participant_id": ROOM})
    state = play(state, MODERATOR, "meeting.close")
    assert not media_may_speak(state, ROOM, is_room=True)
    assert not media_may_speak(state, "liu")


def test_open_mics_let_everyone_not_muted_be_heard() -> None:
    state = play(meeting(), MODERATOR, "media.mute", {"participant_id": "zhou"})
    state = play(state, MODERATOR, "media.open_mics")
    assert media_may_speak(state, "wang")
    assert not media_may_speak(state, "zhou")
    state = play(state, MODERATOR, "media.close_mics")
    assert not media_may_speak(state, "wang")


@pytest.mark.parametrize(
    ("actor", "type_", "data", "code", "words"),
    [
        (WANG, "media.mute", {"participant_id": "zhou"}, "forbidden", "无权执行此命令"),
        (MODERATOR, "media.mute", {"participant_id": "ghost"}, "not_found", "ghost"),
        (MODERATOR, "media.unmute", {"participant_id": "wang"}, "conflict", "未被静音"),
        (MODERATOR, "media.close_mics", {}, "conflict", "麦克风没有开放"),
        (MODERATOR, "media.mute", {"participant_id": ""}, "invalid", "participant_id"),
        (
            WANG,
            "media.record",
            {
                "recording_id": "r1",
                "file": "42/a.ogg",
                "started_at": 1.0,
                "ended_at": 2.0,
                "duration_s": 1.0,
            },
            "forbidden",
            "保存录音",
        ),
    ],
)
def test_refusals_name_the_command_and_leave_the_state_alone(
    actor: Actor, type_: str, data: dict[str, object], code: str, words: str
) -> None:
    state = meeting()
    with pytest.raises(Refusal) as refused:
        decide(state, Command(type_, data), actor, NOW)
    assert refused.value.code == code
    assert words in refused.value.message
    assert refused.value.details is not None and type_ in refused.value.details


def test_a_recording_enters_the_record_even_after_the_meeting_closed() -> None:
    state = play(meeting(), MODERATOR, "meeting.close")
    data = {
        "recording_id": "20261125T0900",
        "file": "42/20261125T0900.ogg",
        "started_at": NOW - 60,
        "ended_at": NOW,
        "duration_s": 60.0,
    }
    events = decide(state, Command("media.record", data), SYSTEM, NOW)
    assert [e.type for e in events] == ["media.recorded"]
    assert events[0].data == data
    with pytest.raises(Refusal) as refused:
        decide(state, Command("media.record", {**data, "started_at": True}), SYSTEM, NOW)
    assert refused.value.code == "invalid"


def test_the_snapshot_shows_who_is_muted_and_whether_mics_are_open() -> None:
    from realtime.meeting import snapshot

    state = play(meeting(), MODERATOR, "media.mute", {"participant_id": "zhou"})
    state = play(state, MODERATOR, "media.open_mics")
    assert snapshot(state, NOW)["media"] == {
        "muted": ["zhou"],
        "open_mics": True,
        "watch_audio": False,
    }


def test_watchers_hear_the_meeting_only_while_the_moderator_allows_it() -> None:
    from realtime.meeting import public_snapshot

    state = meeting()
    assert not watchers_may_listen(state)
    assert public_snapshot(state, NOW)["watch_audio"] is False
    assert media_policy(state, seq=1)["watch_audio"] is False
    with pytest.raises(Refusal) as refused:
        decide(state, Command("media.allow_watch_audio", {}), WANG, NOW)
    assert refused.value.code == "forbidden"
    with pytest.raises(Refusal) as refused:
        decide(state, Command("media.stop_watch_audio", {}), MODERATOR, NOW)
    assert refused.value.code == "conflict"

    allowed = play(state, MODERATOR, "media.allow_watch_audio")
    assert watchers_may_listen(allowed)
    assert public_snapshot(allowed, NOW)["watch_audio"] is True
    assert media_policy(allowed, seq=2)["watch_audio"] is True
    with pytest.raises(Refusal) as refused:
        decide(allowed, Command("media.allow_watch_audio", {}), MODERATOR, NOW)
    assert refused.value.code == "conflict"

    stopped = play(allowed, MODERATOR, "media.stop_watch_audio")
    assert not watchers_may_listen(stopped)
    assert media_policy(stopped, seq=3)["watch_audio"] is False
    # Closing the meeting ends the listening with everything else.
    closed = play(allowed, MODERATOR, "meeting.close")
    assert not watchers_may_listen(closed)
    assert media_policy(closed, seq=4)["watch_audio"] is False


def test_the_policy_carries_the_speakers_their_precedence_and_the_speeches() -> None:
    state = play(meeting(), MODERATOR, "floor.call", {"participant_id": "wang"}, at=NOW + 10)
    state = play(state, MODERATOR, "floor.call", {"participant_id": "zhou"}, at=NOW + 40)
    policy = json.loads(json.dumps(media_policy(state, seq=7)))
    assert policy["seq"] == 7
    assert policy["speakers"] == ["liu", "zhou"]
    assert is_live(policy, "zhou", False) and not is_live(policy, "wang", False)
    assert is_live(policy, None, True)
    assert rank(policy, "zhou", False) < rank(policy, None, True) < rank(policy, "liu", False)
    spans = speeches_within(policy, started_at=NOW, ended_at=NOW + 100)
    assert [(s["name"], s["start_s"], s["end_s"]) for s in spans] == [
        ("王海燕", 10.0, 40.0),
        ("周桂英", 40.0, 100.0),
    ]
    assert speeches_within(policy, started_at=NOW + 50, ended_at=NOW + 60)[0]["start_s"] == 0.0
