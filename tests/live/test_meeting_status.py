"""A meeting's status follows its live meeting: 未开始, 进行中 once it opens, 已结束 at its close.

After the close, suggestions, new guests and invites are refused; the record stays editable.
"""

from __future__ import annotations

import httpx

from tests.conftest import bearer
from tests.live.conftest import LiveMeetingFixture


async def _status(http: httpx.AsyncClient, token: str, meeting_id: int) -> str:
    r = await http.get(f"/api/meetings/{meeting_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    status: str = r.json()["status"]
    return status


async def test_status_follows_the_live_meeting_and_the_end_closes_the_door(
    live_meeting: LiveMeetingFixture, http: httpx.AsyncClient, admin_token: str
) -> None:
    meeting_id = live_meeting.meeting_id
    moderator, member = live_meeting.moderator, live_meeting.members[0]
    for user in (moderator, *live_meeting.members):
        await user.join(meeting_id)
    assert await _status(http, admin_token, meeting_id) == "scheduled"

    assert (await moderator.send("agenda.goto", {"item_id": live_meeting.item_id}))["ok"]
    assert await _status(http, admin_token, meeting_id) == "live"
    listed = await http.get("/api/meetings", headers=bearer(admin_token))
    assert {m["id"]: m["status"] for m in listed.json()["items"]}[meeting_id] == "live"
    assert (await member.send("suggestion.submit", {"text": "建议在社区东侧增设临时停车位"}))["ok"]

    opened = await moderator.send(
        "poll.open",
        {"question": "是否同意增设临时停车位？", "kind": "yes_no_abstain", "secret": True},
    )
    assert opened["ok"], opened
    poll_id = (await moderator.join(meeting_id))["snapshot"]["polls"][-1]["poll_id"]
    assert (await moderator.send("poll.close", {"poll_id": poll_id}))["ok"]
    log = await http.get("/api/audit", headers=bearer(admin_token))
    entry = next(e for e in log.json()["items"] if e["action"] == "poll.close")
    assert (entry["target_type"], entry["target_id"]) == ("meeting", meeting_id)
    assert entry["details"]["poll_id"] == poll_id and entry["details"]["secret"] is True
    assert entry["actor_name"] == moderator.name

    closed = await moderator.send("meeting.close")
    assert closed["ok"], closed
    assert await _status(http, admin_token, meeting_id) == "ended"

    refused = await member.send("suggestion.submit", {"text": "会后再补充一条停车建议"})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "conflict"
    assert "会议已结束" in refused["error"]["message"]
    by_http = await http.post(
        f"/api/meetings/{meeting_id}/suggestions",
        json={"text": "会后通过网页补充的建议"},
        headers=bearer(admin_token),
    )
    assert by_http.status_code == 409, by_http.text
    assert "会议已结束" in by_http.json()["error"]["message"]

    guest = await http.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"guest_name": "会后来宾"},
        headers=bearer(admin_token),
    )
    assert guest.status_code == 409, guest.text
    assert "会议已结束" in guest.json()["error"]["message"]
    invite = await http.post(
        f"/api/meetings/{meeting_id}/invites",
        json={"participant_id": int(member.participant_id or 0)},
        headers=bearer(admin_token),
    )
    assert invite.status_code == 409, invite.text
    assert "会议已结束" in invite.json()["error"]["message"]
    roster = await http.get(f"/api/meetings/{meeting_id}/participants", headers=bearer(admin_token))
    assert "会后来宾" not in roster.text

    # Staff keep the record after the meeting: the transcript and the minutes stay open.
    segment = await http.post(
        f"/api/meetings/{meeting_id}/transcript/segments",
        json={"speaker_name": "林美玲", "text": "会后补录的一段发言"},
        headers=bearer(admin_token),
    )
    assert segment.status_code == 201, segment.text
    minutes = await http.post(
        f"/api/meetings/{meeting_id}/minutes", json={}, headers=bearer(admin_token)
    )
    assert minutes.status_code == 201, minutes.text
