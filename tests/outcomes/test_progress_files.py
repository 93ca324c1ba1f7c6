"""第十八条: progress is reported with its attachments. The responsible unit's account attaches a
photo or document to a progress entry; whoever may read the item downloads it; a file of the
wrong kind, too large, or on someone else's item is refused and nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from server.domain import outcomes
from tests.conftest import bearer
from tests.outcomes.conftest import Unit, ok, signed_meeting, unit_account

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _outcome(
    http: httpx.AsyncClient, staff: dict[str, str], meeting_id: int, a: Unit, b: Unit
) -> dict[str, Any]:
    due = (datetime.now(UTC) + timedelta(days=30)).astimezone(outcomes.BEIJING).date()
    return await ok(  # type: ignore[no-any-return]
        await http.post(
            f"/api/meetings/{meeting_id}/outcome",
            json={
                "title": "停车难协商建议",
                "recipients": ["五星街道办事处"],
                "items": [
                    {"text": "增设临时停车位", "unit_id": a.unit_id, "due_on": due.isoformat()},
                    {"text": "错时共享停车", "unit_id": b.unit_id, "due_on": due.isoformat()},
                ],
            },
            headers=staff,
        ),
        201,
    )


async def _progress(http: httpx.AsyncClient, unit: Unit, item_id: int) -> int:
    path = f"/api/outcome-items/{item_id}/records"
    await ok(
        await http.post(
            path, json={"kind": "decision", "decision": "adopted"}, headers=unit.headers
        ),
        201,
    )
    item = await ok(
        await http.post(
            path, json={"kind": "progress", "percent": 30, "note": "已开工"}, headers=unit.headers
        ),
        201,
    )
    return int(item["records"][-1]["id"])


async def test_a_unit_attaches_a_photo_to_its_progress_and_readers_download_it(
    http: httpx.AsyncClient,
    admin: dict[str, str],
    staff_token: str,
    member_token: str,
    server: str,
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "新兴镇")
    b = await unit_account(http, server, admin, "大冈镇")
    outcome = await _outcome(http, staff, meeting_id, a, b)
    mine, theirs = outcome["items"]
    entry = await _progress(http, a, mine["id"])
    upload = f"/api/outcome-items/{mine['id']}/records/{entry}/attachments"

    item = await ok(
        await http.post(f"{upload}?filename=现场照片.png", content=PNG, headers=a.headers), 201
    )
    files = item["records"][-1]["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("现场照片.png", "image/png", len(PNG))
    ]
    # The room's team, attaching on the unit's behalf, uses the same path.
    await ok(
        await http.post(
            f"{upload}?filename=施工方案.pdf", content=b"%PDF-1.7\n%%EOF\n", headers=staff
        ),
        201,
    )
    url = files[0]["url"]
    for reader in (a.headers, staff, admin):
        got = await http.get(url, headers=reader)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["x-content-type-options"] == "nosniff"
    for stranger in (b.headers, bearer(member_token)):
        assert (await http.get(url, headers=stranger)).status_code == 403
    assert (await http.get(url)).status_code == 401
    # The item's page shows the files under their progress entry.
    shown = await ok(await http.get(f"/api/meetings/{meeting_id}/outcome", headers=staff))
    record = next(r for r in shown["items"][0]["records"] if r["id"] == entry)
    assert [f["filename"] for f in record["attachments"]] == ["现场照片.png", "施工方案.pdf"]
    # An attachment is read through its own item only.
    wrong_item = await http.get(
        f"/api/outcome-items/{theirs['id']}/attachments/{files[0]['id']}", headers=staff
    )
    assert wrong_item.status_code == 404


async def test_bad_attachments_are_refused_and_nothing_is_stored(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, server: str
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "新兴镇")
    b = await unit_account(http, server, admin, "大冈镇")
    outcome = await _outcome(http, staff, meeting_id, a, b)
    mine, theirs = outcome["items"]
    entry = await _progress(http, a, mine["id"])
    theirs_entry = await _progress(http, b, theirs["id"])
    upload = f"/api/outcome-items/{mine['id']}/records/{entry}/attachments"

    wrong_type = await http.post(
        f"{upload}?filename=现场.png", content=b"MZ\x90\x00not a png", headers=a.headers
    )
    assert wrong_type.status_code == 400 and "不符" in wrong_type.json()["error"]["message"]
    script = await http.post(
        f"{upload}?filename=a.html", content=b"<script>alert(1)</script>", headers=a.headers
    )
    assert script.status_code == 400 and "不支持" in script.json()["error"]["message"]
    empty = await http.post(f"{upload}?filename=a.png", content=b"", headers=a.headers)
    assert empty.status_code == 400
    too_big = await http.post(
        f"{upload}?filename=大.png", content=PNG + b"\x00" * (21 << 20), headers=a.headers
    )
    assert too_big.status_code == 413 and "不能超过 20 MB" in too_big.json()["error"]["message"]

    # Someone else's item: refused before the file is read, whoever the entry belongs to.
    foreign = await http.post(
        f"/api/outcome-items/{theirs['id']}/records/{theirs_entry}/attachments?filename=a.png",
        content=PNG,
        headers=a.headers,
    )
    assert foreign.status_code == 403
    # An entry of another item, or a record that is not progress, is not an entry of this one.
    crossed = await http.post(
        f"/api/outcome-items/{mine['id']}/records/{theirs_entry}/attachments?filename=a.png",
        content=PNG,
        headers=a.headers,
    )
    assert crossed.status_code == 404
    decision = next(
        r["id"]
        for r in (await ok(await http.get(f"/api/outcome-items/{mine['id']}", headers=a.headers)))[
            "records"
        ]
        if r["kind"] == "decision"
    )
    not_progress = await http.post(
        f"/api/outcome-items/{mine['id']}/records/{decision}/attachments?filename=a.png",
        content=PNG,
        headers=a.headers,
    )
    assert not_progress.status_code == 404
    multipart = await http.post(upload, files={"file": ("a.png", PNG)}, headers=a.headers)
    assert multipart.status_code == 400

    after = await ok(await http.get(f"/api/outcome-items/{mine['id']}", headers=a.headers))
    assert all(r["attachments"] == [] for r in after["records"])
