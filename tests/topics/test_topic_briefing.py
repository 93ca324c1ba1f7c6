"""The topic's notice and research travel with its meeting into the briefing (第十五条,
第十六条): a member on the roster reads them before the meeting, with the research's files;
someone not on the roster reads nothing, and a resident's own files stay with the topic.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import bearer, login_token
from tests.topics.conftest import PASSWORD, Cast, ok, proposed, village_approved

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 120


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _member(http: httpx.AsyncClient, server: str, cast: Cast) -> tuple[dict[str, str], int]:
    username = f"brief{uuid.uuid4().hex[:8]}"
    created = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": "通报委员",
                "category": "member",
                "password": PASSWORD,
            },
            headers=cast.admin,
        ),
        201,
    )
    token = await login_token(server, {"username": username, "password": PASSWORD})
    return bearer(token), created["id"]


async def _ready_village_topic(http: httpx.AsyncClient, cast: Cast) -> dict[str, Any]:
    """A village topic approved, noticed ten days ahead and researched with a photo."""
    topic = await proposed(http, cast.village_staff, cast.village_room, "社区菜市场早市占道")
    tid = topic["topic_id"]
    await http.post(
        f"/api/topics/{tid}/attachments?filename=居民来信.png",
        content=PNG,
        headers=cast.village_staff,
    )
    await village_approved(http, cast, tid)
    await ok(
        await http.post(
            f"/api/topics/{tid}/notice",
            json={
                "meeting_at": _later(10),
                "place": "解放社区议事厅",
                "form": "in_room",
                "how_to_join": "到社区报名",
            },
            headers=cast.village_staff,
        )
    )
    done = await ok(
        await http.post(
            f"/api/topics/{tid}/research",
            json={
                "who": "李红委员、社区网格员",
                "place": "解放社区农贸市场",
                "done_on": datetime.now(UTC).isoformat(),
                "findings": "早市六点到八点占道，摊位四十余个。",
            },
            headers=cast.village_staff,
        ),
        201,
    )
    research_id = done["research"][0]["id"]
    await ok(
        await http.post(
            f"/api/topics/{tid}/attachments?filename=现场照片.png&research_id={research_id}",
            content=PNG,
            headers=cast.village_staff,
        ),
        201,
    )
    return await ok(await http.get(f"/api/topics/{tid}", headers=cast.village_staff))


async def test_article_16_the_briefing_carries_the_topics_notice_and_research(
    server: str, http: httpx.AsyncClient, cast: Cast
) -> None:
    topic = await _ready_village_topic(http, cast)
    meeting = await ok(
        await http.post(
            "/api/meetings",
            json={
                "room_id": cast.village_room,
                "title": "早市占道协商会",
                "topic_title": topic["title"],
                "topic_id": topic["topic_id"],
                "starts_at": _later(10),
                "place": "解放社区议事厅",
                "mode": "in_room",
                "agenda": [
                    {"title": topic["title"], "rounds": [{"kind": "discussion", "title": "讨论"}]}
                ],
            },
            headers=cast.village_staff,
        ),
        201,
    )
    member, member_id = await _member(http, server, cast)
    await ok(
        await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": member_id},
            headers=cast.village_staff,
        ),
        201,
    )

    read = await ok(await http.get(f"/api/meetings/{meeting['id']}/briefings", headers=member))
    brief = read["topic"]
    assert brief["topic_id"] == topic["topic_id"] and brief["title"] == "社区菜市场早市占道"
    notice = brief["notice"]
    assert notice["days"] == 10 and notice["required_days"] == 7
    assert notice["place"] == "解放社区议事厅" and notice["how_to_join"] == "到社区报名"
    [record] = brief["research"]
    assert record["who"] == "李红委员、社区网格员" and "四十余个" in record["findings"]
    assert [a["filename"] for a in record["attachments"]] == ["现场照片.png"]
    got = await http.get(record["attachments"][0]["url"], headers=member)
    assert got.status_code == 200 and got.content == PNG

    # The invitation the member opens carries the same material.
    await ok(
        await http.post(f"/api/meetings/{meeting['id']}/invitations", headers=cast.village_staff)
    )
    invitation = await ok(
        await http.get(f"/api/meetings/{meeting['id']}/invitation", headers=member)
    )
    assert invitation["topic"]["research"][0]["findings"] == record["findings"]

    # The letter attached to the proposal is not research: it does not travel.
    letter = next(a for a in topic["attachments"] if a["research_id"] is None)
    stray = await http.get(
        f"/api/meetings/{meeting['id']}/briefings/research/{letter['id']}", headers=member
    )
    assert stray.status_code == 404

    outsider, _ = await _member(http, server, cast)
    assert (
        await http.get(f"/api/meetings/{meeting['id']}/briefings", headers=outsider)
    ).status_code == 403
    assert (await http.get(record["attachments"][0]["url"], headers=outsider)).status_code == 403


async def test_a_meeting_without_a_topic_has_no_topic_in_its_briefing(
    http: httpx.AsyncClient, cast: Cast
) -> None:
    meeting = await ok(
        await http.post(
            "/api/meetings",
            json={
                "room_id": cast.village_room,
                "title": "无议题的碰头会",
                "topic_title": "近期工作",
                "starts_at": _later(2),
                "place": "社区",
                "mode": "in_room",
            },
            headers=cast.village_staff,
        ),
        201,
    )
    read = await ok(
        await http.get(f"/api/meetings/{meeting['id']}/briefings", headers=cast.village_staff)
    )
    assert read["topic"] is None and read["items"] == []
