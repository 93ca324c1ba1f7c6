"""Minutes from a live meeting: a chair runs the typical agenda with members, a resident and a
township official over real Socket.IO clients, with check-ins, a named vote, a ranking poll and
an item that never starts; the clerk fills in the speeches and drafts the minutes and report."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from nlp.text import split_sentences
from server.domain.records import BEIJING
from tests.conftest import bearer
from tests.live.conftest import LiveUser, connect_user, new_person

# (name, category, meeting role, check-in: in_room / remote / None = never / "leave")
PEOPLE = [
    ("严正", "member", "moderator", "in_room"),
    ("王海燕", "member", "participant", "remote"),
    ("秦芳", "member", "participant", "in_room"),
    ("丁伟", "stakeholder", "participant", "in_room"),
    ("贾红梅", "official", "participant", "remote"),
    ("赵雪", "member", "participant", None),
    ("孙立", "member", "participant", "leave"),
    ("林晓", "official", "staff", None),
]
LIFT, PARKING, LATER = "老旧小区加装电梯", "小区停车管理", "下一步工作安排"

# What each speech said, in the order the chair gives the floor: (item, round, speaker, text).
SPEECHES = [
    (
        LIFT,
        "介绍议题",
        "严正",
        "各位委员、各位代表，今天围绕老旧小区加装电梯进行协商。"
        "加装电梯是群众反映最集中的民生实事之一，涉及资金分摊、低层住户补偿等多个难点。",
    ),
    (
        LIFT,
        "情况通报",
        "贾红梅",
        "我代表镇住建办通报一下情况。全镇二〇〇〇年以前建成的多层住宅共有四十二栋，"
        "目前已有六个单元提交了加装电梯申请。市、区两级财政对每台电梯补贴二十万元，"
        "资金分摊和低层住户补偿是推进中的主要难点。",
    ),
    (
        LIFT,
        "委员发言",
        "王海燕",
        "我我走访了幸福小区十二栋的住户，高层老人上下楼非常困难，有的一个月都下不了一次楼。"
        "我建议资金分摊按楼层细化，楼层越高分摊越多。一是低层住户可以少出甚至不出。"
        "二是对采光受影响的住户给予适当补偿。三是聘请第三方机构评估补偿标准。",
    ),
    (
        LIFT,
        "委员发言",
        "秦芳",
        "我认为要把群众工作做在前面。我们在调研中发现，很多低层住户不是反对加装电梯，"
        "而是担心噪音和房屋贬值，应当先把补贴政策和补偿办法讲清楚。",
    ),
    (
        LIFT,
        "群众代表发言",
        "丁伟",
        "我住一楼，我不同意现在的分摊方案。电梯装在窗户外面会挡住我家的采光，"
        "运行起来还有噪音，我担心房子会贬值。",
    ),
    (
        LIFT,
        "部门回应",
        "贾红梅",
        "刚才大家提的意见很中肯。关于采光和噪音问题，我们会要求设计单位优化电梯井的位置，"
        "选用低噪音的设备。关于补偿标准，建议由街道牵头制定分摊和补偿办法，镇住建办全力配合。",
    ),
    (
        LIFT,
        "自由讨论",
        "王海燕",
        "就是就是补贴申报的流程太长，建议住建、财政、规划并联审批，把办理时间缩短到三个月以内。",
    ),
    (
        LIFT,
        "自由讨论",
        "丁伟",
        "如果补偿标准能够写进加装协议，并且由第三方评估，低层住户是可以商量的。",
    ),
    (
        LIFT,
        "总结",
        "严正",
        "经过充分协商，会议议定如下：一是原则同意按楼层分摊加装电梯费用，对低层住户给予适当补偿；"
        "二是由镇住建办牵头，会同街道办事处在月底前完成方案设计和补贴申报；"
        "三是请幸福社区居委会负责组织居民意见调查。",
    ),
    (
        PARKING,
        "自由讨论",
        "秦芳",
        "小区里现在有四百多辆车，只有两百个车位，晚上消防通道经常被堵。"
        "建议把东侧绿化带的边角改造成临时停车位，大概能增加六十个车位。",
    ),
    (
        PARKING,
        "自由讨论",
        "贾红梅",
        "镇里支持错时停车，可以和周边商场协商夜间开放地下车库，这件事由镇城管办负责协调落实。",
    ),
]
YES_NO = "是否同意《幸福小区加装电梯资金分摊方案》"
RANKING = "停车改造方案排序"
PARKING_OPTIONS = ["东侧绿化带改造临时车位", "与商场错时共享车库", "建设立体停车库"]
# Named votes: the resident votes against the lift plan, the official abstains.
YES_NO_VOTES = {"严正": "yes", "王海燕": "yes", "秦芳": "yes", "丁伟": "no", "贾红梅": "abstain"}
# Rankings by option index: the shared garage is first for three of five, so it wins outright.
RANKINGS = {
    "严正": [1, 0, 2],
    "王海燕": [0, 1, 2],
    "秦芳": [1, 2, 0],
    "丁伟": [0, 2, 1],
    "贾红梅": [1, 0, 2],
}
SUGGESTIONS = [
    ("王海燕", "建议加装电梯的补贴申报实行并联审批，缩短办理时间。"),
    ("丁伟", "加装电梯要给一楼住户适当补偿，补偿标准写进协议。"),
    ("秦芳", "小区东侧绿化带边角可以改造成临时停车位。"),
    ("贾红梅", "和周边商场协商夜间开放地下车库，实行错时停车。"),
]
ORGANISATIONS = {"镇住建办", "街道", "幸福社区居委会", "镇城管办"}


async def test_minutes_of_a_live_meeting_follow_the_record(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> None:
    admin = bearer(admin_token)
    made = await http.post(
        "/api/meetings",
        json={
            "room_id": 2,
            "title": "幸福社区民生实事协商议事会",
            "topic_title": "老旧小区加装电梯和停车管理",
            "starts_at": "2026-12-18T14:00:00+08:00",
            "ends_at": "2026-12-18T16:00:00+08:00",
            "place": "幸福社区党群服务中心三楼",
            "mode": "hybrid",
            "agenda": [
                {"title": LIFT, "template": "typical"},
                {"title": PARKING, "rounds": [{"kind": "discussion", "title": "自由讨论"}]},
                {"title": LATER, "rounds": [{"kind": "discussion", "title": "自由讨论"}]},
            ],
            "report": {
                "recipient": "中共幸福街道工作委员会、幸福街道办事处",
                "organ": "幸福街道政协工作委员会",
                "number": "第5期",
            },
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    meeting = made.json()
    mid = meeting["id"]
    items = {item["title"]: item for item in meeting["agenda"]}
    rounds = {
        (title, r["title"]): str(r["id"]) for title, item in items.items() for r in item["rounds"]
    }

    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    for name, category, role, _ in PEOPLE:
        person_id, token = await new_person(http, admin_token, name, category)
        added = await http.post(
            f"/api/meetings/{mid}/participants",
            json={"person_id": person_id, "role": role},
            headers=admin,
        )
        assert added.status_code == 201, added.text
        tokens[name], ids[name] = token, str(added.json()["id"])
    assert (await http.post(f"/api/meetings/{mid}/invitations", json={}, headers=admin)).is_success
    declined = await http.post(
        f"/api/meetings/{mid}/invitation",
        json={"status": "declined", "reason": "外出学习"},
        headers=bearer(tokens["孙立"]),
    )
    assert declined.status_code == 200, declined.text

    live: dict[str, LiveUser] = {}
    for name, _, _, mode in PEOPLE:
        if mode in ("in_room", "remote"):
            user = await connect_user(server, tokens[name], name)
            user.participant_id = ids[name]
            await user.join(mid)
            assert (await user.send("attendance.check_in", {"mode": mode}))["ok"]
            live[name] = user
    chair = live["严正"]

    async def ok(user: LiveUser, type_: str, data: dict[str, Any] | None = None) -> int:
        ack = await user.send(type_, data)
        assert ack["ok"], (type_, data, ack)
        seq: int = ack["seq"]
        return seq

    async def poll(question: str, kind: str, votes: dict[str, Any], **extra: Any) -> None:
        seq = await ok(chair, "poll.open", {"question": question, "kind": kind, **extra})
        await chair.wait_for_seq(seq)
        opened = chair.events[seq]["data"]
        options = [o["option_id"] for o in opened["options"]]
        for name, choice in votes.items():
            if kind == "ranking":
                choice = [options[i] for i in choice]
            await ok(live[name], "vote.cast", {"poll_id": opened["poll_id"], "choice": choice})
        await ok(chair, "poll.close", {"poll_id": opened["poll_id"]})

    opened_seq = 0
    current: tuple[str, str] | None = None
    for item, round_title, speaker, _ in SPEECHES:
        if current is None or current[0] != item:
            seq = await ok(chair, "agenda.goto", {"item_id": str(items[item]["id"])})
            opened_seq = opened_seq or seq
            current = None
        if current != (item, round_title):
            if current is not None:
                await ok(chair, "round.end")
            await ok(chair, "round.start", {"round_id": rounds[(item, round_title)]})
            current = (item, round_title)
        await ok(chair, "floor.call", {"participant_id": ids[speaker]})
        await ok(chair, "floor.end")
        if (item, round_title) == (LIFT, "自由讨论") and speaker == "丁伟":
            await ok(chair, "round.end")
            await ok(chair, "round.start", {"round_id": rounds[(LIFT, "表决")]})
            await poll(YES_NO, "yes_no_abstain", YES_NO_VOTES)
            current = (LIFT, "表决")
    await poll(RANKING, "ranking", RANKINGS, options=PARKING_OPTIONS)
    # Written suggestions came in during the meeting; the board sorts them into themes.
    for name, text in SUGGESTIONS:
        sent = await http.post(
            f"/api/meetings/{mid}/suggestions", json={"text": text}, headers=bearer(tokens[name])
        )
        assert sent.status_code in (200, 201), sent.text

    closed_seq = await ok(chair, "meeting.close")
    await chair.wait_for_seq(closed_seq)
    for user in live.values():
        await user.client.disconnect()

    # The clerk makes one segment per speech and types what was said.
    staff = bearer(tokens["林晓"])
    built = await http.post(f"/api/meetings/{mid}/transcript", json={}, headers=staff)
    assert built.status_code == 200, built.text
    segments = built.json()["transcript"]["segments"]
    assert [s["speaker_name"] for s in segments] == [s[2] for s in SPEECHES]
    placed: dict[int, tuple[str, str]] = {}
    for segment, (item, round_title, _, text) in zip(segments, SPEECHES, strict=True):
        r = await http.patch(
            f"/api/meetings/{mid}/transcript/{segment['id']}", json={"text": text}, headers=staff
        )
        assert r.status_code == 200, r.text
        placed[segment["id"]] = (item, round_title)

    drafted = await http.post(f"/api/meetings/{mid}/minutes", json={}, headers=staff)
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()["draft"]
    header = draft["header"]

    # Times are the live record's: when the chair took up the first item, and the close.
    opened = datetime.fromtimestamp(chair.events[opened_seq]["at"], BEIJING)
    closed = datetime.fromtimestamp(chair.events[closed_seq]["at"], BEIJING)
    assert header["date"] == f"{opened.year}年{opened.month}月{opened.day}日"
    assert header["time"] == f"{opened:%H:%M}—{closed:%H:%M}"
    assert header["place"] == "幸福社区党群服务中心三楼" and header["moderator"] == "严正"
    assert header["number"] == "第5期"

    # Attendance is the check-ins: present by category; never checked in is absent; the
    # declined invitation is leave; the recorder is not counted.
    assert header["present"] == {
        "政协委员": ["严正", "王海燕", "秦芳"],
        "利益相关方代表": ["丁伟"],
        "部门及村居负责人": ["贾红梅"],
    }
    assert header["absent"] == ["赵雪", "孙立（请假：外出学习）"]
    assert header["attendance"] == "应到7人，实到5人（现场3人、线上2人），请假1人，缺席1人"
    assert header["recorder"] == "林晓"

    # Every speech is filed under the item and round it was made in; the item that never
    # started has no part.
    sections = {s["title"]: s for s in draft["sections"]}
    assert list(sections) == [LIFT, PARKING]
    filed: dict[int, tuple[str, str]] = {}
    for section in draft["sections"]:
        for point in section["key_points"]:
            for segment_id in point["segment_ids"]:
                filed[segment_id] = (section["title"], point["round"])
    for segment_id, where in filed.items():
        assert placed[segment_id] == where, (segment_id, where)
    # A speech is in its key points, or wholly in the decisions, dissent or actions.
    found = {f["segment_id"] for n in ("decisions", "dissent", "actions") for f in draft[n]}
    assert set(filed) | found >= set(placed)

    # Key points are reported speech, speaker and category named.
    points = [p["text"] for s in draft["sections"] for p in s["key_points"]]
    assert any(p.startswith("王海燕委员") for p in points)
    assert any(p.startswith("部门负责同志贾红梅") for p in points)
    assert any(p.startswith("群众代表丁伟") for p in points)
    first_person = sum(1 for p in points if re.search("我|咱", p))
    assert first_person / len(points) < 0.2, points
    # The enumeration stays whole, the stammer is gone.
    whole = next(p for p in points if "一是低层住户" in p)
    assert "二是" in whole and "三是" in whole
    assert not any("我我" in p or "就是就是" in p for p in points)

    # Every poll, with kind, 应到/实到, counts, threshold and outcome; the ranking's winners.
    polls = {p["question"]: p for p in draft["polls"] if p["source"] == "live"}
    vote = polls[YES_NO]
    assert vote["passed"] is True and vote["winner"] == "赞成"
    assert vote["counts"] == {"赞成": 3, "反对": 1, "弃权": 1}
    # 应到 is the server's count of who may vote (the machine's rule), 实到 those checked in.
    eligible = f"应到{(await _poll_result(http, mid, staff, YES_NO))['eligible']}人"
    for phrase in ("赞成/反对/弃权", "记名", eligible, "实到5人", "赞成3票、反对1票", "获得通过"):
        assert phrase in vote["detail"], (phrase, vote["detail"])
    ranking = polls[RANKING]
    assert ranking["winner"] == "与商场错时共享车库"
    assert "波达" in ranking["detail"] and "即时决选" in ranking["detail"]

    # Dissent: the vote against and the resident's speech.
    dissent = " ".join(d["text"] for d in draft["dissent"])
    assert "1票反对（投反对票的是丁伟）" in dissent and "不同意" in dissent

    # Decisions are the chair's, and the passed vote.
    decisions = [d["text"] for d in draft["decisions"]]
    assert any("按楼层分摊" in d for d in decisions)
    assert any(YES_NO in d for d in decisions)
    assert {d["speaker"] for d in draft["decisions"] if d["speaker"]} == {"严正"}

    # No sentence appears twice anywhere in the minutes.
    texts = [draft["summary"], *(s["summary"] for s in draft["sections"]), *points]
    texts += [f["text"] for name in ("decisions", "dissent", "actions") for f in draft[name]]
    sentences = Counter(
        re.sub(r"\W", "", s) for t in texts for s in split_sentences(t) if re.sub(r"\W", "", s)
    )
    sentences.update(p["question"] + p["detail"] for p in draft["polls"])
    assert [s for s, n in sentences.items() if n > 1] == []

    # The suggestions' themes, every suggestion counted once.
    sizes = [int(n) for n in re.findall(r"（(\d+)条）", "".join(draft["themes"]))]
    assert draft["themes"] and sum(sizes) == len(SUGGESTIONS), draft["themes"]

    # Every responsible unit is an organisation the transcript assigned.
    units = {f["unit"] for name in ("decisions", "actions") for f in draft[name] if f["unit"]}
    assert units and units <= ORGANISATIONS, units

    # The report: 主送 from the meeting's settings, units only where assigned, signed, dated.
    report = await http.post(f"/api/meetings/{mid}/recommendations", json={}, headers=staff)
    assert report.status_code == 201, report.text
    body = report.json()["draft"]
    assert body["recipient"] == "中共幸福街道工作委员会、幸福街道办事处"
    assert body["signatory"] == "幸福街道政协工作委员会"
    assert body["date"] == header["date"]
    assert body["closing"].endswith("特此报告。")
    assert {i["unit"] for i in body["items"] if i["unit"]} <= ORGANISATIONS
    assert all(i["rationale"] for i in body["items"])
    md = await http.get(f"/api/meetings/{mid}/recommendations/1/md", headers=staff)
    assert "待明确" in md.text or all(i["unit"] for i in body["items"])
    assert "妥否" not in md.text


async def _poll_result(
    http: httpx.AsyncClient, meeting_id: int, headers: dict[str, str], question: str
) -> dict[str, Any]:
    """A closed poll's result as the server reports it."""
    r = await http.get(f"/api/meetings/{meeting_id}/polls", headers=headers)
    assert r.status_code == 200, r.text
    polls = r.json()["items"]
    found: dict[str, Any] = next(p for p in polls if p["question"] == question)["result"]
    return found
