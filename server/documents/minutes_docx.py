"""Minutes and recommendation reports as DOCX in the official document layout (GB/T 9704-2012).
A4, 37/28 mm top/left margins, 156 × 225 mm text area, 22 lines × 28 characters, "— 1 —" folios.

The 22 × 28 grid is built so that every word processor lays it out alike: a lines-only document
grid and exact line spacing give the 22 lines; 28 glyphs of 16 pt are wider (448 pt) than the
text area (442.2 pt), so each run is set a quarter point tighter (character spacing), which
puts 28 and no more on a line. A lines-and-characters grid would say the same to Word, but
LibreOffice gives each glyph wider than its cell two cells, and so 14 characters a line."""

from __future__ import annotations

import io
import math
import re
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from nlp.minutes import Minutes, RecommendationReport
from server.documents.minutes_markdown import (
    attendance_lines,
    minutes_parts,
    numeral,
    report_parts,
    report_signature,
)

# Page geometry of GB/T 9704-2012 §5.2: the text area is 156 × 225 mm, placed 37 mm from the
# top and 28 mm from the left of an A4 sheet, which leaves 26 mm right and 35 mm bottom.
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM = 37, 28
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - TEXT_WIDTH_MM
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - TEXT_HEIGHT_MM
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
FOLIO_PT = 14  # 4号
TABLE_PT = 14  # 4号: a table's cells are set a size smaller than the body
# 225 mm / 22 lines, rounded down to whole twips (the unit of the file): 579 twips = 28.95 pt.
# Rounding up (580) would need 0.7 mm more than the text area holds, and lose the 22nd line.
LINE_PITCH_TWIPS = math.floor(TEXT_HEIGHT_MM / 25.4 * 72 * 20 / LINES_PER_PAGE)
LINE_PITCH_PT = LINE_PITCH_TWIPS / 20
# 156 mm / 28 characters = 15.79 pt a character; a 16 pt glyph closed up by a quarter point
# (−5 twips) takes 15.75 pt, so 28 fit (441 pt) and a 29th (456.75 pt) does not.
CHAR_SPACING_TWIPS = -5
CHAR_PITCH_PT = BODY_PT + CHAR_SPACING_TWIPS / 20
INDENT = Pt(CHAR_PITCH_PT * 2)  # paragraphs start two characters in

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
FOLIO_FONT = "宋体"
LATIN_FONT = "Times New Roman"

# Written into the file's font table as w:altName, so that Word and LibreOffice on a machine
# without the official fonts substitute a close face instead of a default sans.
# The PDF export resolves the same names through deploy/fonts/hsl-fonts.conf.
FONT_FALLBACKS: dict[str, str] = {
    TITLE_FONT: "方正小标宋_GBK,华文中宋,STZhongsong,宋体,SimSun,Noto Serif CJK SC",
    BODY_FONT: "仿宋,FangSong,STFangsong,Noto Serif CJK SC",
    HEADING_FONT: "SimHei,STHeiti,Noto Sans CJK SC",
    SUBHEADING_FONT: "楷体,KaiTi,STKaiti,AR PL UKai CN",
    FOLIO_FONT: "SimSun,STSong,Noto Serif CJK SC",
}


def render_minutes_docx(minutes: Minutes, report: RecommendationReport | None = None) -> bytes:
    """The minutes (and, after a page break, the recommendation report) as DOCX bytes."""
    doc = _new_document()
    _write_minutes(doc, minutes)
    if report is not None:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _write_report(doc, report)
    return _saved(doc)


def render_report_docx(report: RecommendationReport) -> bytes:
    """The recommendation report on its own, for submission (第十七条)."""
    doc = _new_document()
    _write_report(doc, report)
    return _saved(doc)


