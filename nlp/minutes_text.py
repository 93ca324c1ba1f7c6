"""How the minutes say things: key points in the third person with the speaker named, poll
results in full, and the overview composed from facts. Pure functions over strings and the
contract's poll shape; `nlp/minutes.py` calls them.

Minutes (纪要) report speech (转述): "王海燕委员提出，……", "镇住建办负责同志回应，……". A
speaker's own sentences are kept, with the first person turned into the report's voice: an
opening "我认为/我建议" becomes the reporting verb, a leading "我/我们" (the speaker, named
in the lead-in) is dropped, "我们村/咱们小区" becomes "本村/本小区", and any other 我 is 其,
我们/咱们 is 大家. Fillers and stammers are gone before this (nlp.summarize.tidy_spoken).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# How the minutes name a participant by category (GLOSSARY.md). `{name}` is the person.
_NAMED_AS: dict[str, str] = {
    "member": "{name}委员",
    "stakeholder": "群众代表{name}",
    "official": "{unit}负责同志{name}",
    "guest": "{name}同志",
    "moderator": "主持人{name}",
}
# The reporting verb of a round's kind (realtime.machine.types.RoundKind).
_ROUND_VERBS: dict[str, str] = {
    "intro": "介绍",
    "briefing": "通报",
    "statements": "提出",
    "responses": "回应",
    "discussion": "提出",
    "vote": "表示",
    "summary": "总结",
}
# An opening first-person verb, and the reporting verb it becomes.
_OPENING = re.compile(
    r"^(?:我|我们|咱们|本人)(?:个人|这边|今天|也|还|就|再)?"
    r"(建议|希望|提议|呼吁|认为|觉得|感觉|想说|想提|提出|强调|表示|补充|同意|赞成|反对|担心)"
    r"(?:一下|一点|两点|几点)?[，,：:]?"
)
_OPENING_VERBS = {"觉得": "认为", "感觉": "认为", "想说": "表示", "想提": "提出"}
_OWN_PLACE = re.compile(
    r"(?:我们|咱们|我)(?=村|社区|小区|镇|街道|单位|部门|公司|楼|组|片区|学校|医院|厂|协会)"
)
_CLAUSE_START = re.compile(
    r"(^|[，,；;：:。！？])(?:我们|咱们|我)(?:这边|这里)?(?=[\u4e00-\u9fff])"
)
_WE = re.compile(r"我们|咱们|大家伙")
_I = re.compile(r"我(?!国|市|县|区|省)")
FIRST_PERSON = re.compile(r"我|咱")


def speaker_phrase(name: str, category: str, *, chair: bool = False, unit: str = "") -> str:
    """ "王海燕委员", "群众代表丁伟", "部门负责同志贾红梅", "主持人严正"; a bare name when
    the category is unknown (or the label already carries a title)."""
    if chair:
        return name if "主持" in name else _NAMED_AS["moderator"].format(name=name)
    pattern = _NAMED_AS.get(category)
    if pattern is None or name.endswith(("委员", "主任", "书记", "同志", "代表", "镇长", "局长")):
        return name
    return pattern.format(name=name, unit=unit or "部门")


def reported(phrase: str, sentences: Sequence[str], round_kind: str = "") -> str:
    """The speaker's sentences as one reported key point: "王海燕委员提出，……。"."""
    if not sentences:
        return ""
    first = sentences[0]
    verb = _ROUND_VERBS.get(round_kind, "提出")
    opening = _OPENING.match(first)
    if opening:
        said = opening.group(1)
        verb = _OPENING_VERBS.get(said, said)
        first = first[opening.end() :]
    body = "".join(third_person(s) for s in (first, *sentences[1:]) if s)
    return f"{phrase}{verb}，{body}" if body else ""


def third_person(sentence: str) -> str:
    """One sentence with the speaker's first person turned into the report's voice."""
    text = _OWN_PLACE.sub("本", sentence)
    text = _CLAUSE_START.sub(r"\1", text)
    text = _WE.sub("大家", text)
    text = _I.sub("其", text)
    return text.lstrip("，,、")


def first_person_share(texts: Sequence[str]) -> float:
    """The share of texts that still speak in the first person (我、咱)."""
    if not texts:
        return 0.0
    return sum(1 for t in texts if FIRST_PERSON.search(t)) / len(texts)


# --- polls ----------------------------------------------------------------------------------

_BASE_NAMES = {
    "valid": "有效票（不含弃权）",
    "cast": "投票人数",
    "eligible": "应到人数",
    "present": "实到人数",
}
_THRESHOLD_NAMES = {"simple": "过半数", "two_thirds": "三分之二以上"}


