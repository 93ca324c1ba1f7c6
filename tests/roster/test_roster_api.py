"""Preparing a meeting's people through the API: the roster by category, briefing documents
only the roster reads, invitations answered and summed up, e-mail to a local SMTP server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import bearer, live_client, login_token
from tests.roster.conftest import Inbox, Prepared, briefing_docx, plan_meeting

PASSWORD = "roster-pass-2026"


async def _person(
    http: httpx.AsyncClient, p: Prepared, name: str, category: str, **extra: Any
) -> dict[str, Any]:
    """A new account filed under the demo room's township, as the office would add one."""
    units = (await http.get("/api/org-units", headers=p.admin)).json()["items"]
    township = next(u["id"] for u in units if u["name"] == "五星街道")
    body = {
        "username": f"r{uuid.uuid4().hex[:10]}",
        "name": name,
        "category": category,
        "password": PASSWORD,
        "org_unit_id": township,
        **extra,
    }
    r = await http.post("/api/people", json=body, headers=p.admin)
    assert r.status_code == 201, r.text
    person: dict[str, Any] = r.json()
    return person


async def _add(http: httpx.AsyncClient, p: Prepared, body: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(f"/api/meetings/{p.meeting_id}/participants", json=body, headers=p.staff)
    assert r.status_code == 201, r.text
    entry: dict[str, Any] = r.json()
    return entry


async def _roster(http: httpx.AsyncClient, p: Prepared) -> dict[str, Any]:
    r = await http.get(f"/api/meetings/{p.meeting_id}/roster", headers=p.staff)
    assert r.status_code == 200, r.text
    roster: dict[str, Any] = r.json()
    return roster


async def test_staff_pick_people_by_search_and_see_which_category_with_a_budget_is_missing(
    mail_server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(mail_server, demo, "停车难协商会（名单）")
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        await _person(http, p, "钱电话", "member", phone="13900001111")
        found = (
            await http.get(f"/api/meetings/{p.meeting_id}/people?q=钱电话", headers=p.staff)
        ).json()["items"]
        assert [f["name"] for f in found] == ["钱电话"]
        # A copy of the answer names people and their unit, never their phone or account.
        assert set(found[0]) == {
            "id",
            "name",
            "category",
            "cppcc_level",
            "org_unit_name",
            "on_roster",
        }
        assert "13900001111" not in str(found)
        member = await _add(http, p, {"person_id": found[0]["id"]})
        stake = await _person(http, p, "李相关", "stakeholder")
        await _add(http, p, {"person_id": stake["id"], "attendance_mode": "in_room"})
        guest = await _add(
            http,
            p,
            {"guest_name": "<script>alert('x')</script>", "guest_phone": "13800002222"},
        )
        again = (
            await http.get(f"/api/meetings/{p.meeting_id}/people?q=钱电话", headers=p.staff)
        ).json()["items"]
        assert again[0]["on_roster"] is True

        roster = await _roster(http, p)
        by_category = {c["category"]: c for c in roster["categories"]}
        assert by_category["member"]["count"] == 1
        assert by_category["official"]["count"] == 0
        assert by_category["official"]["warnings"] == [
            "已为部门/村居负责人设定发言时间（10 分钟），但名单中还没有这类人员"
        ]
        assert by_category["guest"]["warnings"] == []
        names = {e["name"]: e for e in roster["entries"]}
        assert names["<script>alert('x')</script>"]["guest_phone"] == "13800002222"
        assert names["钱电话"]["guest_phone"] is None

        # A member on the roster reads the roster, but not the organisers' view of it.
        member_headers = bearer(await _login_new(http, mail_server, p))
        refused = await http.get(f"/api/meetings/{p.meeting_id}/roster", headers=member_headers)
        assert refused.status_code == 403

        r = await http.patch(
            f"/api/meetings/{p.meeting_id}/participants/{member['id']}",
            json={"attendance_mode": "remote", "role": "moderator"},
            headers=p.staff,
        )
        assert r.status_code == 200, r.text
        assert (r.json()["attendance_mode"], r.json()["role"]) == ("remote", "moderator")
        r = await http.delete(
            f"/api/meetings/{p.meeting_id}/participants/{guest['id']}", headers=p.staff
        )
        assert r.status_code == 200, r.text
        assert "<script>alert('x')</script>" not in {
            e["name"] for e in (await _roster(http, p))["entries"]
        }

        # Once the meeting has gone live, nobody is removed from its roster.
        client = await live_client(mail_server, {"token": p.staff["Authorization"][7:]})
        try:
            joined = await client.call("join", {"meeting_id": p.meeting_id}, namespace="/live")
            assert joined["ok"], joined
        finally:
            await client.disconnect()
        r = await http.delete(
            f"/api/meetings/{p.meeting_id}/participants/{member['id']}",
            headers=p.staff,
        )
        assert r.status_code == 409
        assert "会议已开始" in r.json()["error"]["message"]
        assert (await _roster(http, p))["locked"] is True


async def _login_new(http: httpx.AsyncClient, url: str, p: Prepared) -> str:
    """A fresh member put on the meeting's roster, signed in."""
    person = await _person(http, p, "孙在册", "member")
    await _add(http, p, {"person_id": person["id"]})
    return await login_token(url, {"username": person["username"], "password": PASSWORD})


async def test_a_briefing_is_read_by_the_roster_and_refused_to_a_member_of_another_meeting(
    mail_server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(mail_server, demo, "停车难协商会（通报）")
    document = briefing_docx("农贸市场周边现有停车位 120 个，高峰时段缺口约 200 个。")
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        on_roster = bearer(await _login_new(http, mail_server, p))
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=../../etc/停车情况通报.docx",
            content=document,
            headers=p.staff,
        )
        assert r.status_code == 201, r.text
        briefing = r.json()
        assert briefing["filename"] == "停车情况通报.docx"
        got = await http.get(briefing["url"], headers=on_roster)
        assert got.status_code == 200
        assert got.content == document
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
        # 王海燕 is on the demo meeting's roster, not on this one.
        elsewhere = bearer(await login_token(mail_server, demo["accounts"]["members"][0]))
        refused = await http.get(briefing["url"], headers=elsewhere)
        assert refused.status_code == 403
        assert "参会名单" in refused.json()["error"]["message"]
        listed = await http.get(f"/api/meetings/{p.meeting_id}/briefings", headers=elsewhere)
        assert listed.status_code == 403
        # A member may not attach one either.
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=a.docx",
            content=document,
            headers=on_roster,
        )
        assert r.status_code == 403


async def test_a_50_mb_attachment_is_refused_and_nothing_is_stored(
    mail_server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(mail_server, demo, "停车难协商会（大文件）")
    huge = b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)
    async with httpx.AsyncClient(base_url=mail_server, timeout=60) as http:
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=big.pdf",
            content=huge,
            headers=p.staff,
        )
        assert r.status_code == 413
        assert "不能超过 20 MB" in r.json()["error"]["message"]

        async def chunks() -> Any:
            for _ in range(50):
                yield b"0" * (1024 * 1024)

        # Sent without a declared length, it is read only up to the limit.
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=big.pdf",
            content=chunks(),
            headers=p.staff,
        )
        assert r.status_code == 413
        listed = await http.get(f"/api/meetings/{p.meeting_id}/briefings", headers=p.staff)
        assert listed.json()["items"] == []


