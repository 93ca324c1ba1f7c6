"""From the session record to signed minutes: an imported transcript of a realistic meeting,
the drafted minutes and report, versions, sign-off by the moderator, DOCX and Markdown."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import docx
import httpx

from server.domain.records import BEIJING
from tests.records.conftest import Consultation

TRANSCRIPT = """\
主持人（周建平）：各位委员、各位居民代表，大家上午好。今天我们在解放社区协商议事室召开协商会，议题是解放社区停车难问题。先请林美玲委员介绍前期调研情况。
林美玲委员：好的。我们调研组用了两周时间走访了社区十二栋楼，发放问卷三百二十份，收回二百九十六份。调研发现，社区现有停车位一百八十个，而登记车辆已经超过四百辆，夜间停车缺口在两百个以上。大量车辆停在消防通道和绿化带上，既影响通行也存在安全隐患。我建议利用小区东侧闲置空地施划临时停车位，同时推行错时停车，与周边单位共享车位。
何建军：我是三号楼的居民代表。居民最着急的是晚上回来找不到地方停车，有时候要绕好几圈。东侧那块空地现在堆满了建筑垃圾，居民反映了好多次都没人清理。另外小区里有七八辆长期不动的僵尸车，占着车位好几年了。我们希望尽快把空地整理出来，把僵尸车清走。
孙伟（物业公司）：物业这边说明一下情况。东侧空地的产权归社区，物业可以配合施划车位和日常管理，但是前期清理和铺设的费用物业承担不了。收费标准的问题，我们建议按照每月一百元收取，用于车位维护和安保。
何建军：我不同意每月收一百元，这个标准太高了，很多老年住户有意见。临时车位的收费应该先征求全体居民意见，最好控制在每月五十元以内。
陈立新局长：城管局这边表个态。占用消防通道的问题我们会加大巡查力度。僵尸车的清理，我们可以会同派出所依法处置，先张贴告知书，十五天内车主不处理的依法拖移。东侧空地的建筑垃圾，城管局可以负责在两周内清运完毕。
林美玲：我补充一点。错时停车这个事情，我们已经和旁边的解放小学、区卫健委沟通过，他们晚上七点以后到第二天早上七点，可以开放共一百个车位给居民使用。这需要社区出面签订共享协议。
主持人：大家的意见都很充分。下面对临时停车位每月六十元的收费方案进行举手表决。表决结果：赞成12票，反对2票，弃权1票，方案通过。
周建平：经过充分协商，会议议定如下：一是由解放社区居委会牵头，在小区东侧空地施划临时停车位六十个，本月底前完成。二是由城管局负责清运东侧空地建筑垃圾，并会同派出所依法清理僵尸车，两周内完成。三是由社区居委会与解放小学、区卫健委签订错时停车共享协议，开放夜间共享车位一百个。四是成立由居民代表、物业公司和社区组成的停车管理小组，制定停车管理公约。
周建平：对于何建军代表提出的收费标准意见，会后由社区居委会做好解释说明工作。今天的协商会就到这里，谢谢大家。
"""
SPEAKERS = {"周建平", "林美玲", "何建军", "陈立新"}
DECISIONS = ["临时停车位六十个", "僵尸车", "错时停车共享协议", "停车管理小组"]


async def _import(c: Consultation, http: httpx.AsyncClient) -> dict[str, Any]:
    r = await http.post(
        f"/api/meetings/{c.meeting_id}/transcript/import",
        params={"filename": "解放社区停车难协商会记录.txt"},
        content=TRANSCRIPT.encode("gb18030"),
        headers={**c.as_("赵雪梅"), "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_an_imported_meeting_becomes_signed_minutes_and_a_report(
    consultation: Consultation, http: httpx.AsyncClient, member_token: str
) -> None:
    c = consultation
    await c.go_live(["周建平", "林美玲", "何建军", "陈立新"])
    await c.hold_speeches(["林美玲", "何建军", "陈立新"])
    base = f"/api/meetings/{c.meeting_id}"

    imported = await _import(c, http)
    assert imported["format"] == "text" and imported["imported"] == 10
    assert imported["unmatched"] == ["孙伟（物业公司）"]
    segments = imported["transcript"]["segments"]
    by_speaker = {s["speaker_name"]: s for s in segments}
    assert by_speaker["孙伟（物业公司）"]["unmatched"] is True
    assert by_speaker["孙伟（物业公司）"]["participant_id"] is None
    assert {s["participant_id"] for s in segments if not s["unmatched"]} == {
        c.ids[name] for name in SPEAKERS
    }
    # Each speaker's first turn is linked to their speech in the session record.
    assert imported["aligned"] == 3
    linked = [(s["speaker_name"], s["speech_id"]) for s in segments if s["speech_id"]]
    assert linked == [("林美玲", "s1"), ("何建军", "s2"), ("陈立新", "s3")]

    drafted = await http.post(f"{base}/minutes", json={}, headers=c.as_("赵雪梅"))
    assert drafted.status_code == 201, drafted.text
    v1 = drafted.json()
    assert v1["number"] == 1 and v1["status"] == "draft" and v1["author_name"] == "赵雪梅"
    draft = v1["draft"]
    header = draft["header"]
    assert header["title"] == "解放社区停车难协商会纪要"
    # The meeting ran live: its date and time are the record's, not the schedule's; it is
    # still open, so there is no closing time yet.
    started = datetime.fromtimestamp(imported["transcript"]["record_started_at"], BEIJING)
    assert header["date"] == f"{started.year}年{started.month}月{started.day}日"
    assert header["time"] != "09:00—11:00" and "—" not in header["time"]
    assert (header["moderator"], header["recorder"]) == ("周建平", "赵雪梅")
    assert header["agenda"] == ["小区停车位规划与管理"]
    assert header["present"] == {
        "政协委员": ["周建平", "林美玲"],
        "利益相关方代表": ["何建军"],
        "部门及村居负责人": ["陈立新"],
    }
    assert header["absent"] == ["王秀英"]
    assert draft["source"]["attendance"] == "record"

    points = [p for section in draft["sections"] for p in section["key_points"]]
    assert {p["speaker"] for p in points} >= SPEAKERS
    assert draft["unmatched_speakers"] == ["孙伟（物业公司）"]
    decisions = " ".join(d["text"] for d in draft["decisions"])
    for phrase in DECISIONS:
        assert phrase in decisions, phrase
    assert "何建军" in {d["speaker"] for d in draft["dissent"]}
    assert {"赞成": 12, "反对": 2, "弃权": 1} in [p["counts"] for p in draft["polls"]]

    # Every drafted sentence points at a segment of its own speaker.
    speaker_of = {s["id"]: s["speaker_name"] for s in segments}
    for point in points:
        assert point["sentences"], point
        for sentence in point["sentences"]:
            assert speaker_of[sentence["segment_id"]] == point["speaker"]
    summary_links = [s["segment_id"] for s in draft["summary_sentences"]]
    assert summary_links and set(summary_links) <= set(speaker_of)

    # Staff edit a decision: the edit is version 2 and version 1 stays as it was.
    edited = dict(draft)
    edited["decisions"] = [
        {**draft["decisions"][0], "text": "由解放社区居委会牵头，在东侧空地施划临时停车位六十个。"},
        *draft["decisions"][1:],
    ]
    saved = await http.put(
        f"{base}/minutes/1", json={"draft": edited, "note": "核对议定事项"}, headers=c.as_("赵雪梅")
    )
    assert saved.status_code == 201, saved.text
    assert (saved.json()["number"], saved.json()["note"]) == (2, "核对议定事项")
    versions = (await http.get(f"{base}/minutes", headers=c.as_("赵雪梅"))).json()["items"]
    assert [v["number"] for v in versions] == [1, 2]
    again = (await http.get(f"{base}/minutes/1", headers=c.as_("赵雪梅"))).json()
    assert again["draft"] == draft

    # Only the meeting's moderator signs; a participant sees signed versions only.
    for who in ("林美玲", "赵雪梅"):
        refused = await http.post(f"{base}/minutes/2/sign", headers=c.as_(who))
        assert refused.status_code == 403, refused.text
    assert (await http.get(f"{base}/minutes", headers=c.as_("林美玲"))).json()["items"] == []
    signed = await http.post(f"{base}/minutes/2/sign", headers=c.as_("周建平"))
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert signed.json()["signed_by_name"] == "周建平" and signed.json()["signed_at"]
    twice = await http.post(f"{base}/minutes/2/sign", headers=c.as_("周建平"))
    assert twice.status_code == 409
    seen = (await http.get(f"{base}/minutes", headers=c.as_("林美玲"))).json()["items"]
    assert [(v["number"], v["status"]) for v in seen] == [(2, "signed")]
    assert (await http.get(f"{base}/minutes/1", headers=c.as_("林美玲"))).status_code == 403
    outsider = {"Authorization": f"Bearer {member_token}"}
    assert (await http.get(f"{base}/minutes", headers=outsider)).status_code == 403

    # The signed minutes download as a Word file and as Markdown.
    got = await http.get(f"{base}/minutes/2/docx", headers=c.as_("林美玲"))
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    assert "解放社区停车难协商会纪要" in text
    assert "在东侧空地施划临时停车位六十个" in text
    assert "王秀英" in text  # 缺席
    markdown = (await http.get(f"{base}/minutes/2/md", headers=c.as_("林美玲"))).text
    assert markdown.startswith("# 解放社区停车难协商会纪要")
    assert "会议议定事项" in markdown and "待核对发言人" in markdown

    # The recommendation report is drafted from the signed minutes and signed in turn.
    report = await http.post(f"{base}/recommendations", json={}, headers=c.as_("赵雪梅"))
    assert report.status_code == 201, report.text
    assert report.json()["based_on"] == 2
    items = report.json()["draft"]["items"]
    assert any("停车" in item["text"] for item in items)
    assert any(item["unit"] == "城管局" for item in items)
    assert all(item["segment_id"] in speaker_of for item in items)
    signed_report = await http.post(f"{base}/recommendations/1/sign", headers=c.as_("周建平"))
    assert signed_report.json()["status"] == "signed"
    word = await http.get(f"{base}/recommendations/1/docx", headers=c.as_("何建军"))
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "协商建议" in body and "责任单位" in body


async def test_minutes_from_typed_live_segments_and_an_empty_transcript(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    base = f"/api/meetings/{c.meeting_id}"
    empty = await http.post(f"{base}/minutes", json={}, headers=c.as_("赵雪梅"))
    assert empty.status_code == 409
    assert "发言记录还是空的" in empty.json()["error"]["message"]

    await c.go_live(["周建平", "林美玲", "何建军"])
    await c.hold_speeches(["林美玲", "何建军"])
    await _live_poll(c, "是否同意施划临时停车位六十个", {"林美玲": "yes", "何建军": "no"})
    built = await http.post(f"{base}/transcript", headers=c.as_("赵雪梅"))
    first, second = built.json()["transcript"]["segments"]
    words = {
        first["id"]: "建议利用小区东侧闲置空地施划临时停车位，并与周边单位共享夜间车位。",
        second["id"]: "我担心收费标准定得太高，老年住户难以承受，希望先征求全体居民意见。",
    }
    for segment_id, text in words.items():
        r = await http.patch(
            f"{base}/transcript/{segment_id}", json={"text": text}, headers=c.as_("周建平")
        )
        assert r.status_code == 200, r.text

    drafted = await http.post(f"{base}/minutes", json={"note": "会中速记"}, headers=c.as_("周建平"))
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()["draft"]
    assert drafted.json()["note"] == "会中速记"
    assert draft["source"]["origins"] == ["live"]
    assert draft["segment_ids"] == [first["id"], second["id"]]
    points = {p["speaker"]: p for s in draft["sections"] for p in s["key_points"]}
    assert points["林美玲"]["segment_ids"] == [first["id"]]
    # His only sentence is a concern: it is filed once, under 不同意见, in the third person.
    (concern,) = [d for d in draft["dissent"] if d["speaker"] == "何建军"]
    assert concern["participant_id"] == c.ids["何建军"] and concern["segment_id"] == second["id"]
    assert concern["text"].startswith("群众代表何建军") and "我" not in concern["text"]
    assert "何建军" not in points
    assert header_absent(draft) == ["王秀英", "陈立新"]
    live = draft["polls"][0]
    assert (live["question"], live["source"]) == ("是否同意施划临时停车位六十个", "live")
    assert live["counts"] == {"赞成": 1, "反对": 1, "弃权": 0} and live["votes"] == 2


async def _live_poll(c: Consultation, question: str, votes: dict[str, str]) -> None:
    """The moderator runs a named yes/no/abstain poll; each voter casts the given option."""
    chair = c.live["周建平"]
    opened = await chair.send(
        "poll.open",
        {"question": question, "kind": "yes_no_abstain", "options": [], "secret": False},
    )
    assert opened["ok"], opened
    await chair.wait_for_seq(opened["seq"])
    poll_id = chair.events[opened["seq"]]["data"]["poll_id"]
    for name, choice in votes.items():
        cast = await c.live[name].send("vote.cast", {"poll_id": poll_id, "choice": choice})
        assert cast["ok"], cast
    closed = await chair.send("poll.close", {"poll_id": poll_id})
    assert closed["ok"], closed


def header_absent(draft: dict[str, Any]) -> list[str]:
    absent: list[str] = draft["header"]["absent"]
    return absent
