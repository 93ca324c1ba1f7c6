"""Minutes and recommendation reports as Markdown, and the text layout both renderers share.
What goes under which heading is decided here once; DOCX and Markdown only differ in form."""

from __future__ import annotations

from collections.abc import Iterable

from nlp.minutes import Minutes, Poll, RecommendationReport, plain_item

Part = tuple[str, list[str]]
_DIGITS = "一二三四五六七八九"


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings never go near a hundred)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


def attendance_lines(minutes: Minutes) -> list[tuple[str, str]]:
    """The 会议时间/地点/主持人/出席/列席/缺席/记录 block, skipping what is unknown."""
    h = minutes.header
    lines: list[tuple[str, str]] = []
    when = " ".join(x for x in (h.date, h.time) if x)
    for label, value in (("会议时间", when), ("会议地点", h.place), ("主持人", h.moderator)):
        if value:
            lines.append((label, value))
    present = "；".join(f"{group}：{'、'.join(names)}" for group, names in h.present.items())
    for label, value in (
        ("出席情况", h.attendance),
        ("出席", present),
        ("列席", "、".join(h.observers)),
        ("缺席", "、".join(h.absent)),
        ("记录", h.recorder),
        ("会议议题", h.topic),
    ):
        if value:
            lines.append((label, value))
    if minutes.unmatched_speakers and any(s.matched for s in minutes.speakers):
        lines.append(("待核对发言人", "、".join(minutes.unmatched_speakers)))
    return lines


def minutes_parts(minutes: Minutes) -> list[Part]:
    """The body of the minutes as numbered parts: overview, one per agenda item, outcomes."""
    parts: list[Part] = []
    if minutes.header.agenda:
        agenda = [f"{i}. {item}" for i, item in enumerate(minutes.header.agenda, start=1)]
        parts.append(("会议议程", agenda))
    if minutes.summary:
        parts.append(("会议概况", [minutes.summary]))
    for section in minutes.sections:
        paragraphs = [section.summary] if section.summary else []
        rounds = list(dict.fromkeys(p.round for p in section.key_points))
        for n, round_title in enumerate(rounds, start=1):
            if round_title:
                paragraphs.append(f"（{numeral(n)}）{round_title}")
            paragraphs += [
                _said(p.speaker, p.text) for p in section.key_points if p.round == round_title
            ]
        parts.append((section.title or "讨论情况", paragraphs))
    if minutes.polls:
        parts.append(("表决情况", [poll_line(p) for p in minutes.polls]))
    if minutes.decisions:
        parts.append(
            (
                "会议议定事项",
                _numbered(
                    f"{plain_item(f.text)}（责任单位：{f.unit}）" if f.unit else plain_item(f.text)
                    for f in minutes.decisions
                ),
            )
        )
    if minutes.dissent:
        parts.append(("不同意见", [_said(f.speaker, f.text) for f in minutes.dissent]))
    if minutes.themes:
        parts.append(("意见建议归类", ["、".join(minutes.themes) + "。"]))
    if minutes.actions:
        parts.append(
            (
                "下一步工作",
                _numbered(
                    f"{plain_item(f.text)}（责任单位：{f.unit}）" if f.unit else plain_item(f.text)
                    for f in minutes.actions
                ),
            )
        )
    return parts


def report_parts(report: RecommendationReport) -> list[tuple[str, list[str]]]:
    """The recommendation report's body: the introduction, numbered items, the closing."""
    parts: list[tuple[str, list[str]]] = [("", [report.intro])]
    for item in report.items:
        paragraphs = [item.text]
        if item.rationale:
            paragraphs.append(f"理由：{item.rationale}")
        paragraphs.append(f"责任单位：{item.unit or '待明确'}")
        parts.append((f"（{numeral(item.number)}）", paragraphs))
    parts.append(("", [report.closing]))
    return parts


def report_signature(report: RecommendationReport) -> list[str]:
    """The office that reports and the date, below the text (落款)."""
    return [x for x in (report.signatory, report.date) if x]


def _said(speaker: str, text: str) -> str:
    """A key point or a dissent: the drafter names the speaker in the text itself ("王海燕委员
    提出，……"); an older or edited text that does not is prefixed with the name."""
    if not speaker or speaker in text[: len(speaker) + 8]:
        return text
    return f"{speaker}：{text}"


def poll_line(poll: Poll) -> str:
    if poll.detail:
        return f"{poll.question}：{poll.detail}"
    counts = "，".join(f"{label}{n}票" for label, n in poll.counts.items())
    outcome = {True: "通过", False: "未通过", None: ""}[poll.passed]
    detail = "，".join(x for x in (counts, f"共{poll.votes}票" if poll.votes else "", outcome) if x)
    return f"{poll.question}：{detail}。" if detail else f"{poll.question}。"


def _numbered(texts: Iterable[str]) -> list[str]:
    return [f"{i}. {t}" for i, t in enumerate(texts, start=1)]


def render_minutes_markdown(minutes: Minutes, report: RecommendationReport | None = None) -> str:
    """The minutes (and the recommendation report, if given) as a Markdown document."""
    h = minutes.header
    lines = [f"# {h.title}", ""]
    if h.number or h.date:
        lines += [" ".join(x for x in (h.number, h.date) if x), ""]
    lines += [f"**{label}**：{value}  " for label, value in attendance_lines(minutes)]
    lines.append("")
    for n, (heading, paragraphs) in enumerate(minutes_parts(minutes), start=1):
        lines += [f"## {numeral(n)}、{heading}", ""]
        for text in paragraphs:
            lines += [text, ""]
    if report is not None:
        lines += ["", "---", "", render_report_markdown(report)]
    return "\n".join(lines).rstrip() + "\n"


def render_report_markdown(report: RecommendationReport) -> str:
    lines = [f"# {report.title}", "", f"{report.recipient}：", ""]
    for heading, paragraphs in report_parts(report):
        if heading:
            lines += [f"### {heading}", ""]
        for text in paragraphs:
            lines += [text, ""]
    for line in report_signature(report):
        lines += [line, ""]
    return "\n".join(lines).rstrip() + "\n"