async def test_a_file_whose_bytes_are_not_what_its_name_says_is_refused(
    mail_server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(mail_server, demo, "停车难协商会（文件类型）")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    cases = [
        ("通报.pdf", png, "「通报.pdf」不是真正的 PDF 文件"),
        ("通报.docx", b"PK\x03\x04not really a zip", "不是真正的 Word（.docx） 文件"),
        ("通报.exe", b"MZ\x90\x00", "不支持「通报.exe」这种文件"),
        ("照片.jpg", b"<html><script>alert(1)</script></html>", "不是真正的 JPEG 图片 文件"),
    ]
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        for name, data, message in cases:
            r = await http.post(
                f"/api/meetings/{p.meeting_id}/briefings",
                params={"filename": name},
                content=data,
                headers=p.staff,
            )
            assert r.status_code == 400, (name, r.text)
            assert message in r.json()["error"]["message"], r.text
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings",
            params={"filename": "现场.png"},
            content=png,
            headers=p.staff,
        )
        assert r.status_code == 201, r.text
        listed = await http.get(f"/api/meetings/{p.meeting_id}/briefings", headers=p.staff)
        assert [b["filename"] for b in listed.json()["items"]] == ["现场.png"]


async def test_invitations_are_mailed_and_their_answers_feed_the_attendance_summary(
    mail_server: str, demo: dict[str, Any], inbox: tuple[Inbox, int]
) -> None:
    box = inbox[0]
    p = await plan_meeting(mail_server, demo, "停车难协商会（通知）")
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        people = [
            await _person(http, p, "邮件委员", "member", email="weiyuan@example.org"),
            await _person(http, p, "线下代表", "stakeholder"),
            await _person(http, p, "请假负责人", "official"),
        ]
        for person in people:
            await _add(http, p, {"person_id": person["id"]})
        # A guest's link is their invitation, texted to them as they are added.
        guest = await _add(http, p, {"guest_name": "沈来宾", "guest_phone": "13800003333"})
        assert "/join/" in guest["invite"]["url"]
        before = len(box.messages)
        r = await http.post(f"/api/meetings/{p.meeting_id}/invitations", headers=p.staff)
        assert r.status_code == 200, r.text
        assert r.json() == {"sent": 3, "emailed": 1, "texted": 0}
        assert len(box.messages) == before + 1
        mail = box.messages[-1]
        assert mail["To"] == "weiyuan@example.org"
        assert mail["Subject"] == "参会通知：停车难协商会（通知）"
        body = mail.get_body()
        assert body is not None and f"/meetings/{p.meeting_id}" in body.get_content()
        # Sending again invites nobody twice.
        again = await http.post(f"/api/meetings/{p.meeting_id}/invitations", headers=p.staff)
        assert again.json()["sent"] == 0

        tokens = [
            bearer(
                await login_token(mail_server, {"username": q["username"], "password": PASSWORD})
            )
            for q in people
        ]
        mine = (await http.get("/api/me/invitations", headers=tokens[0])).json()["items"]
        assert [(m["meeting"]["id"], m["invitation"]["status"]) for m in mine] == [
            (p.meeting_id, "unread")
        ]
        opened = await http.get(f"/api/meetings/{p.meeting_id}/invitation", headers=tokens[0])
        assert opened.json()["invitation"]["status"] == "read"
        url = f"/api/meetings/{p.meeting_id}/invitation"
        assert (
            await http.post(url, json={"status": "remote"}, headers=tokens[0])
        ).status_code == 200
        assert (
            await http.post(url, json={"status": "in_room"}, headers=tokens[1])
        ).status_code == 200
        no_reason = await http.post(url, json={"status": "declined"}, headers=tokens[2])
        assert no_reason.status_code == 400
        assert "请填写不能参会的原因" in no_reason.json()["error"]["message"]
        r = await http.post(
            url, json={"status": "declined", "reason": "当天在市里开会"}, headers=tokens[2]
        )
        assert r.status_code == 200, r.text

        roster = await _roster(http, p)
        assert roster["summary"] == {
            "expected": 4,
            "in_room": 1,
            "remote": 1,
            "declined": 1,
            "no_reply": 1,
        }
        modes = {
            e["name"]: (e["attendance_mode"], e["invitation"]["status"]) for e in roster["entries"]
        }
        assert modes["邮件委员"] == ("remote", "remote")
        assert modes["线下代表"] == ("in_room", "in_room")
        assert modes["请假负责人"] == (None, "declined")
        assert modes["沈来宾"] == (None, "unread")
        texted = next(e for e in roster["entries"] if e["name"] == "沈来宾")
        assert texted["invitation"]["delivered"] == "link,sms"
        declined = next(e for e in roster["entries"] if e["name"] == "请假负责人")
        assert declined["invitation"]["reason"] == "当天在市里开会"


