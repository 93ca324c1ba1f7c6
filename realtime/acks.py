"""The one shape of a refusing Socket.IO ack, `{ok: false, error: {code, message}}`.

/live, /media and the media workers build every refusal here, from a code and a sentence or
from a domain error or a refusal of the live machine.
"""

from __future__ import annotations

from typing import Any

from realtime.machine.types import Refusal
from server.domain.errors import DomainError


def error(code: str, message: str) -> dict[str, Any]:
    """An ack that refuses with `code` (invalid, forbidden, not_found, conflict, ...)."""
    return {"ok": False, "error": {"code": code, "message": message}}


def refusal_of(exc: DomainError | Refusal) -> dict[str, Any]:
    """The refusing ack for a domain error or a refusal of the live machine; the machine's
    `details` (command, role, phase) ride along for the moderator's console."""
    ack = error(exc.code, exc.message)
    if isinstance(exc, Refusal) and exc.details is not None:
        ack["error"]["details"] = exc.details
    return ack


def relayed(reply: dict[str, Any]) -> dict[str, Any]:
    """A media worker's refusal passed on to the browser, in the same shape."""
    found = reply.get("error")
    detail: dict[str, Any] = found if isinstance(found, dict) else {}
    return error(str(detail.get("code", "unavailable")), str(detail.get("message", "媒体服务出错")))
