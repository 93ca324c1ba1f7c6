"""The one hierarchy of refusals that domain code raises.

HTTP and Socket.IO each map these to their wire form in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse; `message` is shown to the user (Chinese)."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input field the refusal is about, as a dotted path ("agenda.0.rounds.2"), so a
        # form can show the message beside it; None when it is about the request as a whole.
        self.field = field


class Invalid(DomainError):
    code = "invalid"
    status = 400


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
