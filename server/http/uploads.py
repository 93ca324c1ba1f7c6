"""Reading an uploaded file sent as the raw request body, with a size limit, and sending a
stored file back as a download.

A body declared larger than the limit is refused before a byte is read; an undeclared one is
read only until it passes the limit.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from server.domain.errors import DomainError, Invalid
from server.domain.stored_files import Download

MULTIPART_REFUSAL = (
    "请以文件内容作为请求体直接上传（不支持 multipart 表单），文件名放在 ?filename= 中"
)


class TooLarge(Invalid):
    status = 413


async def read_upload(request: Request, limit: int, too_big: DomainError) -> bytes:
    """The body's bytes; `too_big` is raised once it is known to pass `limit`."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        raise Invalid(MULTIPART_REFUSAL)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def download(got: Download, fallback: str) -> Response:
    """A stored upload as an attachment: its own name (UTF-8), `fallback` plus its suffix for
    old clients, never sniffed or cached by the browser."""
    suffix = got.filename[got.filename.rfind(".") :] if "." in got.filename else ""
    disposition = f"attachment; filename=\"{fallback}{suffix}\"; filename*=UTF-8''" + quote(
        got.filename
    )
    return Response(
        got.data,
        media_type=got.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
