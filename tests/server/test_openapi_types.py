"""The browser's typed copy of the HTTP API is the OpenAPI document's, as of now."""

from __future__ import annotations

from pathlib import Path

from server.http.openapi_types import OUTPUT, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_api_types_are_current() -> None:
    written = (ROOT / OUTPUT).read_text(encoding="utf-8")
    assert written == render(), f"{OUTPUT} is out of date: python -m server.http.openapi_types"
