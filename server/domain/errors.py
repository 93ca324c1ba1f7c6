"""The one hierarchy of refusals that domain code raises.

HTTP and Socket.IO each map these to their wire form in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse; `message` is shown to the user (Chinese)."""

    code = "invalid"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
