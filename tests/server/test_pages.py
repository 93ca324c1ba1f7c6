"""The browser app's pages: each live view's address answers with the app, like the others.

The voting tablet's page (/m/{id}/kiosk) is served as the room screen's is.
"""

from __future__ import annotations

import httpx


async def test_every_live_view_is_served_as_the_app(http: httpx.AsyncClient) -> None:
    screen = await http.get("/m/1/screen")
    # 200 with the app's index.html once web/ is built, else 503 saying how to build it.
    assert screen.status_code in (200, 503), screen.text
    for view in ("", "/moderate", "/staff", "/kiosk"):
        page = await http.get(f"/m/1{view}")
        assert (page.status_code, page.text) == (screen.status_code, screen.text), view
    assert (
        (await http.get("/m/1/kiosk"))
        .headers["content-type"]
        .startswith("text/html" if screen.status_code == 200 else "application/json")
    )
