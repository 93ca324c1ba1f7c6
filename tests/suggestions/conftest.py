"""A consultation collecting written suggestions: a fresh meeting of room 1 per test, with a
moderator, two participants on the roster, and the room's staff (by their grant)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import bearer
from tests.live.conftest import new_person
from tests.suggestions.texts import interleaved

ROSTER = [
    ("韩立群", "member", "moderator"),
    ("林美玲", "member", "participant"),
    ("何建军", "stakeholder", "participant"),
]
_client_ids = itertools.count(1)


@dataclass
class Collection:
    """A meeting taking suggestions, and the tokens of the people around it."""

    http: httpx.AsyncClient
    meeting_id: int
    moderator: str
    participants: list[str]
    participant_ids: list[int]
    staff: str

    @property
    def base(self) -> str:
        return f"/api/meetings/{self.meeting_id}"

    async def submit(self, token: str, text: str, client_id: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"text": text, "client_id": client_id or f"c{next(_client_ids)}"}
        return await self.http.post(f"{self.base}/suggestions", json=body, headers=bearer(token))

    async def submit_all(self, texts: list[str]) -> list[dict[str, Any]]:
        """Each text submitted by the participants in turn; their answers."""
        answers = []
        for n, text in enumerate(texts):
            r = await self.submit(self.participants[n % len(self.participants)], text)
            assert r.status_code == 201, r.text
            answers.append(r.json())
        return answers

    async def board(self, token: str | None = None) -> dict[str, Any]:
        r = await self.http.get(f"{self.base}/themes", headers=bearer(token or self.staff))
        assert r.status_code == 200, r.text
        board: dict[str, Any] = r.json()
        return board

    async def edit(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.http.post(
            f"{self.base}/themes/{path}", json=body, headers=bearer(self.staff)
        )
        assert r.status_code == 200, r.text
        board: dict[str, Any] = r.json()
        return board


@pytest.fixture(scope="session")
async def roster_people(server: str, admin_token: str) -> list[tuple[int, str]]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        return [await new_person(http, admin_token, name, cat) for name, cat, _ in ROSTER]


@pytest.fixture
async def collection(
    http: httpx.AsyncClient,
    admin_token: str,
    staff_token: str,
    roster_people: list[tuple[int, str]],
) -> AsyncIterator[Collection]:
    body = {
        "room_id": 1,
        "title": "五星街道老旧小区综合整治意见征集",
        "topic_title": "老旧小区综合整治",
        "starts_at": "2026-12-22T09:00:00+08:00",
        "place": "五星街道党群服务中心",
        "mode": "hybrid",
    }
    r = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
    assert r.status_code == 201, r.text
    meeting_id = r.json()["id"]
    ids = []
    for (person_id, _token), (_name, _cat, role) in zip(roster_people, ROSTER, strict=True):
        added = await http.post(
            f"/api/meetings/{meeting_id}/participants",
            json={"person_id": person_id, "role": role},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
        ids.append(added.json()["id"])
    yield Collection(
        http=http,
        meeting_id=meeting_id,
        moderator=roster_people[0][1],
        participants=[token for _, token in roster_people[1:]],
        participant_ids=ids[1:],
        staff=staff_token,
    )


@pytest.fixture
async def themed(collection: Collection) -> Collection:
    """The collection with the thirty suggestions in, re-clustered once by staff."""
    await collection.submit_all(interleaved())
    await collection.edit("recluster")
    return collection
