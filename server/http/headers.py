"""The security headers every HTTP answer carries, as one small pure-ASGI middleware.

The content policy allows only the built app's own files: Vite emits its script and styles
as files under /assets, so nothing inline is needed; QR codes are data: images.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    # Meetings need the camera and microphone of this origin, nothing else of the device.
    "permissions-policy": "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()",
}
# Sent only over HTTPS: when the deployment says so (HSL_COOKIE_SECURE) or the request came
# through the TLS proxy (uvicorn takes X-Forwarded-Proto from trusted addresses).
HSTS = "max-age=31536000"


class SecurityHeaders:
    """Adds the headers to every response start; a header a route set itself is kept."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.headers = dict(SECURITY_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