async def test_a_guest_is_added_with_their_link_which_is_tracked_sent_again_and_revoked(
    mail_server: str, demo: dict[str, Any], inbox: tuple[Inbox, int]
) -> None:
    box = inbox[0]
    p = await plan_meeting(mail_server, demo, "停车难协商会（来宾链接）")
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        guest = await _add(http, p, {"guest_name": "韩来宾", "category": "stakeholder"})
        first = guest["invite"]
        token = first["invite"]

        def entry_of(roster: dict[str, Any], name: str) -> dict[str, Any]:
            found: dict[str, Any] = next(e for e in roster["entries"] if e["name"] == name)
            return found

        listed = entry_of(await _roster(http, p), "韩来宾")
        assert listed["invitation"]["status"] == "unread"
        assert listed["link"] == {
            "invite_id": first["invite_id"],
            "expires_at": first["expires_at"],
            "revoked": False,
            "expired": False,
        }
        # The guest opens the link: the invitation reads 已读.
        opened = await http.get(f"/api/invites/{token}")
        assert opened.status_code == 200, opened.text
        assert opened.json()["participant"]["name"] == "韩来宾"
        assert entry_of(await _roster(http, p), "韩来宾")["invitation"]["status"] == "read"

        # Sent again: a new link, the old one refused from now on.
        url = f"/api/meetings/{p.meeting_id}/participants/{guest['id']}/invitation"
        again = await http.post(url, headers=p.staff)
        assert again.status_code == 200, again.text
        second = again.json()["invite"]
        assert second["invite_id"] != first["invite_id"] and "/join/" in second["url"]
        old = await http.get(f"/api/invites/{token}")
        assert old.status_code == 401
        assert old.json()["error"]["message"] == "邀请链接无效或已被撤销"
        assert (await http.get(f"/api/invites/{second['invite']}")).status_code == 200
        listed = entry_of(await _roster(http, p), "韩来宾")
        assert listed["link"]["invite_id"] == second["invite_id"]
        assert listed["invitation"]["status"] == "read"  # what the guest did stays

        # Revoked: the roster says so and the link opens nothing.
        revoke = f"/api/meetings/{p.meeting_id}/invites/{second['invite_id']}/revoke"
        assert (await http.post(revoke, headers=p.staff)).status_code == 200
        assert entry_of(await _roster(http, p), "韩来宾")["link"]["revoked"] is True
        assert (await http.get(f"/api/invites/{second['invite']}")).status_code == 401

        # A member's invitation sent again is mailed again, to them only.
        member = await _person(http, p, "补发委员", "member", email="bufa@example.org")
        entry = await _add(http, p, {"person_id": member["id"]})
        assert "invite" not in entry or entry["invite"] is None
        before = len(box.messages)
        url = f"/api/meetings/{p.meeting_id}/participants/{entry['id']}/invitation"
        resent = await http.post(url, headers=p.staff)
        assert resent.status_code == 200, resent.text
        assert resent.json()["delivered"] == ["email"] and resent.json()["invite"] is None
        assert [m["To"] for m in box.messages[before:]] == ["bufa@example.org"]
        assert entry_of(await _roster(http, p), "补发委员")["invitation"]["status"] == "unread"

        # Nobody else may send it, and an unknown entry is not found.
        member_token = bearer(
            await login_token(mail_server, {"username": member["username"], "password": PASSWORD})
        )
        assert (await http.post(url, headers=member_token)).status_code == 403
        missing = f"/api/meetings/{p.meeting_id}/participants/999999/invitation"
        assert (await http.post(missing, headers=p.staff)).status_code == 404


