"""ICE servers (STUN/TURN) for browsers and the media worker, from the settings.

With a coturn `static-auth-secret` configured, each TURN entry without a username gets
time-limited credentials (coturn's "TURN REST API" scheme): the username is the expiry
time and a label, the password an HMAC-SHA1 of the username under the shared secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from server.settings import Settings


def _is_turn(server: dict[str, Any]) -> bool:
    urls = server.get("urls")
    urls = [urls] if isinstance(urls, str) else urls or []
    return any(str(u).startswith(("turn:", "turns:")) for u in urls)


def turn_credentials(secret: str, label: str, ttl_s: int, now: float) -> tuple[str, str]:
    username = f"{int(now) + ttl_s}:{label}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(settings: Settings, label: str, now: float | None = None) -> list[dict[str, Any]]:
    """The ICE servers to hand to one client (`label` names it in coturn's logs)."""
    servers = []
    for server in settings.media_ice_servers:
        entry = dict(server)
        if settings.media_turn_secret and _is_turn(entry) and not entry.get("username"):
            entry["username"], entry["credential"] = turn_credentials(
                settings.media_turn_secret,
                label,
                settings.media_turn_ttl_s,
                time.time() if now is None else now,
            )
        servers.append(entry)
    return servers
