"""A publicity item's link is shown to everyone as an href (第二十五条): only a whole http(s)
address with a host passes; anything a browser could read another way is refused on `url`."""

from __future__ import annotations

import pytest

from server.domain.errors import Invalid
from server.domain.training import check_link

GOOD = [
    "https://mp.weixin.qq.com/s/AbC-123_x",
    "http://www.yancheng.gov.cn/art/2026/6/1/art_1.html",
    "HTTPS://example.org/path?q=议事室#top",
]
BAD = [
    "javascript:alert(1)",
    "JavaScript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https:/example.org",
    "https://",
    "http:///path-only",
    "https://user:secret@example.org/",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>",
    "https://exa mple.org/",
    "https://example.org/\nnext",
    "//example.org/no-scheme",
    "ftp://example.org/file",
    "https://[::1/",
]


@pytest.mark.parametrize("url", GOOD)
def test_a_whole_http_address_passes(url: str) -> None:
    assert check_link(url) == url


@pytest.mark.parametrize("url", BAD)
def test_anything_else_is_refused_on_the_url_field(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_link(url)
    assert refused.value.field == "url"
