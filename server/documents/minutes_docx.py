"""Minutes and recommendation reports as DOCX in the official document layout (GB/T 9704-2012).
A4, 37/28 mm top/left margins, 156 × 225 mm text area, 22 lines × 28 characters, "— 1 —" folios."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from nlp.minutes import Minutes, RecommendationReport
from server.documents.minutes_markdown import attendance_lines, minutes_parts, numeral, report_parts

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
# 225 mm / 22 lines, in points: the exact line pitch that puts 22 lines on a page.
LINE_PITCH_PT = TEXT_HEIGHT_MM / 25.4 * 72 / LINES_PER_PAGE

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
FOLIO_FONT = "宋体"
LATIN_FONT = "Times New Roman"

# Written into the file's font table as w:altName, so that Word and LibreOffice on a machine
# without the official fonts substitute a close face instead of a default sans.
FONT_FALLBACKS: dict[str, str] = {
    TITLE_FONT: "方正小标宋_GBK,华文中宋,STZhongsong,宋体,SimSun,Noto Serif CJK SC",
    BODY_FONT: "仿宋,FangSong,STFangsong,Noto Serif CJK SC",
    HEADING_FONT: "SimHei,STHeiti,Noto Sans CJK SC",
    SUBHEADING_FONT: "楷体,KaiTi,STKaiti,Noto Serif CJK SC",
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
            _plain(doc, text)


def _write_report(doc: Any, report: RecommendationReport) -> None:
    _title(doc, report.title)
    _plain(doc, "", indent=False)
    _plain(doc, f"{report.recipient}：", indent=False)
    for heading, paragraphs in report_parts(report):
        if heading:
            _heading(doc, heading, font=SUBHEADING_FONT)
        for text in paragraphs:
            _plain(doc, text)


def _title(doc: Any, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(para, TITLE_PT * 1.5)
    _run(para, text, TITLE_FONT, TITLE_PT)


def _heading(doc: Any, text: str, font: str = HEADING_FONT) -> None:
    para = doc.add_paragraph()
    _spacing(para)
    para.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    para.paragraph_format.keep_with_next = True
    _run(para, text, font, BODY_PT)


def _labelled(doc: Any, label: str, value: str) -> None:
    para = doc.add_paragraph()
    _spacing(para)
    para.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
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
        para.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    _run(para, text, BODY_FONT, BODY_PT)


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
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    return run


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
    """The 22 × 28 grid: line pitch in twentieths of a point, character pitch as offset."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    char_pitch_pt = TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    # charSpace is the difference from the font size, in 1/4096 of a point.
    grid.set(qn("w:charSpace"), str(round((char_pitch_pt - BODY_PT) * 4096)))


def _default_style(doc: Any) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)


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
