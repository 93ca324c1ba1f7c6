"""The browser's typed copy of the HTTP API is the OpenAPI document's, as of now."""

from __future__ import annotations

import json
from pathlib import Path

from server.http.openapi_types import OUTPUT, document_json, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_api_types_are_current() -> None:
    written = (ROOT / OUTPUT).read_text(encoding="utf-8")
    assert written == render(), f"{OUTPUT} is out of date: python -m server.http.openapi_types"


def test_every_schema_has_its_own_name() -> None:
    # Two models of one name in different modules are told apart by their module path
    # ("server__http__schemas__ParticipantIn"), which breaks the web's names for them.
    schemas = json.loads(document_json())["components"]["schemas"]
    clashing = sorted(name for name in schemas if "__" in name)
    assert not clashing, f"rename one of each pair of same-named models: {clashing}"
