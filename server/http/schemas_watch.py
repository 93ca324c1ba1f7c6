"""The JSON shapes of the watch-link (旁听链接) endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from server.http.schemas import Input


class WatchIn(Input):
    enabled: bool


class WatchOut(BaseModel):
    enabled: bool
    token: str | None
    url: str | None  # the page to share, /watch/{token}, absolute
    watchers: int  # connections following the meeting through the link now


class WatchedMeeting(BaseModel):
    meeting_id: int
    title: str
    starts_at: datetime
    place: str
