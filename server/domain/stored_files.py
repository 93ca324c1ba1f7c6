"""Uploaded files kept under the data dir: checked by their bytes as well as their names
(server.domain.briefings.check_file), written under a name the server chooses, read back.

Topic attachments and the attachments of outcome progress entries are stored through here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread

from server.domain.briefings import check_file
from server.domain.errors import NotFound


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


async def load(folder: Path, stored_name: str) -> bytes:
    try:
        return await anyio.Path(folder / stored_name).read_bytes()
    except FileNotFoundError:
        raise NotFound("附件文件已不在服务器上，请重新上传") from None
