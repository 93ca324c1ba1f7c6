"""PDF export: our DOCX converted by LibreOffice, with the fonts deploy/fonts/hsl-fonts.conf names.
Each conversion runs in its own temporary profile, in a process group killed at the time limit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from server.domain.errors import DomainError

# The font-substitution table that ships with the project (deploy/README.md).
SHIPPED_FONTS_CONF = Path(__file__).resolve().parents[2] / "deploy" / "fonts" / "hsl-fonts.conf"


# LibreOffice takes a core and a few hundred MB per conversion: a burst of PDF downloads waits
# for one of these slots (each worker process has its own), then is refused, rather than
# starting one office process per click.
CONVERSIONS_AT_ONCE = 2
_slots = threading.BoundedSemaphore(CONVERSIONS_AT_ONCE)


class PdfUnavailable(DomainError):
    """The server cannot make a PDF now; the message says what to download instead."""

    code = "unavailable"
    status = 503


@dataclass(frozen=True)
class PdfConverter:
    """How to run LibreOffice: its command (a path or a name on PATH), the time limit and the
    fontconfig file (None: the system's own configuration)."""

    office: str = "soffice"
    timeout_s: float = 60.0
    queue_s: float = 30.0  # how long a conversion waits for a free slot
    fonts_conf: Path | None = SHIPPED_FONTS_CONF

    def executable(self) -> str | None:
        """The LibreOffice program to run, or None when it is not installed."""
        found = shutil.which(self.office)
        if found is None and self.office == "soffice":
            found = shutil.which("libreoffice")
        return found

    def convert(self, docx: bytes) -> bytes:
        """The PDF of a DOCX file. Blocking (seconds): call it from a worker thread."""
        office = self.executable()
        if office is None:
            raise PdfUnavailable(
                "服务器没有安装 LibreOffice，暂时不能生成 PDF。请先下载 Word（DOCX）版本，"
                "或请管理员安装 LibreOffice（见部署说明）。"
            )
        if not _slots.acquire(timeout=self.queue_s):
            raise PdfUnavailable(
                "服务器正忙于生成其他 PDF，请过一分钟再试，或先下载 Word（DOCX）版本。"
            )
        try:
            return self._convert(office, docx)
        finally:
            _slots.release()

    def _convert(self, office: str, docx: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="hsl-pdf-") as work:
            folder = Path(work)
            source = folder / "document.docx"
            source.write_bytes(docx)
            command = [
                office,
                # A private profile: two conversions at once would otherwise share (and lock)
                # the user's profile, and the second would silently do nothing.
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                *("--convert-to", "pdf", "--outdir", str(folder), str(source)),
            ]
            self._run(command, folder)
            target = folder / "document.pdf"
            if not target.is_file():
                raise PdfUnavailable(
                    "LibreOffice 没有生成 PDF。请稍后再试，或先下载 Word（DOCX）版本。"
                )
            return target.read_bytes()

    def _run(self, command: list[str], folder: Path) -> None:
        env = dict(os.environ, HOME=str(folder))
        if self.fonts_conf is not None and self.fonts_conf.is_file():
            env["FONTCONFIG_FILE"] = str(self.fonts_conf)
        # soffice starts soffice.bin as a child: a group of its own lets the limit end both.
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfUnavailable(
                f"生成 PDF 超过 {self.timeout_s:g} 秒，已停止。"
                "请稍后再试，或先下载 Word（DOCX）版本。"
            ) from None
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip()[-300:]
            raise PdfUnavailable(
                f"LibreOffice 转换失败（{detail or process.returncode}）。"
                "请先下载 Word（DOCX）版本，或请管理员检查 LibreOffice。"
            )
