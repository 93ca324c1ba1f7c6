"""A topic's file (议题材料) as DOCX in the official layout of the minutes: what was proposed,
every step of its timeline with date and person, the notice and the research records.

The proposer's contact is left out: the file may travel further than the topic's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.enum.text import WD_ALIGN_PARAGRAPH

from server.documents.minutes_docx import (
    _heading,
    _labelled,
    _new_document,
    _plain,
    _saved,
    _title,
)
from server.documents.minutes_markdown import numeral


@dataclass(frozen=True)
class TopicDocument:
    """Everything the file says, as text already in Chinese."""

    title: str
    facts: list[tuple[str, str]]  # (label, value): room, source, proposer, status, ...
    description: str
    timeline: list[str]  # one line a step: "2026年12月01日  审定  张审定：同意"
    notice: list[str] = field(default_factory=list)
    research: list[str] = field(default_factory=list)


def render_topic_docx(topic: TopicDocument) -> bytes:
    doc = _new_document()
    _title(doc, f"议题材料：{topic.title}")
    _plain(doc, "", indent=False)
    for label, value in topic.facts:
        _labelled(doc, label, value)
    parts: list[tuple[str, list[str]]] = [
        ("议题内容", [topic.description or "（未填写）"]),
        ("办理过程", topic.timeline),
    ]
    if topic.notice:
        parts.append(("公示", topic.notice))
    parts.append(("调研情况", topic.research or ["尚无调研记录。"]))
    for number, (heading, paragraphs) in enumerate(parts, start=1):
        _heading(doc, f"{numeral(number)}、{heading}")
        for text in paragraphs:
            _plain(doc, text, align=WD_ALIGN_PARAGRAPH.LEFT)
    return _saved(doc)
