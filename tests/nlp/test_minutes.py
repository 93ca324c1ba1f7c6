"""Drafting minutes and the recommendation report from an imported transcript, and the CLI.
The meeting below is a typical community consultation with two agenda items, a vote and dissent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.minutes import (
    Attendee,
    MeetingInfo,
    chinese_number,
    draft_minutes,
    draft_recommendations,
    find_unit,
    to_json,
)
from nlp.summarize import summarize
from nlp.transcript import Participant, match_speakers, read_transcript
from server.cli_minutes import main

REPO = Path(__file__).resolve().parents[2]

MEETING = (
    "主持人（张明）：各位委员、各位居民代表，大家好。今天我们在幸福社区协商议事室召开"
    "协商会议，议题是幸福小区老旧住宅加装电梯和停车管理。下面进行第一项议程，请区住建"
    "局王科长介绍加装电梯的政策。\n"
    "王建国：根据市里的老旧小区改造实施意见，二〇〇〇年以前建成的多层住宅可以申请加装"
    "电梯，市、区两级财政每台补贴二十万元。申请需要本单元三分之二以上业主同意，并且其"
    "他业主没有书面反对。目前幸福小区已有三个单元提交了意向，但是低层住户的意见还没有"
    "统一。\n"
    "李秀英委员：我走访了十二栋的住户，高层的老人上下楼非常困难，有的一个月都下不了一"
    "次楼，加装电梯是大家的迫切需求。我建议把资金分摊方案按楼层细化，楼层越高分摊越多"
    "，低层住户可以少出甚至不出。\n"
    "赵大爷：我住一楼，我不同意现在这个方案。电梯装在窗户外面，会挡住我家的采光，而且"
    "运行起来有噪音，我担心房子会贬值。\n"
    "陈律师：民法典规定改建建筑物要经过参与表决的业主双方三分之二以上同意。低层住户的"
    "采光和噪音损失可以通过协议给予适当补偿，建议在方案里写清楚补偿标准。\n"
    "主持人（张明）：下面进行第二项议程，讨论小区停车管理问题。\n"
    "刘芳：小区里现在有四百多辆车，只有两百个车位，晚上消防通道经常被堵。上个月还发生"
    "过救护车进不来的情况。\n"
    "孙伟：我们物业可以把小区东侧的绿化带边角改造成临时停车位，大概能增加六十个车位。"
    "另外可以试行错时停车，和周边的商场协商晚上开放地下车库。\n"
    "周强委员：我支持错时停车，但是改造绿化带我有保留意见，绿地本来就少，建议先做居民"
    "意见调查再决定。\n"
    "主持人（张明）：下面对《幸福小区加装电梯资金分摊方案》进行举手表决。表决结果：赞"
    "成十八票，反对二票，弃权一票，方案通过。\n"
    "主持人（张明）：下面对《错时停车试行方案》进行表决，同意21票，反对0票，全票通"
    "过。\n"
    "主持人（张明）：经过充分协商，会议议定如下：一是原则同意按楼层分摊加装电梯费用，"
    "对低层住户给予适当补偿；二是由区住建局牵头，会同街道办事处在月底前完成加装电梯的"
    "方案设计和补贴申报；三是请幸福社区居委会负责组织居民意见调查，物业公司配合制定错"
    "时停车方案。今天的会议就到这里，谢谢大家。\n"
)

PEOPLE = [
    Participant("m1", "李秀英", "member"),
    Participant("m2", "周强", "member"),
    Participant("o1", "王建国", "official", "区住建局科长"),
    Participant("s1", "刘芳", "stakeholder"),
    Participant("s2", "赵德胜", "stakeholder"),
]


@pytest.fixture(scope="module")
def transcript():  # type: ignore[no-untyped-def]
    return match_speakers(read_transcript(MEETING.encode("utf-8"), "记录.txt"), PEOPLE)


def test_every_speaker_every_poll_and_every_decision(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript, summary_chars=200)
    # Every speaker is heard in the body: in their key points, or in the decisions and the
    # dissent their sentences went to (no sentence is filed twice).
    spoke = {p.speaker for s in minutes.sections for p in s.key_points}
    spoke |= {f.speaker for f in [*minutes.decisions, *minutes.dissent, *minutes.actions]}
    assert spoke == {
        "主持人（张明）",
        "王建国",
        "李秀英",
        "赵大爷",
        "陈律师",
        "刘芳",
        "孙伟",
        "周强",
    }
    polls = {p.question: p for p in minutes.polls}
    assert polls["《幸福小区加装电梯资金分摊方案》"].counts == {"赞成": 18, "反对": 2, "弃权": 1}
    assert polls["《幸福小区加装电梯资金分摊方案》"].passed is True
    assert polls["《错时停车试行方案》"].counts == {"赞成": 21, "反对": 0}
    decisions = " ".join(d.text for d in minutes.decisions)
    for agreed in ("按楼层分摊加装电梯费用", "区住建局牵头", "组织居民意见调查"):
        assert agreed in decisions


def test_sections_follow_the_agenda_announcements(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript)
    assert [(s.first_segment, s.last_segment) for s in minutes.sections] == [(0, 4), (5, 11)]
    assert all(s.headline and (s.summary or s.key_points) for s in minutes.sections)
    # key points point back at the turns they were taken from
    for section in minutes.sections:
        for point in section.key_points:
            for index in point.segments:
                assert section.first_segment <= index <= section.last_segment


def test_dissent_names_who_disagreed_and_ignores_negations(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript)
    who = {d.speaker for d in minutes.dissent}
    assert who == {"赵大爷", "周强"}
    assert not any("没有书面反对" in d.text for d in minutes.dissent)


def test_actions_name_the_responsible_unit(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript)
    # The agreed items ("议定如下：一是由区住建局牵头……") carry their units too.
    units = {a.unit for a in [*minutes.decisions, *minutes.actions]}
    assert {"区住建局", "幸福社区居委会"} <= units


def test_unmatched_speakers_are_flagged(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript)
    assert set(minutes.unmatched_speakers) == {"主持人（张明）", "赵大爷", "陈律师", "孙伟"}
    matched = {s.name: s.participant_id for s in minutes.speakers if s.matched}
    assert matched == {"王建国": "o1", "李秀英": "m1", "刘芳": "s1", "周强": "m2"}


def test_recommendation_report_is_numbered_with_units(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript)
    report = draft_recommendations(minutes, MeetingInfo(recipient="中共幸福街道工作委员会"))
    assert [r.number for r in report.items] == list(range(1, len(report.items) + 1))
    texts = {r.text: r.unit for r in report.items}
    assert (
        texts["由区住建局牵头，会同街道办事处在月底前完成加装电梯的方案设计和补贴申报。"]
        == "区住建局"
    )
    assert report.recipient == "中共幸福街道工作委员会"
    assert "解释说明" in report.closing  # 第十九条: those who disagreed are answered
    assert report.title == "关于幸福小区老旧住宅加装电梯和停车管理的协商建议"


def test_header_lists_attendance_by_category(transcript) -> None:  # type: ignore[no-untyped-def]
    info = MeetingInfo(
        title="幸福社区协商议事会议纪要",
        date="2024年5月20日",
        place="幸福社区协商议事室",
        moderator="张明",
        recorder="陈静",
        agenda=("加装电梯", "停车管理"),
        attendees=(
            Attendee("李秀英", "member"),
            Attendee("刘芳", "stakeholder"),
            Attendee("王建国", "official", "observer"),
            Attendee("吴敏", "member", "absent"),
        ),
    )
    minutes = draft_minutes(transcript, info)
    h = minutes.header
    assert h.present == {"政协委员": ["李秀英"], "利益相关方代表": ["刘芳"]}
    assert h.observers == ["王建国"] and h.absent == ["吴敏"]
    assert [s.title for s in minutes.sections] == ["加装电梯", "停车管理"]


def test_live_polls_are_taken_from_the_snapshot_shape(transcript) -> None:  # type: ignore[no-untyped-def]
    poll = {
        "poll_id": "p1",
        "question": "是否同意试行错时停车",
        "kind": "yes_no_abstain",
        "secret": True,
        "status": "closed",
        "options": [
            {"option_id": "a", "label": "赞成"},
            {"option_id": "b", "label": "反对"},
            {"option_id": "c", "label": "弃权"},
        ],
        "result": {"counts": {"a": 15, "b": 3, "c": 1}, "votes": 19, "passed": True},
    }
    minutes = draft_minutes(transcript, polls=[poll])
    live = minutes.polls[0]
    assert (live.source, live.counts, live.votes, live.passed) == (
        "live",
        {"赞成": 15, "反对": 3, "弃权": 1},
        19,
        True,
    )


def test_json_shape_round_trips(transcript) -> None:  # type: ignore[no-untyped-def]
    minutes = draft_minutes(transcript, summary_chars=120)
    data = json.loads(json.dumps(to_json(minutes, draft_recommendations(minutes))))
    assert len(data["summary"]) <= 120
    assert {"summary", "sections", "header", "polls", "decisions", "dissent", "actions"} <= set(
        data
    )
    assert data["recommendations"]["items"]


@pytest.mark.parametrize("limit", [1, 20, 80, 300])
def test_summary_never_exceeds_its_budget(limit: int) -> None:
    turns = [line.split("：", 1)[1] for line in MEETING.strip().splitlines()]
    assert 0 < len(summarize(turns, limit)) <= limit


def test_numbers_and_units() -> None:
    assert [chinese_number(x) for x in ("十八", "二十一", "一百零二", "两", "37")] == [
        18,
        21,
        102,
        2,
        37,
    ]
    assert find_unit("请城管执法中队会同市场监管所核实占道经营情况") == "城管执法中队"
    assert find_unit("大家看这个问题怎么办") is None


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "记录.txt"
    src.write_text(MEETING, encoding="utf-8")
    assert main([str(src), "--json", "--summary-chars", "150"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["summary"]) <= 150 and len(data["sections"]) == 2


def test_cli_writes_markdown_and_docx(tmp_path: Path) -> None:
    src = tmp_path / "记录.txt"
    src.write_text(MEETING, encoding="utf-8")
    assert main([str(src), "-o", str(tmp_path / "纪要.md")]) == 0
    assert "## 一、会议概况" in (tmp_path / "纪要.md").read_text(encoding="utf-8")
    assert main([str(src), "-o", str(tmp_path / "纪要.docx")]) == 0
    assert (tmp_path / "纪要.docx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "文件是空的"), (b"\x00\x01\x02\x03" * 100, "二进制"), (None, "找不到文件")],
)
def test_cli_bad_input_exits_2_without_traceback(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    src = tmp_path / "bad.txt"
    if content is not None:
        src.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "server.cli_minutes", str(src), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_cli_takes_the_header_and_the_report_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "记录.txt"
    src.write_text(MEETING, encoding="utf-8")
    args = [str(src), "--json", "--title", "幸福小区协商会纪要", "--date", "2026年12月18日"]
    args += ["--place", "幸福社区协商议事室", "--organ", "幸福街道政协工作委员会"]
    args += ["--number", "第5期", "--recipient", "中共幸福街道工作委员会"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    header = data["header"]
    assert (header["title"], header["date"], header["place"], header["number"]) == (
        "幸福小区协商会纪要",
        "2026年12月18日",
        "幸福社区协商议事室",
        "第5期",
    )
    report = data["recommendations"]
    assert report["recipient"] == "中共幸福街道工作委员会"
    assert (report["signatory"], report["date"]) == ("幸福街道政协工作委员会", "2026年12月18日")
    assert report["closing"].endswith("特此报告。")
    units = {item["unit"] for item in report["items"]} - {None}
    assert units <= {"区住建局", "幸福社区居委会", "街道办事处", "物业公司"}, units


def test_junk_units_are_not_units() -> None:
    assert find_unit("所以这件事由镇政府负责落实。") == "镇政府"
    assert find_unit("请卫生院尽快安排家庭医生上门随访。") == "卫生院"
    for junk in (
        "所以所有的事情都要做好。",
        "我个人是对所里的安排有意见。",
        "这个于咱们公司来说负责不了。",
        "由街道牵头制定加装电梯补贴与分摊办法。",
    ):
        assert find_unit(junk) in (None, "街道"), junk
    assert find_unit("道牵头制定加装电梯补贴与分摊办") is None


def test_live_placements_file_turns_under_their_item_and_round(transcript) -> None:  # type: ignore[no-untyped-def]
    """With the live record's placements, a turn goes where it was spoken, whatever its words."""
    from nlp.minutes import Placement
    from server.documents.minutes_docx import render_minutes_docx
    from server.documents.minutes_markdown import render_minutes_markdown

    n = len(transcript.segments)
    lift = Placement("加装电梯", "委员发言", "statements")
    parking = Placement("停车管理", "自由讨论", "discussion")
    # The first half in the lift item, the rest in parking; one turn typed between speeches.
    placements = tuple(lift if i < n // 2 else parking for i in range(n))
    placements = (*placements[:2], None, *placements[3:])
    info = MeetingInfo(
        title="幸福小区协商会纪要",
        agenda=("加装电梯", "停车管理", "下一步工作安排"),
        placements=placements,
        moderator="张明",
    )
    minutes = draft_minutes(transcript, info)
    assert [s.title for s in minutes.sections] == ["加装电梯", "停车管理"]
    for section in minutes.sections:
        expected = lift if section.title == "加装电梯" else parking
        for point in section.key_points:
            assert point.round == expected.round
            assert all((i < n // 2) == (section.title == "加装电梯") for i in point.segments)
    # The overview is facts, not copied sentences.
    assert "依次协商了加装电梯、停车管理2项议程" in minutes.summary
    md = render_minutes_markdown(minutes)
    assert "（一）委员发言" in md and "（一）自由讨论" in md
    import io

    import docx

    paragraphs = docx.Document(io.BytesIO(render_minutes_docx(minutes))).paragraphs
    heading = next(p for p in paragraphs if p.text == "（一）委员发言")
    fonts = {r.element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) for r in heading.runs}
    assert any("楷体" in (f or "") for f in fonts), fonts