def poll_detail(poll: Mapping[str, Any]) -> tuple[str, str | None]:
    """A closed live poll (the contract's shape, with the close's figures) in words, and the
    label of its winner: kind, 应到/实到, counts, threshold and outcome, and for a ranking the
    Borda and instant-runoff winners."""
    labels = {str(o["option_id"]): str(o["label"]) for o in poll.get("options") or []}
    result = poll.get("result") or {}
    kind = str(poll.get("kind") or "")
    # The server names the kind (`kind_name`, the live machine's own names of its kinds).
    kind_name = str(poll.get("kind_name") or "表决")
    parts = [f"{kind_name}，{'无记名' if poll.get('secret') else '记名'}"]
    eligible, present = result.get("eligible"), result.get("present")
    if isinstance(eligible, int):
        turnout = f"应到{eligible}人"
        if isinstance(present, int):
            turnout += f"，实到{present}人"
        parts.append(turnout)
    votes = int(result.get("votes") or 0)
    parts.append(f"投票{votes}人")
    counts = result.get("counts") or {}
    winner: str | None = None
    if kind == "ranking":
        parts.append(_ranking(labels, result))
        irv = (result.get("irv") or {}).get("winner")
        winner = labels.get(str(irv)) if irv is not None else None
    elif kind == "rating":
        mean = result.get("mean")
        if mean is not None:
            parts.append(f"平均{float(mean):.1f}分")
        share = result.get("satisfaction")
        if share is not None:
            parts.append(f"满意率{float(share) * 100:.0f}%")
    elif kind == "text":
        parts.append(f"收到意见{len(result.get('answers') or [])}条")
    elif counts:
        order = [*labels, *(k for k in map(str, counts) if k not in labels)]
        parts.append(
            "、".join(f"{labels.get(k, k)}{int(counts[k])}票" for k in order if k in counts)
        )
    if kind not in ("ranking",) and result.get("winner") is not None:
        winner = labels.get(str(result["winner"]), str(result["winner"]))
    outcome = _outcome(kind, result, labels)
    if outcome:
        parts.append(outcome)
    return "；".join(parts) + "。", winner


def _ranking(labels: Mapping[str, str], result: Mapping[str, Any]) -> str:
    said = []
    borda = result.get("borda") or {}
    if borda:
        top = max(borda.values())
        leaders = [labels.get(str(k), str(k)) for k, v in borda.items() if v == top]
        scores = "、".join(
            f"{labels.get(str(k), str(k))}{v}分"
            for k, v in sorted(borda.items(), key=lambda kv: -kv[1])
        )
        said.append(f"按波达计数（{scores}），“{'”“'.join(leaders)}”得分最高")
    irv = result.get("irv") or {}
    rounds = len(irv.get("rounds") or [])
    if irv.get("winner") is not None:
        said.append(
            f"按即时决选（{rounds}轮），“{labels.get(str(irv['winner']), irv['winner'])}”胜出"
        )
    elif irv.get("tied"):
        tied = "”“".join(labels.get(str(t), str(t)) for t in irv["tied"])
        said.append(f"按即时决选，“{tied}”票数相同，未决出")
    return "，".join(said) or "无有效排序"


def _outcome(kind: str, result: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    passed = result.get("passed")
    if passed is None:
        return ""
    quorum = result.get("quorum") or {}
    rule = ""
    if result.get("needed") is not None:
        base = _BASE_NAMES.get(str(result.get("base")), "投票人数")
        threshold = _THRESHOLD_NAMES.get(str(result.get("threshold")), "过半数")
        rule = (
            f"通过须{base}{result.get('base_votes', '')}的{threshold}，即至少{result['needed']}票"
        )
    if passed:
        return f"{rule}，获得通过" if rule else "获得通过"
    if quorum and not quorum.get("met", True):
        why = f"投票人数未达到{quorum.get('required')}人的法定人数"
    elif kind == "yes_no_abstain":
        yes = (result.get("counts") or {}).get("yes", 0)
        why = f"赞成票{yes}票，未达到所需的{result.get('needed')}票"
    else:
        why = "没有选项达到所需票数"
    return f"{rule}；{why}，未获通过" if rule else f"{why}，未获通过"


def votes_against(poll: Mapping[str, Any]) -> str:
    """A sentence on the votes against a yes/no poll (不同意见), or "" when there were none."""
    if poll.get("kind") != "yes_no_abstain":
        return ""
    counts = (poll.get("result") or {}).get("counts") or {}
    against, abstain = int(counts.get("no", 0)), int(counts.get("abstain", 0))
    if not against:
        return ""
    more = f"、{abstain}票弃权" if abstain else ""
    who = "、".join(str(n) for n in poll.get("against") or [])
    named = f"（投反对票的是{who}）" if who else ""
    return f"表决“{poll.get('question', '表决事项')}”时，有{against}票反对{named}{more}。"