def _saved(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- content --------------------------------------------------------------------------------


def _write_minutes(doc: Any, minutes: Minutes) -> None:
    header = minutes.header
    _title(doc, header.title)
    if header.number:
        _plain(doc, header.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if header.date:
        _plain(doc, header.date, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _plain(doc, "", indent=False)
    for label, value in attendance_lines(minutes):
        _labelled(doc, label, value)
    for number, (heading, paragraphs) in enumerate(minutes_parts(minutes), start=1):
        _heading(doc, f"{numeral(number)}、{heading}")
        for text in paragraphs:
            if ROUND_HEADING.fullmatch(text):
                _heading(doc, text, font=SUBHEADING_FONT)  # "（一）委员发言": a round, in 楷体
            else:
                _plain(doc, text)


# A round's heading inside an agenda item's part of the minutes (minutes_parts).
ROUND_HEADING = re.compile(r"（[一二三四五六七八九十]+）[^。，；：]{1,30}")


def _write_report(doc: Any, report: RecommendationReport) -> None:
    _title(doc, report.title)
    _plain(doc, "", indent=False)
    _plain(doc, f"{report.recipient}：", indent=False)
    for heading, paragraphs in report_parts(report):
        if heading and paragraphs:
            _subheading(doc, heading, paragraphs[0])
            paragraphs = paragraphs[1:]
        elif heading:
            _heading(doc, heading, font=SUBHEADING_FONT)
        for text in paragraphs:
            _plain(doc, text)
    signature = report_signature(report)
    if signature:
        _plain(doc, "", indent=False)
    for line in signature:
        _plain(doc, line, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)


def _title(doc: Any, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(para, TITLE_PT * 1.5)
    _run(para, text, TITLE_FONT, TITLE_PT)


def _heading(doc: Any, text: str, font: str = HEADING_FONT) -> None:
    para = doc.add_paragraph()
    _spacing(para)
    para.paragraph_format.first_line_indent = INDENT
    para.paragraph_format.keep_with_next = True
    _run(para, text, font, BODY_PT)


def _subheading(doc: Any, marker: str, text: str) -> None:
    """A second-level item: "（一）" and its first sentence in 楷体, the rest of the paragraph
    in the body face, on the same line (GB/T 9704 §7.3.3 with the usual heading levels)."""
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(para)
    para.paragraph_format.first_line_indent = INDENT
    head, rest = _first_sentence(text)
    _run(para, marker + head, SUBHEADING_FONT, BODY_PT)
    if rest:
        _run(para, rest, BODY_FONT, BODY_PT)


def _first_sentence(text: str) -> tuple[str, str]:
    """The text up to its first full stop (inclusive), and the rest."""
    end = min((i for i in (text.find(m) for m in "。！？；") if i >= 0), default=-1)
    if end < 0:
        return text, ""
    return text[: end + 1], text[end + 1 :]


def _labelled(doc: Any, label: str, value: str) -> None:
    para = doc.add_paragraph()
    _spacing(para)
    para.paragraph_format.first_line_indent = INDENT
    _run(para, f"{label}：", HEADING_FONT, BODY_PT)
    _run(para, value, BODY_FONT, BODY_PT)


def _plain(
    doc: Any,
    text: str,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = True,
) -> None:
    para = doc.add_paragraph()
    para.alignment = align
    _spacing(para)
    if indent:
        para.paragraph_format.first_line_indent = INDENT
    _run(para, text, BODY_FONT, BODY_PT)


def _table(
    doc: Any, header: list[str], rows: list[list[str]], weights: list[int] | None = None
) -> Any:
    """A ruled table across the text area: the header row in 黑体 (repeated on each page),
    the cells in the body face, both 4号 and centred; columns share the width by `weights`
    (equally without them)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, HEADING_FONT)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            _cell(cell, text, BODY_FONT)
    shares = weights or [1] * len(header)
    table.autofit = False
    for column, share in zip(table.columns, shares, strict=True):
        # Word reads the cells' widths, LibreOffice the grid's: set both.
        column.width = Mm(TEXT_WIDTH_MM * share / sum(shares))
        for cell in column.cells:
            cell.width = column.width
    return table


def _cell(cell: Any, text: str, font: str) -> None:
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(para, TABLE_PT * 1.5)
    _run(para, text, font, TABLE_PT)


def _spacing(para: Any, pitch: float = LINE_PITCH_PT) -> None:
    fmt = para.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pitch)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _run(para: Any, text: str, font: str, size: float) -> Any:
    run = para.add_run(text)
    run.font.size = Pt(size)
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    _char_spacing(rpr)
    _language(rpr)
    return run


# Children of w:rPr that the schema puts after w:spacing and after w:lang (Word refuses a file
# whose run properties are out of order).
_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
    "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def _char_spacing(rpr: Any) -> None:
    """Closes the characters up so that 28 fit the line (see CHAR_SPACING_TWIPS)."""
    if rpr.find(qn("w:spacing")) is None:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
        rpr.insert_element_before(spacing, *_AFTER_SPACING)


def _language(rpr: Any) -> None:
    """Marks the text as Simplified Chinese, so that a CJK font collection (Noto CJK) shows
    its Chinese glyphs, not its Japanese ones."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, *_AFTER_LANG)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


# --- page set-up ----------------------------------------------------------------------------


def _new_document() -> Any:
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    # The folio sits about 7 mm below the text area (GB/T 9704 §7.5).
    section.footer_distance = Mm(BOTTOM_MM - 7 - 6)
    section.header_distance = Mm(15)
    _doc_grid(section)
    _default_style(doc)
    _font_table(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    _folio(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _folio(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    return doc


def _doc_grid(section: Any) -> None:
    """A lines-only grid of 22 lines; the characters are spaced by the runs themselves."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    if grid.get(qn("w:charSpace")) is not None:
        del grid.attrib[qn("w:charSpace")]


def _default_style(doc: Any) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    _char_spacing(normal.element.get_or_add_rPr())
    _language(normal.element.get_or_add_rPr())
    # The template's document defaults say en-US for East Asian text; every style inherits it.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_rpr = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if default_rpr is not None:
        _language(default_rpr)


def _font_table(doc: Any) -> None:
    """Declares our fonts with their alternatives in word/fontTable.xml."""
    part = doc.part
    table_part = next(
        (rel.target_part for rel in part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if table_part is None:
        return
    root = parse_xml(table_part.blob)
    for name, alternatives in FONT_FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), alternatives)
        font.append(alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name == HEADING_FONT else "roman")
        font.append(family)
        root.append(font)
    table_part._blob = serialize_part_xml(root)


def _folio(footer: Any, align: WD_ALIGN_PARAGRAPH) -> None:
    """ "— 1 —" in 4号 宋体, one character in from the outer edge."""
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0]
    para.alignment = align
    # A folio one line of 4号 high, so that the footer stays within the bottom margin and the
    # text area keeps its 22 lines (the template's default would add 10 pt after it).
    _spacing(para, FOLIO_PT * 1.2)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        para.paragraph_format.right_indent = Pt(FOLIO_PT)
    else:
        para.paragraph_format.left_indent = Pt(FOLIO_PT)
    _run(para, "— ", FOLIO_FONT, FOLIO_PT)
    # A PAGE field is five runs: begin, instruction, separate, the cached value, end.
    _field_char(_run(para, "", FOLIO_FONT, FOLIO_PT), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    _element(_run(para, "", FOLIO_FONT, FOLIO_PT)).append(instr)
    _field_char(_run(para, "", FOLIO_FONT, FOLIO_PT), "separate")
    _run(para, "1", FOLIO_FONT, FOLIO_PT)
    _field_char(_run(para, "", FOLIO_FONT, FOLIO_PT), "end")
    _run(para, " —", FOLIO_FONT, FOLIO_PT)


def _element(run: Any) -> Any:
    return run._element


def _field_char(run: Any, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    _element(run).append(char)
