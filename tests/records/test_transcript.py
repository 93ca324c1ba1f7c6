"""The transcript: segments from the floor events, typed text, permissions, refused files."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.records.conftest import Consultation


async def test_segments_are_prefilled_from_the_floor_events_and_typed_text_is_kept(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    await c.go_live(["周建平", "林美玲", "何建军"])
    await c.hold_speeches(["林美玲", "何建军"])
    url = f"/api/meetings/{c.meeting_id}/transcript"

    built = await http.post(url, headers=c.as_("赵雪梅"))
    assert built.status_code == 200, built.text
    assert built.json()["added"] == 2
    segments = built.json()["transcript"]["segments"]
    assert [s["speaker_name"] for s in segments] == ["林美玲", "何建军"]
    assert [s["participant_id"] for s in segments] == [c.ids["林美玲"], c.ids["何建军"]]
    assert [s["speech_id"] for s in segments] == ["s1", "s2"]
    assert all(s["source"] == "live" and s["text"] == "" and not s["unmatched"] for s in segments)
    assert 0 <= segments[0]["start_s"] <= segments[0]["end_s"] <= segments[1]["start_s"]
    assert segments[1]["end_s"] is not None
    assert built.json()["transcript"]["record_started_at"] > 1.7e9

    typed = "建议在小区东侧空地施划临时停车位，缓解夜间停车难。"
    first = segments[0]["id"]
    patched = await http.patch(f"{url}/{first}", json={"text": typed}, headers=c.as_("赵雪梅"))
    assert patched.status_code == 200, patched.text
    assert patched.json()["text"] == typed

    # Building again adds nothing and keeps what was typed.
    again = await http.post(url, headers=c.as_("周建平"))
    assert again.json()["added"] == 0
    kept = {s["id"]: s["text"] for s in again.json()["transcript"]["segments"]}
    assert kept[first] == typed

    # Staff add the chair's words that no speech covers, right after the first segment.
    added = await http.post(
        f"{url}/segments",
        json={"after_id": first, "speaker_name": "周建平", "text": "请何建军代表发言。"},
        headers=c.as_("赵雪梅"),
    )
    assert added.status_code == 201, added.text
    assert added.json()["participant_id"] == c.ids["周建平"] and added.json()["position"] == 1
    listed = (await http.get(url, headers=c.as_("赵雪梅"))).json()["segments"]
    assert [s["speaker_name"] for s in listed] == ["林美玲", "周建平", "何建军"]


async def test_two_consoles_building_at_once_make_one_segment_per_speech(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    """Every open staff console asks for the segments when a speech starts or ends, so the
    requests of two consoles meet; each speech still gets exactly one segment."""
    c = consultation
    await c.go_live(["周建平", "林美玲", "何建军"])
    await c.hold_speeches(["林美玲", "何建军"])
    url = f"/api/meetings/{c.meeting_id}/transcript"
    answers = await asyncio.gather(
        *(http.post(url, headers=c.as_(name)) for name in ["赵雪梅", "周建平"] * 4)
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert sum(a.json()["added"] for a in answers) == 2
    listed = (await http.get(url, headers=c.as_("赵雪梅"))).json()["segments"]
    assert [s["speech_id"] for s in listed] == ["s1", "s2"]
    assert [s["position"] for s in listed] == [0, 1]


async def test_a_participant_can_neither_read_nor_edit_the_transcript(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    await c.go_live(["周建平", "林美玲"])
    await c.hold_speeches(["林美玲"])
    url = f"/api/meetings/{c.meeting_id}/transcript"
    segment = (await http.post(url, headers=c.as_("赵雪梅"))).json()["transcript"]["segments"][0]

    for response in (
        await http.get(url, headers=c.as_("林美玲")),
        await http.post(url, headers=c.as_("林美玲")),
        await http.patch(f"{url}/{segment['id']}", json={"text": "改"}, headers=c.as_("林美玲")),
        await http.delete(f"{url}/{segment['id']}", headers=c.as_("林美玲")),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    after = (await http.get(url, headers=c.as_("赵雪梅"))).json()["segments"]
    assert after == [segment]


async def test_building_before_anyone_spoke_is_refused_clearly(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    refused = await http.post(f"/api/meetings/{c.meeting_id}/transcript", headers=c.as_("赵雪梅"))
    assert refused.status_code == 409
    assert "还没有发言" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "record.txt", "文件是空的"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "record.txt", "二进制"),
        (b"caf\xe9 \xff\xfe\xff na\xefve \xff", "record.txt", "字符编码"),
        (b"PK\x03\x04broken zip", "record.docx", "Word 文档"),
        ("没有任何发言人标记的一段话。".encode(), "record.txt", "没有识别出发言人"),
    ],
)
async def test_bad_files_are_refused_and_change_nothing(
    consultation: Consultation,
    http: httpx.AsyncClient,
    data: bytes,
    filename: str,
    message: str,
) -> None:
    c = consultation
    url = f"/api/meetings/{c.meeting_id}/transcript"
    good = "周建平：今天协商停车难问题。\n林美玲：建议增设临时停车位。\n".encode()
    done = await http.post(f"{url}/import?filename=a.txt", content=good, headers=c.as_("赵雪梅"))
    assert done.status_code == 200, done.text
    before = (await http.get(url, headers=c.as_("赵雪梅"))).json()

    refused = await http.post(
        f"{url}/import", params={"filename": filename}, content=data, headers=c.as_("赵雪梅")
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid"
    assert message in refused.json()["error"]["message"]
    assert (await http.get(url, headers=c.as_("赵雪梅"))).json() == before


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    url = f"/api/meetings/{c.meeting_id}/transcript"
    huge = "林美玲：建议增设临时停车位。\n".encode() * (11 * 1024 * 1024 // 40)
    assert len(huge) > 10 * 1024 * 1024
    refused = await http.post(
        f"{url}/import?filename=big.txt", content=huge, headers=c.as_("赵雪梅")
    )
    assert refused.status_code == 400
    assert "不能超过 10 MB" in refused.json()["error"]["message"]
    assert (await http.get(url, headers=c.as_("赵雪梅"))).json()["segments"] == []


async def test_a_multipart_form_is_refused_with_how_to_upload(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    refused = await http.post(
        f"/api/meetings/{c.meeting_id}/transcript/import",
        files={"file": ("a.txt", "林美玲：好。".encode())},
        headers=c.as_("赵雪梅"),
    )
    assert refused.status_code == 400
    assert "?filename=" in refused.json()["error"]["message"]


async def test_speech_recognition_answers_not_configured(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    engines = await http.get("/api/asr/engines", headers=c.as_("赵雪梅"))
    assert engines.json() == {"engines": []}
    refused = await http.post(
        f"/api/meetings/{c.meeting_id}/transcript/asr", json={}, headers=c.as_("赵雪梅")
    )
    assert refused.status_code == 501
    assert refused.json()["error"]["code"] == "not_configured"
    assert "未配置语音识别引擎" in refused.json()["error"]["message"]
    # Who may not keep the record is told so first.
    forbidden = await http.post(
        f"/api/meetings/{c.meeting_id}/transcript/asr", json={}, headers=c.as_("林美玲")
    )
    assert forbidden.status_code == 403


async def test_an_appended_file_follows_and_staff_correct_speakers(
    consultation: Consultation, http: httpx.AsyncClient
) -> None:
    c = consultation
    url = f"/api/meetings/{c.meeting_id}/transcript"
    first = "周建平：今天协商停车难问题。\n林美玲：建议增设临时停车位。\n".encode()
    done = await http.post(
        f"{url}/import?filename=上午.txt", content=first, headers=c.as_("赵雪梅")
    )
    assert done.json()["imported"] == 2
    srt = (
        "1\n00:00:01,000 --> 00:00:04,000\n老王：我觉得收费要便宜一点。\n\n"
        "2\n00:00:05,000 --> 00:00:09,000\n陈立新：城管局会配合清理僵尸车。\n"
    )
    appended = await http.post(
        f"{url}/import",
        params={"filename": "下午.srt", "mode": "append"},
        content=srt.encode(),
        headers=c.as_("赵雪梅"),
    )
    assert appended.status_code == 200, appended.text
    assert appended.json()["format"] == "srt" and appended.json()["unmatched"] == ["老王"]
    segments = appended.json()["transcript"]["segments"]
    assert [s["speaker_name"] for s in segments] == ["周建平", "林美玲", "老王", "陈立新"]
    assert [s["position"] for s in segments] == [0, 1, 2, 3]
    assert appended.json()["transcript"]["unmatched"] == ["老王"]

    # Staff know who 老王 is: naming the participant clears the flag.
    wang = segments[2]["id"]
    fixed = await http.patch(
        f"{url}/{wang}", json={"participant_id": c.ids["何建军"]}, headers=c.as_("赵雪梅")
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["speaker_name"], fixed.json()["unmatched"]) == ("何建军", False)
    renamed = await http.patch(
        f"{url}/{wang}", json={"speaker_name": "列席群众"}, headers=c.as_("赵雪梅")
    )
    assert (renamed.json()["participant_id"], renamed.json()["unmatched"]) == (None, True)
    bad = await http.patch(
        f"{url}/{wang}", json={"start_s": 9, "end_s": 3}, headers=c.as_("赵雪梅")
    )
    assert bad.status_code == 400 and "结束时间" in bad.json()["error"]["message"]

    removed = await http.delete(f"{url}/{segments[0]['id']}", headers=c.as_("赵雪梅"))
    assert removed.status_code == 200
    left = (await http.get(url, headers=c.as_("赵雪梅"))).json()["segments"]
    assert [(s["speaker_name"], s["position"]) for s in left] == [
        ("林美玲", 0),
        ("列席群众", 1),
        ("陈立新", 2),
    ]
