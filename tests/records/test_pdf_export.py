"""Minutes and the recommendation report download as PDF, made by LibreOffice on the server;
without LibreOffice the server says so in Chinese (503) and the Word download still works."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pdfminer.high_level import extract_text

from tests.records.conftest import Consultation
from tests.records.test_minutes import _import
from tests.support import ServerProcess

needs_office = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice (libreoffice-writer-nogui) is not installed",
)


@pytest.fixture(scope="module")
def server_without_office(env: dict[str, str], data_dir: Path) -> Iterator[str]:
    """A second server on the same database whose LibreOffice is missing."""
    proc = ServerProcess(
        {**env, "HSL_PDF_OFFICE": "/nonexistent/soffice"}, log=data_dir / "server-no-office.log"
    )
    yield proc.url
    proc.stop()


@needs_office
async def test_minutes_and_report_download_as_pdf(
    consultation: Consultation, http: httpx.AsyncClient, member_token: str
) -> None:
    c = consultation
    base = f"/api/meetings/{c.meeting_id}"
    await _import(c, http)
    drafted = await http.post(f"{base}/minutes", json={}, headers=c.as_("赵雪梅"))
    assert drafted.status_code == 201, drafted.text

    got = await http.get(f"{base}/minutes/1/pdf", headers=c.as_("赵雪梅"), timeout=180)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    assert ".pdf" in got.headers["content-disposition"]
    assert got.content.startswith(b"%PDF")
    text = extract_text(io.BytesIO(got.content))
    assert "解放社区停车难协商会纪要" in text
    assert "会议议定事项" in text

    # The same rule as the Word file: a member of the meeting sees signed versions only,
    # and someone outside the meeting nothing.
    assert (await http.get(f"{base}/minutes/1/pdf", headers=c.as_("林美玲"))).status_code == 403
    outsider = {"Authorization": f"Bearer {member_token}"}
    assert (await http.get(f"{base}/minutes/1/pdf", headers=outsider)).status_code == 403

    report = await http.post(f"{base}/recommendations", json={}, headers=c.as_("赵雪梅"))
    assert report.status_code == 201, report.text
    pdf = await http.get(f"{base}/recommendations/1/pdf", headers=c.as_("赵雪梅"), timeout=180)
    assert pdf.status_code == 200, pdf.text
    assert "责任单位" in extract_text(io.BytesIO(pdf.content))


async def test_without_libreoffice_the_pdf_is_refused_in_chinese(
    consultation: Consultation, http: httpx.AsyncClient, server_without_office: str
) -> None:
    c = consultation
    base = f"/api/meetings/{c.meeting_id}"
    await _import(c, http)
    assert (await http.post(f"{base}/minutes", json={}, headers=c.as_("赵雪梅"))).status_code == 201

    async with httpx.AsyncClient(base_url=server_without_office, timeout=30) as other:
        refused = await other.get(f"{base}/minutes/1/pdf", headers=c.as_("赵雪梅"))
        assert refused.status_code == 503
        error = refused.json()["error"]
        assert error["code"] == "unavailable"
        assert "没有安装 LibreOffice" in error["message"] and "Word" in error["message"]
        word = await other.get(f"{base}/minutes/1/docx", headers=c.as_("赵雪梅"))
        assert word.status_code == 200
