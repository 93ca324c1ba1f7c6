"""Screening hints for proposed topics (议题筛选): flags a topic that may fall outside the
consultation scope of 第十一条, with the words that raised the flag. Hints advise staff only.

第十一条 leaves out topics already settled by party policy, law or higher authorities, topics
that are an individual dispute or a legal/litigation matter (个体矛盾纠纷、涉法涉诉), and topics
already agreed. Each kind below is a list of cue phrases; a cue preceded closely by a negation
(未, 没有, 尚未, ...) means the opposite and is ignored, and so is a cue followed by a word
that makes it a public institution or service (信访工作, 诉讼服务中心, 律师进社区): that is a
matter of public work, not one person's case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.text import normalize

__all__ = ["HINT_KINDS", "ScreeningHint", "screen_topic"]


@dataclass(frozen=True)
class ScreeningHint:
    """One reason a topic may be out of scope: its `kind`, a sentence for staff, and the
    phrases of the text that raised it."""

    kind: str
    message: str
    triggers: list[str]


# kind -> (message for staff, cue phrases as regular expressions)
HINT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "individual_dispute": (
        "可能属于个体矛盾纠纷，按第十一条不列入协商议事议题范围，请核实是否涉及公共利益。",
        (
            r"邻里(纠纷|矛盾)",
            r"(家庭|婚姻|个人|私人|双方)(纠纷|矛盾|恩怨|争执)",
            r"(债务|借款|欠款|合同|劳务|工伤|财产|遗产|继承|赡养|抚养|宅基地)纠纷",
            r"离婚",
            r"遗产",
            r"赡养费",
            r"欠(我|本人)(的)?(钱|款|工资)",
            r"我家(与|和|跟)",
            r"(打架|斗殴|殴打)",
            r"(赔偿|补偿)(我|本人)",
            r"个体矛盾",
        ),
    ),
    "litigation": (
        "可能涉法涉诉，应通过司法或信访渠道依法处理，按第十一条不列入协商议事议题范围。",
        (
            r"涉法涉诉",
            r"起诉",
            r"诉讼",
            r"(法院|检察院)",
            r"(判决|裁定|调解书)",
            r"上诉",
            r"(申请)?仲裁",
            r"律师",
            r"打官司|官司",
            r"(强制)?执行(款|案)",
            r"立案",
            r"(多次|反复|长期|一直|越级|集体|去|到)(上访|信访)",
            r"(上访|信访)(多年|多次|无果|未果|户)",
            r"申诉",
        ),
    ),
    "settled_by_policy": (
        "可能已有政策、法律法规或上级明确规定，按第十一条不列入协商议事议题范围，请核对现行规定。",
        (
            r"(已有|已经有|早有)(明确|明文)?(规定|要求)",
            r"明文规定",
            r"(法律|法规|国家|政策|上级|文件|条例)(已)?(明确)?(规定|要求)",
            r"《[^》]{1,30}(法|条例|规定|办法|意见)》",
            r"依法(应当|必须)",
            r"按(照)?(有关|相关|国家)?规定(执行|办理)",
        ),
    ),
    "already_agreed": (
        "可能已经达成一致意见，按第十一条不列入协商议事议题范围。",
        (
            r"(已经|已)(达成)?(一致|共识)",
            r"达成(了)?(一致|共识)",
            r"(大家|各方|双方|全体)(都)?(已经|已)?(一致)?同意",
            r"(已经|已)(协商|商量|谈)(好|妥|一致)",
            r"(已经|已)签(订|署)(了)?(协议|合同)",
            r"(已经|已)(决定|定下来)",
        ),
    ),
}

# A cue followed by one of these words names a public institution or service, not one
# person's case: 加强对信访工作的监督, 完善诉讼服务中心, 仲裁机构建设, 律师进社区服务.
_PUBLIC_FRAME_RE = re.compile(
    r"(工作|制度|机制|体系|服务|中心|窗口|机构|队伍|系统|渠道|部门|进社区|进村|顾问)"
)
_NEGATION_RE = re.compile(r"(未|没|没有|尚未|并未|不|无|还没|还未)$")
_NEGATION_WINDOW = 4
_COMPILED = {
    kind: (message, [re.compile(p) for p in patterns])
    for kind, (message, patterns) in HINT_KINDS.items()
}


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _NEGATION_WINDOW) : start]
    return bool(_NEGATION_RE.search(before)) or any(n in before for n in ("没有", "尚未", "并未"))


def screen_topic(text: str) -> list[ScreeningHint]:
    """Hints that a proposed topic may be outside the consultation scope (第十一条), in the
    order of HINT_KINDS; an empty list when nothing looks out of scope."""
    normalised = normalize(text)
    hints = []
    for kind, (message, patterns) in _COMPILED.items():
        triggers: list[str] = []
        spans: list[tuple[int, int]] = []
        for pattern in patterns:
            for match in pattern.finditer(normalised):
                start, end = match.span()
                inside = any(s <= start and end <= e for s, e in spans)
                if inside or _negated(normalised, start):
                    continue  # a shorter cue within a longer one says nothing new
                if _PUBLIC_FRAME_RE.match(normalised, end):
                    continue  # 信访工作, 诉讼服务中心: the institution, not a case
                spans.append((start, end))
                if match.group() not in triggers:
                    triggers.append(match.group())
        if triggers:
            hints.append(ScreeningHint(kind=kind, message=message, triggers=triggers))
    return hints
