"""Reading the session record back (speeches, attendance, polls), aligning imported turns to
speeches, and the stored draft's round trip to nlp's minutes. Pure: no server needed."""

from __future__ import annotations

from typing import Any

from nlp.minutes import MeetingInfo, draft_minutes, draft_recommendations
from nlp.transcript import read_transcript
from server.documents.minutes_markdown import render_minutes_markdown, render_report_markdown
from server.domain import drafts
from server.domain.session_record import Speech, read_record
from server.domain.transcripts import align
from server.http.schemas_records import MinutesDraft, ReportDraft
from tests.records.test_minutes import TRANSCRIPT

EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("presence.changed", {"connected": ["11"], "disconnected": []}),
    ("attendance.checked_in", {"participant_id": "12", "mode": "in_room", "at": 1000.5}),
    ("presence.connected", {"participant_id": "12", "connections": 1}),
    (
        "floor.granted",
        {
            "speech_id": "s1",
            "participant_id": "11",
            "kind": "speech",
            "item_id": "7",
            "started_at": 1010.0,
        },
    ),
    ("floor.ended", {"speech_id": "s1", "participant_id": "11", "ended_at": 1070.0}),
    (
        "floor.granted",
        {
            "speech_id": "s2",
            "participant_id": "guest-x",
            "kind": "question",
            "item_id": "7",
            "started_at": 1080.0,
        },
    ),
    (
        "poll.opened",
        {
            "poll_id": "p1",
            "question": "是否同意施划临时停车位六十个",
            "kind": "yes_no_abstain",
            "secret": False,
            "options": [
                {"option_id": "yes", "label": "赞成"},
                {"option_id": "no", "label": "反对"},
                {"option_id": "abstain", "label": "弃权"},
            ],
        },
    ),
    (
        "poll.closed",
        {
            "poll_id": "p1",
            "at": 1200.0,
            "reason": "closed",
            "result": {"counts": {"yes": 9, "no": 1, "abstain": 2}, "votes": 12, "passed": True},
        },
    ),
]


def test_the_record_gives_speeches_attendance_and_polls() -> None:
    record = read_record(EVENTS, started_at=1000.0)
    assert record.held
    first, second = record.speeches
    assert (first.participant_id, first.agenda_item_id) == (11, 7)
    assert (record.offset(first.started_at), record.offset(first.ended_at)) == (10.0, 70.0)
    assert second.participant_id is None and second.ended_at is None
    assert record.attendance == {11: "online", 12: "in_room"}
    (poll,) = record.polls
    assert poll["question"] == "是否同意施划临时停车位六十个"
    assert poll["result"]["counts"] == {"yes": 9, "no": 1, "abstain": 2}

    minutes = draft_minutes(read_transcript(TRANSCRIPT.encode()), MeetingInfo(), record.polls)
    live = minutes.polls[0]
    assert live.source == "live" and live.counts == {"赞成": 9, "反对": 1, "弃权": 2}
    assert (live.votes, live.passed) == (12, True)


def test_a_meeting_that_never_went_live_has_an_empty_record() -> None:
    record = read_record([], started_at=None)
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
