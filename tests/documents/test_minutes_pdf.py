"""The minutes DOCX, converted to PDF by LibreOffice as the server exports it, lays out as
GB/T 9704 asks: 28 characters a body line, 22 lines a page, SC faces with 黑体/楷体 headings."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fontTools.t1Lib import T1Font
from fontTools.ttLib import TTFont
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTChar, LTPage, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from nlp.minutes import MeetingInfo, draft_minutes, draft_recommendations
from nlp.transcript import read_transcript
from server.documents import pdf as pdf_module
from server.documents.minutes_docx import render_minutes_docx
from server.documents.pdf import PdfConverter, PdfUnavailable

pytestmark = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice (libreoffice-writer-nogui) is not installed",
)

# Long, real-sounding turns so that paragraphs run over many full lines and pages.
TURNS = [
    "主持人（陈红）：今天协商的议题是老旧小区加装电梯。下面进行第一项议程，请大家围绕资金分摊、"
    "施工安排和后期维护充分发表意见，发言请尽量简明，每人发言不超过五分钟。",
    "钱进委员：我在城东街道走访了十二个老旧小区，住在四楼以上的老年人普遍反映上下楼困难，"
    "有的老人已经半年没有下过楼，子女不在身边，看病买菜全靠邻居帮忙，加装电梯的需求非常迫切，"
    "建议街道尽快摸清底数，按照先易后难的原则分批推进，让群众早日受益。",
    "孙丽：我是三号楼的居民代表，一楼和二楼的住户担心电梯运行带来噪音和采光问题，"
    "也担心房屋价值受到影响，希望在设计方案中充分考虑低层住户的合理诉求，"
    "对确实受到影响的住户给予适当补偿，并在施工前召开楼栋会议逐户征求意见。",
    "吴刚：资金分摊是最难的环节，建议参照其他城市的做法，按照楼层高低确定分摊比例，"
    "楼层越高分摊越多，一楼住户原则上不分摊，同时积极争取财政补贴和住房公积金提取政策，"
    "减轻居民负担，对困难家庭还可以通过社会捐助和慈善基金给予帮扶。",
    "周敏委员：后期维护同样重要，电梯建成以后由谁管理、维保费用由谁承担，"
    "这些问题必须在加装之前就明确下来，建议引入专业物业公司统一维保，"
    "并建立维修资金专户，每年公开收支情况，接受全体住户的监督，避免出现建成以后无人管理的局面。",
    "郑华：施工期间的安全和出行也要考虑，老旧小区道路狭窄，施工车辆进出会影响居民通行，"
    "建议合理安排施工时间，避开上下班高峰和夜间休息时间，设置临时通道和安全围挡，"
    "并安排专人负责现场协调，及时回应居民的投诉和建议。",
    "王海燕委员：审批流程也需要简化，目前加装电梯要经过规划、住建、消防、市场监管等多个部门，"
    "手续繁琐、周期较长，建议街道设立一站式服务窗口，实行并联审批，"
    "由一个部门牵头统筹，其他部门限时办结，把审批时间压缩到三十个工作日以内。",
    "主持人（陈红）：下面对《老旧小区加装电梯资金分摊办法》进行表决，赞成15票，反对2票，弃权1票，通过。",
    "主持人（陈红）：会议议定如下：一是由街道城建办牵头，在九月底前完成全部老旧小区的需求摸底；"
    "二是请区住建局负责制定并联审批流程，在年底前设立一站式服务窗口；"
    "三是请各社区居委会负责做好低层住户的沟通解释工作，逐户听取意见。",
]


@dataclass(frozen=True)
class Line:
    page: int
    y: float
    text: str
    fonts: tuple[str, ...]
    size: float


def _lines(pdf: bytes) -> list[Line]:
    """Every text line of the PDF with its page, baseline height, text and fonts."""
    found: list[Line] = []
    for number, page in enumerate(extract_pages(io.BytesIO(pdf)), start=1):
        assert isinstance(page, LTPage)
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                if not isinstance(line, LTTextLine):
                    continue
                chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
                if not chars:
                    continue
                found.append(
                    Line(
                        page=number,
                        y=round(line.y0, 1),
                        text="".join(c.get_text() for c in chars),
                        fonts=tuple(sorted({c.fontname for c in chars})),
                        size=round(max(c.size for c in chars)),
                    )
                )
    return found


@pytest.fixture(scope="module")
def pdf() -> bytes:
    transcript = read_transcript("\n".join(TURNS * 3).encode("utf-8"), "记录.txt")
    info = MeetingInfo(number="第5期", date="2024年8月16日", place="城东街道协商议事室")
    minutes = draft_minutes(transcript, info)
    docx = render_minutes_docx(minutes, draft_recommendations(minutes, info))
    return PdfConverter(timeout_s=180).convert(docx)


@pytest.fixture(scope="module")
def lines(pdf: bytes) -> list[Line]:
    return _lines(pdf)


def test_a_full_body_line_holds_28_characters(lines: list[Line]) -> None:
    body = [line for line in lines if line.size == 16]
    # A full stop or comma may hang past the end of a full line (避头尾), as in print.
    longest = max(len(line.text.rstrip("，。；：、！？”）》")) for line in body)
    assert longest >= 26, [line.text for line in body[:8]]
    assert longest <= 28


def test_a_full_page_holds_22_lines(lines: list[Line]) -> None:
    # The folio sits below the 225 mm text area, which ends 35 mm (99 pt) above the edge.
    rows: dict[int, set[float]] = defaultdict(set)
    for line in lines:
        if line.y > 95:
            rows[line.page].add(line.y)
    pages = sorted(rows)
    assert len(pages) >= 2
    fullest = max(len(rows[p]) for p in pages[:-1])
    assert fullest >= 20, {p: len(rows[p]) for p in pages}
    assert fullest <= 22


def _face(family: str) -> TTFont:
    """The installed face fontconfig gives for a family name (a face of a .ttc collection)."""
    found = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}", family], capture_output=True, text=True, check=True
    ).stdout
    path, index = found.split("|")
    return TTFont(path, fontNumber=int(index), lazy=True)


def _embedded_glyphs(pdf: bytes) -> dict[str, dict[str, int]]:
    """For each embedded Noto CJK font: each character drawn and the glyph (CID) drawing it.

    LibreOffice embeds the Noto CJK subsets as Type 1 fonts whose glyphs keep the collection's
    CIDs ("cid10917"), and whose name is the collection's shared one (NotoSerifCJKjp-...) what
    ever face was used; the CIDs tell the faces apart, since SC and JP map many characters to
    different glyphs."""
    document = PDFDocument(PDFParser(io.BytesIO(pdf)))
    manager = PDFResourceManager()
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for page in PDFPage.create_pages(document):
        for ref in resolve1(page.resources.get("Font", {})).values():
            spec: Any = resolve1(ref)
            name = str(spec.get("BaseFont"))
            descriptor = resolve1(spec.get("FontDescriptor"))
            if "NotoS" not in name or descriptor is None or "FontFile" not in descriptor:
                continue
            program = T1Font.__new__(T1Font)
            program.data = resolve1(descriptor["FontFile"]).get_data()
            program.encoding = "ascii"
            program.parse()
            encoding = program.font["Encoding"]
            codes = getattr(manager.get_font(None, spec), "unicode_map", None)
            assert codes is not None, name
            for code, char in codes.cid2unichr.items():
                glyph = encoding[code]
                if glyph.startswith("cid"):
                    found[name][char] = int(glyph[3:])
    return found


# Latin letters and digits are set in Times New Roman (minutes_docx.LATIN_FONT). Where it is not
# installed, fontconfig answers with its metric twin Liberation Serif when fonts-liberation is
# there (LibreOffice's own recommendation pulls it in), else with the CJK face itself.
LATIN_FACES = "TimesNewRoman|LiberationSerif"
CJK_FACES = "NotoS(erif|ans)CJK|UKaiCN"


def test_every_font_is_a_simplified_chinese_face(pdf: bytes, lines: list[Line]) -> None:
    bare = [{re.sub("^[A-Z]{6}[+]", "", f) for f in line.fonts} for line in lines]
    used = set().union(*bare)
    assert used and all(re.match(f"{CJK_FACES}|{LATIN_FACES}", f) for f in used), used
    # Every line with Chinese in it draws it in a Chinese face, never in the Latin one.
    for line, faces in zip(lines, bare, strict=True):
        if re.search("[\u4e00-\u9fff]", line.text):
            assert any(re.match(CJK_FACES, f) for f in faces), (line.text, faces)
    glyphs = _embedded_glyphs(pdf)
    assert glyphs
    differing = 0
    for name, drawn in glyphs.items():
        style = "Serif" if "Serif" in name else "Sans"
        chinese = _face(f"Noto {style} CJK SC").getBestCmap()
        japanese = _face(f"Noto {style} CJK JP").getBestCmap()
        for char, cid in drawn.items():
            assert cid == int(chinese[ord(char)][3:]), (name, char)
            differing += chinese[ord(char)] != japanese[ord(char)]
    assert differing > 0  # the check above would catch a Japanese face


def test_headings_are_hei_and_kai_with_their_text_on_the_line(lines: list[Line]) -> None:
    first = [line for line in lines if re.match("[一二三四五六七八九十]+、", line.text)]
    second = [line for line in lines if re.match("（[一二三四五六七八九十]+）", line.text)]
    assert first and second
    assert all(any("SANS" in f.upper() or "HEI" in f.upper() for f in x.fonts) for x in first)
    assert all(not any("SERIF" in f.upper() for f in x.fonts) for x in first)
    assert all(any("KAI" in f.upper() for f in x.fonts) for x in second)
    # （一） starts a paragraph whose text follows on the same line, not a line of its own.
    assert all(len(x.text) > 4 for x in second), [x.text for x in second]


def test_body_text_is_a_serif_face(lines: list[Line]) -> None:
    body = [line for line in lines if line.size == 16 and len(line.text) >= 20]
    assert body
    assert all(any("SERIF" in f.upper() for f in line.fonts) for line in body[:10])


def test_conversions_at_the_same_time_each_get_their_pdf() -> None:
    # Each conversion has its own LibreOffice profile; with a shared one the second would
    # find the first's lock and produce nothing.
    transcript = read_transcript("\n".join(TURNS).encode("utf-8"), "记录.txt")
    docx = render_minutes_docx(draft_minutes(transcript, MeetingInfo(place="城东街道")))
    converter = PdfConverter(timeout_s=180, queue_s=600)  # the third waits for a slot
    with ThreadPoolExecutor(3) as pool:
        made = list(pool.map(converter.convert, [docx] * 3))
    assert all(pdf.startswith(b"%PDF") for pdf in made)
    assert all("老旧小区加装电梯" in extract_text(io.BytesIO(pdf)) for pdf in made)


def test_a_conversion_past_its_time_limit_is_stopped_and_said_so() -> None:
    transcript = read_transcript("\n".join(TURNS).encode("utf-8"), "记录.txt")
    docx = render_minutes_docx(draft_minutes(transcript))
    with pytest.raises(PdfUnavailable) as refused:
        PdfConverter(timeout_s=0.2).convert(docx)
    assert refused.value.status == 503
    assert "超过 0.2 秒" in refused.value.message and "Word" in refused.value.message


def test_a_burst_past_the_conversion_slots_is_refused_and_the_slots_come_back() -> None:
    transcript = read_transcript("\n".join(TURNS).encode("utf-8"), "记录.txt")
    docx = render_minutes_docx(draft_minutes(transcript))
    held = 0
    try:
        while pdf_module._slots.acquire(blocking=False):  # what running conversions hold
            held += 1
        assert held == pdf_module.CONVERSIONS_AT_ONCE
        with pytest.raises(PdfUnavailable) as refused:
            PdfConverter(timeout_s=180, queue_s=0.1).convert(docx)
        assert refused.value.status == 503
        assert "正忙" in refused.value.message and "Word" in refused.value.message
    finally:
        for _ in range(held):
            pdf_module._slots.release()
    assert PdfConverter(timeout_s=180).convert(docx).startswith(b"%PDF")
