"""The minutes DOCX follows GB/T 9704-2012 (page, margins, grid, fonts, folios) and opens in
LibreOffice; the Markdown rendering carries the same parts."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt

from nlp.minutes import MeetingInfo, draft_minutes, draft_recommendations
from nlp.transcript import read_transcript
from server.documents.minutes_docx import render_minutes_docx
from server.documents.minutes_markdown import render_minutes_markdown

TRANSCRIPT = (
    "主持人（陈红）：今天协商的议题是新河村农村生活污水治理。下面进行第一项议程。\n"
    "钱进委员：我在新河村调研发现，村里三个自然组的污水直排河道，夏天气味很重，群众反映强烈。\n"
    "孙丽：我是村民代表，大家希望尽快建设污水管网，但是担心施工期间道路被挖断，影响出行。\n"
    "吴刚：我不同意把处理站建在村东头，那里离学校太近。\n"
    "主持人（陈红）：下面对《新河村污水治理实施方案》进行表决，赞成12票，反对1票，弃权0票，通过。\n"
    "主持人（陈红）：会议议定如下：一是由镇生态环境办牵头，在六月底前完成管网设计；"
    "二是请新河村村委会负责做好施工期间的交通疏导和群众解释工作。\n"
)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    transcript = read_transcript(TRANSCRIPT.encode("utf-8"), "记录.txt")
    info = MeetingInfo(number="第3期", date="2024年6月3日", place="新河村协商议事室")
    minutes = draft_minutes(transcript, info)
    return render_minutes_docx(minutes, draft_recommendations(minutes, info))


def test_page_size_and_margins(rendered: bytes) -> None:
    section = docx.Document(io.BytesIO(rendered)).sections[0]

    def mm(length: Length) -> float:  # stored in twips, so compare to a tenth of a millimetre
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    text_width = section.page_width - section.left_margin - section.right_margin
    text_height = section.page_height - section.top_margin - section.bottom_margin
    assert (round(text_width / Mm(1)), round(text_height / Mm(1))) == (156, 225)


def test_grid_of_22_lines_and_28_characters(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    # Lines only: a character grid would make LibreOffice give each 16 pt glyph two cells.
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    line_pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    assert 22 * line_pitch_pt <= 225 / 25.4 * 72 < 23 * line_pitch_pt
    body = [p for p in document.paragraphs if p.text and p.runs[0].font.size == Pt(16)]
    assert body and all(p.paragraph_format.line_spacing == Pt(line_pitch_pt) for p in body[:5])
    # Each run closes its characters up so that 28 of 16 pt fit the 156 mm line, 29 do not.
    for run in (r for p in body for r in p.runs):
        properties: Any = run._element.rPr
        spacing_pt = int(properties.find(qn("w:spacing")).get(qn("w:val"))) / 20
        assert 28 * (16 + spacing_pt) <= 156 / 25.4 * 72 < 29 * (16 + spacing_pt)
        assert properties.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def _east_asian(run: object) -> str:
    return str(run._element.rPr.rFonts.get(qn("w:eastAsia")))  # type: ignore[attr-defined]


def test_title_and_body_fonts(rendered: bytes) -> None:
    paragraphs = [p for p in docx.Document(io.BytesIO(rendered)).paragraphs if p.text]
    title = paragraphs[0].runs[0]
    assert (_east_asian(title), title.font.size) == ("方正小标宋简体", Pt(22))
    body_fonts = {_east_asian(r) for p in paragraphs[1:] for r in p.runs if r.text}
    assert "仿宋_GB2312" in body_fonts
    assert all(
        r.font.size == Pt(16)
        for p in paragraphs[1:]
        for r in p.runs
        if r.text and _east_asian(r) != "方正小标宋简体"
    )


def test_folios_and_font_fallbacks_are_in_the_file(rendered: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered)) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        fonts = z.read("word/fontTable.xml").decode()
        settings = z.read("word/settings.xml").decode()
    assert len(footers) == 2 and all("PAGE" in f and "— " in f and " —" in f for f in footers)
    assert all('w:eastAsia="宋体"' in f and 'w:val="28"' in f for f in footers)  # 4号 = 14 pt
    assert "evenAndOddHeaders" in settings
    for font in ("方正小标宋简体", "仿宋_GB2312", "黑体"):
        assert re.search(f'w:name="{font}".*?<w:altName w:val="[^"]+"', fonts, re.S)


def test_minutes_form(rendered: bytes) -> None:
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(rendered)).paragraphs)
    for part in (
        "第3期",
        "2024年6月3日",
        "会议地点：",
        "主持人：陈红",
        "出席：",
        "表决情况",
        "会议议定事项",
        "不同意见",
        "协商建议",
    ):
        assert part in text
    assert "赞成12票，反对1票，弃权0票" in text
    assert "责任单位：镇生态环境办" in text


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice (libreoffice-writer-nogui) is not installed",
)
def test_libreoffice_converts_it_to_pdf(rendered: bytes, tmp_path: Path) -> None:
    source = tmp_path / "纪要.docx"
    source.write_bytes(rendered)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    done = subprocess.run(
        [
            *(str(office), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile"),
            *("--convert-to", "pdf", "--outdir", str(tmp_path), str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "纪要.pdf"
    assert done.returncode == 0, done.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 2  # the minutes, then the recommendation report on a new page
    # A4 in points, as LibreOffice laid it out
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*", data)


def test_markdown_carries_the_same_parts() -> None:
    transcript = read_transcript(TRANSCRIPT.encode("utf-8"), "记录.txt")
    minutes = draft_minutes(transcript)
    text = render_minutes_markdown(minutes, draft_recommendations(minutes))
    assert text.startswith("# 关于新河村农村生活污水治理的协商会议纪要")
    assert "**主持人**：陈红" in text
    assert re.search(r"## [一二三四五六七八九十]+、会议议定事项", text)
    assert "### （一）" in text
