"""Uploaded files kept under the data dir: checked by their bytes as well as their names,
written under a name the server chooses, read back as a download.

Briefings, topic attachments and the attachments of outcome progress entries all go through
here: one list of accepted kinds, one check, one way to store and read.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread

from server.domain.errors import Invalid, NotFound

# What each accepted kind is called, the names it may carry and its media type.
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("PDF", (".pdf",), "application/pdf"),
    "docx": (
        "Word（.docx）",
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "png": ("PNG 图片", (".png",), "image/png"),
    "jpeg": ("JPEG 图片", (".jpg", ".jpeg"), "image/jpeg"),
}
ACCEPTED = "PDF、Word（.docx）、PNG 或 JPG 图片"


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, whatever its name says; None if none we accept."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx"
    return None


def clean_filename(raw: str) -> str:
    """The last part of a name a user gave, without control characters, at most 120 chars."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[-120:] or "情况通报"


def check_file(filename: str, data: bytes, what: str = "情况通报材料") -> tuple[str, str]:
    """The cleaned name and media type of an upload, or a refusal saying what is wrong;
    `what` names the kind of material in the refusal."""
    name = clean_filename(filename)
    if not data:
        raise Invalid("文件是空的，请重新选择文件")
    suffix = Path(name).suffix.lower()
    named = next((kind for kind, (_, suffixes, _) in KINDS.items() if suffix in suffixes), None)
    if named is None:
        raise Invalid(f"不支持「{name}」这种文件，{what}请上传 {ACCEPTED}")
    actual = sniff(data)
    if actual != named:
        raise Invalid(
            f"文件内容与文件名不符：「{name}」不是真正的 {KINDS[named][0]} 文件，"
            f"请上传 {ACCEPTED} 原文件"
        )
    return name, KINDS[named][2]


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Stored:
    """A file written to disk: its cleaned name, media type, size and the server's name."""

    filename: str
    content_type: str
    size: int
    stored_name: str


async def store(folder: Path, filename: str, data: bytes, what: str) -> Stored:
    """Check the upload (`what` names the material in a refusal) and write it to `folder`."""
    name, content_type = check_file(filename, data, what)
    stored = f"{secrets.token_hex(16)}.bin"
    await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
    await anyio.Path(folder / stored).write_bytes(data)
    return Stored(name, content_type, len(data), stored)


async def load(
    folder: Path, stored_name: str, missing: str = "附件文件已不在服务器上，请重新上传"
) -> bytes:
    """The stored bytes; `missing` is the refusal when the file has gone from the disk."""
    try:
        return await anyio.Path(folder / stored_name).read_bytes()
    except FileNotFoundError:
        raise NotFound(missing) from None
