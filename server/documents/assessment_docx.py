"""A county's yearly report on its consultation rooms (第二十二—二十六条) as DOCX, in the official
layout of the minutes (server.documents.minutes_docx): title, numbered parts, tables, issuer.

The text arrives written; this module only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.enum.text import WD_ALIGN_PARAGRAPH

from server.documents.minutes_docx import (
    _heading,
    _new_document,
    _plain,
    _saved,
    _table,
    _title,
)
from server.documents.minutes_markdown import numeral


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    weights: list[int] | None = None  # the columns' shares of the width


@dataclass(frozen=True)
class Part:
    """One numbered part: paragraphs, an optional table, and paragraphs after it."""

    heading: str
    paragraphs: list[str]
    table: Table | None = None
    after: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class YearlyReport:
    title: str
    opening: list[str]
    parts: list[Part]
    issuer: str  # 发文机关署名
    dated: str  # 成文日期, e.g. 2026年12月6日


def render_yearly_report_docx(report: YearlyReport) -> bytes:
    doc = _new_document()
    _title(doc, report.title)
    _plain(doc, "", indent=False)
    for text in report.opening:
        _plain(doc, text)
    for number, part in enumerate(report.parts, start=1):
        _heading(doc, f"{numeral(number)}、{part.heading}")
        for text in part.paragraphs:
            _plain(doc, text)
        if part.table is not None:
            _table(doc, part.table.header, part.table.rows, part.table.weights)
        for text in part.after:
            _plain(doc, text)
    _plain(doc, "", indent=False)
    _plain(doc, report.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _plain(doc, report.dated, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    return _saved(doc)