async def test_a_guest_copied_from_an_earlier_meeting_is_sent_their_own_link(
    server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(server, demo, "停车难协商会（上次）")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        await _add(http, p, {"guest_name": "钱来宾"})
        earlier = (await http.get(f"/api/meetings/{p.meeting_id}", headers=p.staff)).json()
        body = {
            "room_id": earlier["room_id"],
            "title": "停车难协商会（复议）",
            "topic_title": "农贸市场周边停车难",
            "starts_at": "2027-02-12T09:00:00+08:00",
            "place": "五星街道党群服务中心二楼",
            "mode": "in_room",
            "copy_from": p.meeting_id,
        }
        made = await http.post("/api/meetings", json=body, headers=p.staff)
        assert made.status_code == 201, made.text
        copy = Prepared(p.url, made.json()["id"], p.staff, p.admin)
        before = next(e for e in (await _roster(http, copy))["entries"] if e["name"] == "钱来宾")
        assert before["invitation"] is None and before["link"] is None
        sent = await http.post(f"/api/meetings/{copy.meeting_id}/invitations", headers=p.staff)
        assert sent.status_code == 200, sent.text
        assert sent.json()["sent"] == 1
        after = next(e for e in (await _roster(http, copy))["entries"] if e["name"] == "钱来宾")
        assert after["invitation"]["status"] == "unread"
        assert after["invitation"]["delivered"] == "link"
        assert after["link"] is not None and after["link"]["revoked"] is False


async def test_a_guest_answers_through_their_link_as_members_do_and_staff_see_it(
    mail_server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(mail_server, demo, "停车难协商会（来宾回复）")
    document = briefing_docx("农贸市场东侧拟划定临时停车位 60 个。")
    async with httpx.AsyncClient(base_url=mail_server, timeout=30) as http:
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=停车情况通报.docx",
            content=document,
            headers=p.staff,
        )
        assert r.status_code == 201, r.text
        briefing = r.json()
        guest = await _add(http, p, {"guest_name": "罗来宾", "category": "stakeholder"})
        as_guest = {"X-Invite": guest["invite"]["invite"]}
        url = f"/api/meetings/{p.meeting_id}/invitation"

        # The guest reads their invitation and the briefing with the link alone.
        opened = await http.get(url, headers=as_guest)
        assert opened.status_code == 200, opened.text
        assert opened.json()["invitation"]["status"] == "read"
        assert [b["filename"] for b in opened.json()["briefings"]] == ["停车情况通报.docx"]
        listed = await http.get(f"/api/meetings/{p.meeting_id}/briefings", headers=as_guest)
        assert [b["id"] for b in listed.json()["items"]] == [briefing["id"]]
        got = await http.get(briefing["url"], headers=as_guest)
        assert got.status_code == 200 and got.content == document

        # The same rules as a member's answer: a refusal without a reason changes nothing.
        no_reason = await http.post(url, json={"status": "declined"}, headers=as_guest)
        assert no_reason.status_code == 400
        assert "请填写不能参会的原因" in no_reason.json()["error"]["message"]
        entry = next(e for e in (await _roster(http, p))["entries"] if e["name"] == "罗来宾")
        assert entry["invitation"]["status"] == "read" and entry["attendance_mode"] is None

        answered = await http.post(url, json={"status": "remote"}, headers=as_guest)
        assert answered.status_code == 200, answered.text
        assert answered.json()["invitation"]["status"] == "remote"
        roster = await _roster(http, p)
        entry = next(e for e in roster["entries"] if e["name"] == "罗来宾")
        assert entry["attendance_mode"] == "remote"
        assert entry["invitation"]["status"] == "remote"
        assert entry["invitation"]["answered_at"] is not None
        assert roster["summary"]["remote"] == 1 and roster["summary"]["no_reply"] == 0

        # A guest's link opens only their own meeting's invitation.
        other = f"/api/meetings/{demo['meeting_id']}/invitation"
        elsewhere = await http.post(other, json={"status": "remote"}, headers=as_guest)
        assert elsewhere.status_code == 403, elsewhere.text

        # Revoked: the link answers nothing more, and the answer given stays.
        revoke = f"/api/meetings/{p.meeting_id}/invites/{guest['invite']['invite_id']}/revoke"
        assert (await http.post(revoke, headers=p.staff)).status_code == 200
        refused = await http.post(url, json={"status": "in_room"}, headers=as_guest)
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == "邀请链接无效或已被撤销"
        assert (await http.get(url, headers=as_guest)).status_code == 401
        assert (await http.get(briefing["url"], headers=as_guest)).status_code == 401
        entry = next(e for e in (await _roster(http, p))["entries"] if e["name"] == "罗来宾")
        assert entry["attendance_mode"] == "remote"

        # Expired: a short link, once its lifetime has passed, answers nothing either.
        short = await http.post(
            f"/api/meetings/{p.meeting_id}/invites",
            json={"participant_id": guest["id"], "ttl_s": 1},
            headers=p.staff,
        )
        assert short.status_code == 201, short.text
        as_short = {"X-Invite": short.json()["invite"]}
        await asyncio.sleep(2.2)  # the short link's lifetime passes
        late = await http.post(url, json={"status": "in_room"}, headers=as_short)
        assert late.status_code == 401
        assert "已过期" in late.json()["error"]["message"]
        entry = next(e for e in (await _roster(http, p))["entries"] if e["name"] == "罗来宾")
        assert entry["attendance_mode"] == "remote"
