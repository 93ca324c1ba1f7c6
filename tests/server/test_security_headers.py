"""Every answer carries the security headers; behind HTTPS, cookies are Secure and HSTS is on.

Whether the built app runs under the content policy is checked in a real Chromium
(tests/browser/test_content_policy.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import bearer
from tests.support import ServerProcess

PATHS = [
    "/",
    "/m/1/screen",
    "/healthz",
    "/api/me",
    "/api/openapi.json",
    "/api/nowhere",
    # Answered by Socket.IO itself, not by the web app.
    "/socket.io/?EIO=4&transport=polling",
]


@pytest.mark.parametrize("path", PATHS)
async def test_every_answer_carries_the_security_headers(
    http: httpx.AsyncClient, path: str
) -> None:
    r = await http.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"
    assert "camera=(self)" in r.headers["permissions-policy"]
    assert "microphone=(self)" in r.headers["permissions-policy"]
    assert "strict-transport-security" not in r.headers  # plain HTTP here


async def test_the_built_assets_and_errors_carry_them_too(
    http: httpx.AsyncClient, admin_token: str
) -> None:
    index = (await http.get("/")).text
    asset = index.split('src="', 1)[1].split('"', 1)[0]
    assert asset.startswith("/assets/")
    r = await http.get(asset)
    assert r.status_code == 200
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await http.get("/api/meetings/2147483648", headers=bearer(admin_token))
    assert r.status_code == 404 and "content-security-policy" in r.headers


@pytest.fixture(scope="module")
def https_server(env: dict[str, str], demo: dict[str, Any], data_dir: Path) -> Iterator[str]:
    """The same data served as if behind an HTTPS proxy (HSL_COOKIE_SECURE=true)."""
    proc = ServerProcess({**env, "HSL_COOKIE_SECURE": "true"}, log=data_dir / "https.log")
    yield proc.url
    proc.stop()


async def test_behind_https_cookies_are_secure_and_hsts_is_sent(
    https_server: str, demo: dict[str, Any]
) -> None:
    account = demo["accounts"]["staff"]
    async with httpx.AsyncClient(base_url=https_server, timeout=30) as http:
        r = await http.post(
            "/api/auth/login",
            json={"username": account["username"], "password": account["password"]},
        )
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert all("Secure" in c and "SameSite=lax" in c for c in cookies), cookies
    assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_through_the_tls_proxy_cookies_are_secure_without_configuration(
    server: str, demo: dict[str, Any]
) -> None:
    """nginx (deploy/nginx.conf) says X-Forwarded-Proto: https; uvicorn trusts 127.0.0.1."""
    account = demo["accounts"]["staff"]
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        plain = await http.post(
            "/api/auth/login",
            json={"username": account["username"], "password": account["password"]},
        )
        http.cookies.clear()  # else the second login is a cookie-authenticated write
        proxied = await http.post(
            "/api/auth/login",
            json={"username": account["username"], "password": account["password"]},
            headers={"x-forwarded-proto": "https"},
        )
    assert not any("Secure" in c for c in plain.headers.get_list("set-cookie"))
    assert "strict-transport-security" not in plain.headers
    cookies = proxied.headers.get_list("set-cookie")
    assert len(cookies) == 2 and all("Secure" in c for c in cookies), proxied.text
    assert proxied.headers["strict-transport-security"].startswith("max-age=")
