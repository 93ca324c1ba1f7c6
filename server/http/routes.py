"""Every JSON endpoint of the API in one list, and the OpenAPI document made from it.

Each area keeps its endpoints in its own module; this is the one place they are joined.
"""

from __future__ import annotations

from typing import Any

from server import __version__
from server.http import (
    api,
    api_assessment,
    api_audit,
    api_duty_menu,
    api_office,
    api_outcomes,
    api_polls,
    api_records,
    api_roster,
    api_screening,
    api_suggestions,
    api_topics,
    api_training,
    api_watch,
)
from server.http.framework import Context, Endpoint, openapi_document


async def openapi_json(ctx: Context) -> dict[str, Any]:
    return openapi_document(ENDPOINTS, version=__version__)


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/openapi.json",
        openapi_json,
        "本 API 的 OpenAPI 描述",
        permission="api.describe",
    ),
    *api.ENDPOINTS,
    *api_office.ENDPOINTS,
    *api_polls.ENDPOINTS,
    *api_records.ENDPOINTS,
    *api_roster.ENDPOINTS,
    *api_suggestions.ENDPOINTS,
    *api_audit.ENDPOINTS,
    *api_topics.ENDPOINTS,
    *api_screening.ENDPOINTS,
    *api_outcomes.ENDPOINTS,
    *api_assessment.ENDPOINTS,
    *api_training.ENDPOINTS,
    *api_duty_menu.ENDPOINTS,
    *api_watch.ENDPOINTS,
]
