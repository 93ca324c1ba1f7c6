"""Reading the session record back (speeches, attendance, polls), aligning imported turns to
speeches, and the stored draft's round trip to nlp's minutes. Pure: no server needed."""

from __future__ import annotations

from typing import Any

from nlp.minutes import MeetingInfo, draft_minutes, draft_recommendations
from nlp.transcript import read_transcript
from realtime.machine.poll_types import StoredVotes
from realtime.meeting import (
    SYSTEM,
    Actor,
    Command,
    MeetingSetup,
    actor_for,
    decide,
    evolve,
    initial_state,
)
from server.documents.minutes_markdown import render_minutes_markdown, render_report_markdown
from server.domain import drafts
from server.domain.session_record import Speech, read_record
from server.domain.transcripts import align
from server.http.schemas_records import MinutesDraft, ReportDraft
from tests.records.test_minutes import TRANSCRIPT

SETUP: dict[str, Any] = {
    "meeting_id": "5",
    "title": "解放社区停车难协商会",
    "agenda": [
        {"item_id": "7", "title": "停车难", "template": "typical"},
        {"item_id": "8", "title": "下一步工作安排", "rounds": []},
    ],
    "participants": [
        {"participant_id": "10", "name": "张明", "category": "member", "is_moderator": True},
        {"participant_id": "11", "name": "李红", "category": "member"},
        {"participant_id": "12", "name": "孙伟", "category": "stakeholder"},
        {"participant_id": "13", "name": "赵强", "category": "official"},
    ],
}


def record_events() -> list[tuple[str, dict[str, Any], float]]:
    """A short meeting decided by the machine itself, as the engine stores it."""
    setup = MeetingSetup.from_dict(SETUP)
    state = initial_state(setup)
    out: list[tuple[str, dict[str, Any], float]] = []
    now = 1000.0

    def send(who: Actor, type_: str, facts: object = None, **data: Any) -> None:
        nonlocal state, now
        now += 10
        for event in decide(state, Command(type_, data, facts), who, now):
            state = evolve(state, event)
            out.append((event.type, dict(event.data), now))

    chair, member = actor_for(state, "10"), actor_for(state, "11")
    send(SYSTEM, "presence.update", connected=["11"], disconnected=[])
    send(member, "attendance.check_in", mode="remote")
    send(actor_for(state, "12"), "attendance.check_in", mode="in_room")
    send(chair, "agenda.goto", item_id="7")
    rounds = {r.title: r.round_id for r in setup.agenda[0].rounds}
    send(chair, "round.start", round_id=rounds["委员发言"])
    send(chair, "floor.call", participant_id="11")
    send(chair, "floor.end")
    send(chair, "round.end")
    send(chair, "poll.open", question="是否同意施划临时停车位六十个", kind="yes_no_abstain")
    named = (("10", "yes"), ("11", "yes"), ("12", "no"))
    votes = StoredVotes(("yes", "yes", "no"), ("10", "11", "12"), named)
    send(chair, "poll.close", facts=votes, poll_id="p1")
    send(chair, "floor.call", participant_id="13")
    send(chair, "meeting.close")
    return out


def test_the_record_is_the_machines_replay_speeches_rounds_attendance_polls() -> None:
    events = record_events()
    record = read_record(SETUP, events)
    assert record.held and record.started_at == events[0][2]
    assert record.opened_at == next(at for t, _, at in events if t == "agenda.moved")
    assert record.closed_at == events[-1][2]
    first, second = record.speeches
    assert (first.participant_id, first.agenda_item_id) == (11, 7)
    assert record.rounds[0].title == "委员发言" and first.round_id == record.rounds[0].round_id
    assert first.ended_at is not None and first.ended_at > first.started_at
    # Called outside a round, and ended by the close: still on item 7, in no round.
    assert (second.participant_id, second.round_id) == (13, None)
    assert second.ended_at == record.closed_at
    # Only check-ins count: 11 connected and checked in, 12 checked in, nobody else.
    assert record.attendance == {11: "remote", 12: "in_room"}
    assert record.items_run == [7]
    (poll,) = record.polls
    assert poll["question"] == "是否同意施划临时停车位六十个" and poll["item_id"] == 7
    assert poll["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert poll["result"]["eligible"] == 4
    assert poll["against"] == ["孙伟"]  # a named vote: who voted against, by name

    minutes = draft_minutes(read_transcript(TRANSCRIPT.encode()), MeetingInfo(), record.polls)
    live = minutes.polls[0]
    assert live.source == "live" and live.counts == {"赞成": 2, "反对": 1, "弃权": 0}
    assert (live.votes, live.passed) == (3, True)
    assert any("1票反对（投反对票的是孙伟）" in d.text for d in minutes.dissent)


def test_a_meeting_that_never_went_live_has_an_empty_record() -> None:
    record = read_record(SETUP, [])
    assert not record.held and record.speeches == [] and record.offset(5.0) is None


def _speech(n: int, pid: int) -> Speech:
    return Speech(f"s{n}", pid, "speech", None, float(n * 100), float(n * 100 + 60))


def test_imported_turns_are_aligned_to_speeches_by_speaker_in_order() -> None:
    speeches = [_speech(1, 2), _speech(2, 3), _speech(3, 4), _speech(4, 2)]
    # The chair (1) never had the floor; 3 speaks twice in a row; 5 is not in the record.
    people: list[int | None] = [1, 2, 3, 3, None, 5, 4, 2]
    links = align(people, speeches)
    assert [s.speech_id if s else None for s in links] == [
        None,
        "s1",
        "s2",
        "s2",
        None,
        None,
        "s3",
        "s4",
    ]


def test_the_stored_draft_renders_exactly_as_the_drafter_made_it() -> None:
    transcript = read_transcript(TRANSCRIPT.encode())
    texts = [s.text for s in transcript.segments]
    ids = [100 + 3 * n for n in range(len(texts))]
    minutes = draft_minutes(transcript, MeetingInfo(title="解放社区停车难协商会纪要"))
    stored = drafts.minutes_to_json(minutes, ids, texts, {"attendance": "roster"})
    assert MinutesDraft.model_validate(stored).model_dump(mode="json") == stored
    back = drafts.minutes_from_json(stored)
    assert render_minutes_markdown(back) == render_minutes_markdown(minutes)
    assert [d.segment for d in back.decisions] == [d.segment for d in minutes.decisions]
    for section in stored["sections"]:
        for point in section["key_points"]:
            for sentence in point["sentences"]:
                assert sentence["segment_id"] in point["segment_ids"]

    report = draft_recommendations(back)
    stored_report = drafts.report_to_json(report, ids)
    assert ReportDraft.model_validate(stored_report).model_dump(mode="json") == stored_report
    again = drafts.report_from_json(stored_report)
    assert render_report_markdown(again) == render_report_markdown(report)
