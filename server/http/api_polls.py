"""Poll records over HTTP: every poll of a meeting as JSON, and one poll's result as CSV.

For the meeting's moderators and staff; the CSV is UTF-8 with a BOM so that Excel reads Chinese.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from starlette.responses import Response

from server.domain import polls
from server.domain.polls import PollRecord, Voter
from server.http.framework import Context, Endpoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
KIND_NAMES = {
    "yes_no_abstain": "赞成/反对/弃权",
    "single": "单选",
    "multiple": "多选",
    "rating": "满意度评分",
    "ranking": "排序",
    "text": "简短意见",
}
BASE_NAMES = {
    "valid": "有效票（不含弃权）",
    "cast": "投票人数",
    "eligible": "应投票人数",
    "present": "出席的应投票人数",
}
THRESHOLD_NAMES = {"simple": "过半数", "two_thirds": "三分之二以上"}
CATEGORY_NAMES = {
    "member": "委员",
    "stakeholder": "利益相关方代表",
    "official": "部门/村居负责人",
    "guest": "其他人员",
}


def _time(moment: float | None) -> str:
    if moment is None:
        return ""
    return datetime.fromtimestamp(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _labels(record: PollRecord) -> dict[str, str]:
    return {o["option_id"]: o["label"] for o in record.spec.get("options", [])}


def _choice_text(record: PollRecord, choice: Any) -> str:
    labels = _labels(record)
    kind = record.spec.get("kind")
    if kind == "multiple":
        return "、".join(labels.get(c, c) for c in choice)
    if kind == "ranking":
        return " > ".join(labels.get(c, c) for c in choice)
    if kind == "rating":
        return f"{choice}（{labels.get(str(choice), '')}）"
    if kind == "text":
        return str(choice)
    return labels.get(choice, str(choice))


def _passed(result: dict[str, Any] | None) -> str:
    if result is None:
        return "表决尚未结束"
    return {True: "通过", False: "未通过", None: "不适用"}[result.get("passed")]


def _summary_rows(record: PollRecord) -> list[list[Any]]:
    spec, result = record.spec, record.result or {}
    rules = spec.get("rules", {})
    rows: list[list[Any]] = [
        ["表决事项", spec.get("question", "")],
        ["类型", KIND_NAMES.get(spec.get("kind", ""), spec.get("kind", ""))],
        ["记名方式", "无记名" if record.secret else "记名"],
        ["状态", "已结束" if record.status == "closed" else "进行中"],
        ["开始时间", _time(record.opened_at)],
        ["结束时间", _time(record.closed_at)],
        ["投票人数", result.get("votes", len(record.voters))],
        ["应投票人数", result.get("eligible", "")],
        ["出席的应投票人数", result.get("present", "")],
        ["结果", _passed(record.result)],
    ]
    if "base" in result:
        rows += [
            ["计算基数", f"{BASE_NAMES[result['base']]}：{result['base_votes']}"],
            ["通过门槛", f"{THRESHOLD_NAMES[result['threshold']]}，至少 {result['needed']} 票"],
        ]
    quorum = result.get("quorum")
    if quorum:
        met = "已达到" if quorum["met"] else "未达到"
        rows.append(["法定人数", f"至少 {quorum['required']} 人投票（{met}）"])
    elif "quorum" in rules:
        rows.append(["法定人数", "不设"])
    return rows


def _result_rows(record: PollRecord) -> list[list[Any]]:
    result = record.result
    if result is None:
        return []
    labels = _labels(record)
    kind = record.spec.get("kind")
    if kind == "text":
        return [["意见"], *([a] for a in result.get("answers", []))]
    header = ["选项", "首选票数" if kind == "ranking" else "票数"]
    if kind == "ranking":
        header.append("波达计数得分")
    rows: list[list[Any]] = [header]
    for option_id, label in labels.items():
        row: list[Any] = [label, result["counts"].get(option_id, 0)]
        if kind == "ranking":
            row.append(result["borda"].get(option_id, 0))
        rows.append(row)
    if kind == "rating":
        rows += [["平均分", result.get("mean")], ["满意率", result.get("satisfaction")]]
    if kind == "ranking":
        winner = result.get("irv", {}).get("winner")
        rows.append(["即时决选胜出", labels.get(winner, "无（票数相同）") if winner else "无"])
    return rows


def _voter_rows(record: PollRecord) -> list[list[Any]]:
    def category(voter: Voter) -> str:
        return CATEGORY_NAMES.get(voter.category, voter.category)

    if record.secret:
        # Who took part, never what they chose: nothing stored could say it.
        return [["已投票的参会人", "类别"], *([v.name, category(v)] for v in record.voters)]
    return [
        ["参会人", "类别", "选择", "代为投票"],
        *(
            [v.name, category(v), _choice_text(record, v.choice), "是" if v.cast_by else ""]
            for v in record.voters
        ),
    ]


# A spreadsheet runs a cell starting with one of these as a formula; an apostrophe in front
# makes it show as the text it is (names, questions, labels and answers are anyone's text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def poll_csv(record: PollRecord) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for block in (_summary_rows(record), _result_rows(record), _voter_rows(record)):
        writer.writerows([_as_text(cell) for cell in row] for row in block)
        writer.writerow([])
    return "\ufeff" + out.getvalue()


async def export_poll(ctx: Context) -> Response:
    meeting_id = ctx.path_int("meeting_id")
    poll_id = ctx.request.path_params["poll_id"]
    record = await polls.poll_record(ctx.session, ctx.principal, meeting_id, poll_id)
    filename = f"会议{meeting_id}-表决{poll_id}.csv"
    return Response(
        poll_csv(record).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def _record_json(record: PollRecord) -> dict[str, Any]:
    return {
        "poll_id": record.poll_id,
        "status": record.status,
        "question": record.spec.get("question"),
        "kind": record.spec.get("kind"),
        "secret": record.secret,
        "options": record.spec.get("options", []),
        "rules": record.spec.get("rules", {}),
        "item_id": record.spec.get("item_id"),
        "opened_at": record.opened_at,
        "closed_at": record.closed_at,
        # While a secret poll is open, who voted and how many, never per-option numbers.
        "turnout": len(record.voters),
        "result": record.result,
        "voters": [
            {
                "participant_id": v.participant_id,
                "name": v.name,
                "category": v.category,
                **({} if record.secret else {"choice": v.choice, "cast_by": v.cast_by}),
            }
            for v in record.voters
        ],
    }


async def list_polls(ctx: Context) -> dict[str, Any]:
    records = await polls.meeting_polls(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    return {"items": [_record_json(r) for r in records]}


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/meetings/{meeting_id:int}/polls",
        list_polls,
        "会议的表决记录",
        permission="poll.record",
    ),
    Endpoint(
        "GET",
        "/api/meetings/{meeting_id:int}/polls/{poll_id}/result.csv",
        export_poll,
        "导出一项表决的结果（CSV）",
        permission="poll.record",
    ),
]
