"""`hsl themes FILE [--json]`: the contract's JSON shape from text, CSV and JSONL files, a
readable table without --json, and a clear Chinese message with exit code 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli_themes import main

REPO = Path(__file__).resolve().parents[2]
SUGGESTIONS = [
    "小区停车位太少，晚上回家找不到地方停车",
    "我们小区车位紧张，很多车只能停在消防通道上",
    "建议利用小区空地增设停车位，缓解停车难",
    "村里没有公交车，老人去镇上看病出行很不方便",
    "建议开通村到镇上的公交线路，方便老人出行",
    "希望在村口设置公交站台，方便村民乘坐公交车",
    "小区停车位太少，晚上回家找不到地方停车！",
]


def run_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main([str(path), "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def check_contract(result: dict[str, object], ids: list[object]) -> None:
    assert set(result) == {"themes", "duplicates", "hints"}
    hints = result["hints"]
    assert isinstance(hints, dict)
    assert set(hints) <= {str(i) for i in ids}
    themes = result["themes"]
    assert isinstance(themes, list)
    members = []
    for theme in themes:
        assert set(theme) == {"label", "keywords", "size", "members"}
        assert isinstance(theme["label"], str) and theme["label"]
        assert all(isinstance(k, str) for k in theme["keywords"])
        assert theme["size"] == len(theme["members"])
        members += theme["members"]
    assert sorted(members, key=str) == sorted(ids, key=str)


def test_one_suggestion_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "suggestions.txt"
    path.write_text("\n".join(SUGGESTIONS[:3]) + "\n\n" + "\n".join(SUGGESTIONS[3:]), "utf-8")
    result = run_json(path, capsys)
    ids = [0, 1, 2, 4, 5, 6, 7]  # line numbers; the blank line 3 is no suggestion
    check_contract(result, ids)
    assert sorted(sorted(t["members"]) for t in result["themes"]) == [[0, 1, 2, 7], [4, 5, 6]]
    assert result["duplicates"] == [[0, 7]]


def test_csv_with_ids_in_gbk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "suggestions.csv"
    lines = ["id,text,author"] + [f"s{n},{t},居民" for n, t in enumerate(SUGGESTIONS)]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    result = run_json(path, capsys)
    check_contract(result, [f"s{n}" for n in range(len(SUGGESTIONS))])


def test_jsonl_keeps_integer_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "suggestions.data"  # the content, not the name, says JSONL
    rows = [
        json.dumps({"id": 100 + n, "text": t}, ensure_ascii=False)
        for n, t in enumerate(SUGGESTIONS)
    ]
    path.write_text("\n".join(rows), "utf-8")
    check_contract(run_json(path, capsys), [100 + n for n in range(len(SUGGESTIONS))])


def test_emoji_and_mixed_language_rows_still_get_a_theme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("😀😀😀\nThe WiFi 信号 in 社区活动中心 is bad\n12345\n", "utf-8")
    check_contract(run_json(path, capsys), [0, 1, 2])


def test_human_output_is_a_table_of_themes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "suggestions.txt"
    path.write_text("\n".join(SUGGESTIONS), "utf-8")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "共 7 条建议，归为 2 个主题" in out
    assert "关键词：" in out and "停车" in out
    assert "疑似重复：1 组" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "找不到文件"),
        ("empty.txt", b"  \n\n", "没有任何建议"),
        ("binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "二进制"),
        ("no_text.csv", "id,content\n1,路灯坏了\n".encode(), "缺少 text 列"),
        ("bad.jsonl", '{"text": "路灯坏了"}\n{"text": 路灯\n'.encode(), "第 2 行不是有效的 JSON"),
        ("no_field.jsonl", '{"body": "路灯坏了"}\n'.encode(), "缺少 text 字段"),
        ("twice.csv", "id,text\n1,路灯坏了\n1,公交太少\n".encode(), "id 重复"),
    ],
)
def test_bad_input_is_refused_clearly(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main([str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_the_module_runs_as_a_command_without_tracebacks(tmp_path: Path) -> None:
    good = tmp_path / "suggestions.txt"
    good.write_text("\n".join(SUGGESTIONS), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "server.cli_themes", str(good), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert len(json.loads(done.stdout)["themes"]) == 2
    bad = subprocess.run(
        [sys.executable, "-m", "server.cli_themes", str(tmp_path / "nope.csv")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "找不到文件" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_screening_hints_per_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "suggestions.jsonl"
    rows = [
        {"id": "a", "text": "加强对信访工作的监督"},
        {"id": "b", "text": "我家和邻居的宅基地纠纷已经起诉到法院"},
        {"id": "c", "text": SUGGESTIONS[0]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = run_json(path, capsys)
    check_contract(result, ["a", "b", "c"])
    hints = result["hints"]
    assert isinstance(hints, dict) and set(hints) == {"b"}
    assert {h["kind"] for h in hints["b"]} == {"individual_dispute", "litigation"}
    for hint in hints["b"]:
        assert set(hint) == {"kind", "message", "triggers"} and "第十一条" in hint["message"]
    assert main([str(path)]) == 0
    table = capsys.readouterr().out
    assert "筛选提示" in table and "宅基地纠纷" in table
