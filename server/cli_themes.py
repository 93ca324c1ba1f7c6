"""`hsl themes FILE [--json]`: cluster the suggestions in a file into themes and flag
near-duplicates. `configure` adds the arguments to a parser, `run` does it; bad input exits 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.dedupe import DEFAULT_THRESHOLD, find_duplicates
from nlp.screening import ScreeningHint, screen_topic
from nlp.themes import Suggestion, Theme, analyse, cluster_themes

EXIT_BAD_INPUT = 2
MAX_BYTES = 100 * 1024 * 1024
LARGE_INPUT = 5000  # from this many suggestions a progress bar is shown even off a terminal

OutputId = int | str


class InputError(Exception):
    """A problem with the input file, worded for the person who gave it."""


@dataclass(frozen=True)
class Rows:
    """The suggestions read from a file and, for each, the id to print for it."""

    suggestions: list[Suggestion]
    output_ids: dict[str, OutputId]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help="建议文件：每行一条的文本，或带 text 列（可选 id 列）的 CSV / JSONL",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="在标准输出打印 JSON（themes、duplicates、hints）",
    )
    parser.add_argument(
        "--duplicate-threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        metavar="X",
        help=f"判定为疑似重复的相似度下限（0–1），默认 {DEFAULT_THRESHOLD}",
    )


def run(args: argparse.Namespace) -> int:
    try:
        if not 0.0 < args.duplicate_threshold <= 1.0:
            raise InputError("--duplicate-threshold 应在 0 到 1 之间（不含 0）。")
        rows = read_rows(Path(args.file))
    except InputError as exc:
        print(f"hsl themes: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with _progress(len(rows.suggestions)) as advance:
        words = analyse(rows.suggestions, progress=advance)
    themes = cluster_themes(rows.suggestions, words=words).themes()
    texts = [s.text for s in rows.suggestions]
    groups = find_duplicates(texts, threshold=args.duplicate_threshold, words=words)
    hints = {s.id: found for s in rows.suggestions if (found := screen_topic(s.text))}
    if args.json:
        print(json.dumps(_as_json(themes, groups, hints, rows), ensure_ascii=False))
    else:
        _print_table(themes, groups, hints, rows)
    return 0


# -- reading ----------------------------------------------------------------------------


def read_rows(path: Path) -> Rows:
    """Suggestions from a text file (one a line), CSV or JSONL with a `text` field, or a JSON
    array; raises InputError with a Chinese message for anything it cannot use."""
    text = _read_text(path)
    if not text.strip():
        raise InputError(f"文件中没有任何建议：{path}")
    suffix = path.suffix.lower()
    first = next(line for line in text.splitlines() if line.strip()).strip()
    if suffix in (".jsonl", ".ndjson") or (suffix not in (".csv", ".tsv") and first[:1] == "{"):
        rows = _from_jsonl(text)
    elif suffix == ".json" or (suffix not in (".csv", ".tsv") and first[:1] == "["):
        rows = _from_json_array(text)
    elif suffix in (".csv", ".tsv") or _looks_like_csv_header(first):
        rows = _from_csv(text, "\t" if suffix == ".tsv" else ",")
    else:
        rows = _from_lines(text)
    if not rows:
        raise InputError(f"文件中没有任何建议：{path}")
    return _build(rows)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError(f"找不到文件：{path}")
    if not path.is_file():
        raise InputError(f"不是普通文件：{path}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"文件过大（{size // (1024 * 1024)} MiB），上限为 100 MiB：{path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror}") from exc
    return _decode(raw, path)


def _decode(raw: bytes, path: Path) -> str:
    for bom, encoding in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    if b"\x00" in raw[:8192]:
        raise InputError(f"这是二进制文件，不是文本：{path}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _guess_decode(raw, path)
    printable = sum(1 for ch in text[:20000] if ch.isprintable() or ch in "\n\r\t")
    if printable < 0.9 * min(len(text), 20000):
        raise InputError(f"文件内容不像文本（大量不可见字符）：{path}")
    return text


def _guess_decode(raw: bytes, path: Path) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[: 1024 * 1024]).best()
    if best is None or best.encoding is None:
        raise InputError(f"无法识别文件编码，请另存为 UTF-8 后重试：{path}")
    try:
        return raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"无法识别文件编码，请另存为 UTF-8 后重试：{path}") from exc


RawRow = tuple[OutputId | None, str, int]  # (given id, text, 0-based position)


def _from_lines(text: str) -> list[RawRow]:
    return [(None, line.strip(), n) for n, line in enumerate(text.splitlines()) if line.strip()]


def _looks_like_csv_header(line: str) -> bool:
    try:
        fields = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return False
    return len(fields) > 1 and "text" in (f.strip().lower() for f in fields)


def _from_csv(text: str, delimiter: str) -> list[RawRow]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        fields = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
        if "text" not in fields:
            present = "、".join(f for f in fields if f) or "无"
            raise InputError(f"CSV 文件缺少 text 列（现有列：{present}）。")
        text_field, id_field = fields["text"], fields.get("id")
        rows: list[RawRow] = []
        for n, record in enumerate(reader):
            given = (record.get(id_field) or "").strip() if id_field else ""
            rows.append((given or None, (record.get(text_field) or "").strip(), n))
    except csv.Error as exc:
        raise InputError(f"CSV 格式有误：{exc}") from exc
    return rows


def _from_record(record: Any, where: str, position: int) -> RawRow:
    if isinstance(record, str):
        return (None, record.strip(), position)
    if not isinstance(record, dict):
        raise InputError(f"{where}应为含 text 字段的 JSON 对象。")
    value = record.get("text")
    if not isinstance(value, str):
        raise InputError(f"{where}缺少 text 字段（或不是字符串）。")
    given = record.get("id")
    if given is not None and not isinstance(given, int | str):
        raise InputError(f"{where}的 id 应为字符串或整数。")
    return (given, value.strip(), position)


def _from_jsonl(text: str) -> list[RawRow]:
    rows = []
    for n, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"第 {n + 1} 行不是有效的 JSON：{exc.msg}") from exc
        rows.append(_from_record(record, f"第 {n + 1} 行", n))
    return rows


def _from_json_array(text: str) -> list[RawRow]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"不是有效的 JSON（第 {exc.lineno} 行）：{exc.msg}") from exc
    if not isinstance(records, list):
        raise InputError("JSON 文件应为建议的数组，或改用每行一个对象的 JSONL。")
    return [_from_record(r, f"第 {n + 1} 条", n) for n, r in enumerate(records)]


def _build(rows: list[RawRow]) -> Rows:
    suggestions = []
    output_ids: dict[str, OutputId] = {}
    for given, text, position in rows:
        output_id: OutputId = position if given is None else given
        key = str(output_id)
        if key in output_ids:
            raise InputError(f"id 重复：{key}")
        output_ids[key] = output_id
        suggestions.append(Suggestion(id=key, text=text))
    return Rows(suggestions=suggestions, output_ids=output_ids)


# -- progress and output -----------------------------------------------------------------


class _progress:
    """A tqdm bar on stderr for large inputs or an interactive terminal; else nothing."""

    def __init__(self, total: int) -> None:
        self._bar: Any = None
        if total >= LARGE_INPUT or (sys.stderr.isatty() and total >= 200):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="分词", unit="条", file=sys.stderr, leave=False)

    def __enter__(self) -> Callable[[int], None]:
        return self._advance

    def _advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _hint_json(hint: ScreeningHint) -> dict[str, Any]:
    return {"kind": hint.kind, "message": hint.message, "triggers": list(hint.triggers)}


def _as_json(
    themes: list[Theme],
    groups: list[Any],
    hints: dict[str, list[ScreeningHint]],
    rows: Rows,
) -> dict[str, Any]:
    ids = rows.output_ids
    suggestion_ids = [s.id for s in rows.suggestions]
    return {
        "themes": [
            {
                "label": t.label,
                "keywords": t.keywords,
                "size": t.size,
                "members": [ids[m] for m in t.members],
            }
            for t in themes
        ],
        "duplicates": [[ids[suggestion_ids[i]] for i in g.members] for g in groups],
        # screening hints (第十一条) of the suggestions that have any, by id (as a string)
        "hints": {str(ids[sid]): [_hint_json(h) for h in found] for sid, found in hints.items()},
    }


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _print_table(
    themes: list[Theme],
    groups: list[Any],
    hints: dict[str, list[ScreeningHint]],
    rows: Rows,
) -> None:
    texts = {s.id: s.text for s in rows.suggestions}
    print(f"共 {len(rows.suggestions)} 条建议，归为 {len(themes)} 个主题。")
    print()
    print("  序号  条数  主题")  # each Chinese character takes two columns on a terminal
    for number, theme in enumerate(themes, start=1):
        print(f"{number:>6}{theme.size:>6}  {theme.label}")
        if theme.keywords:
            print(f"{'':>14}关键词：{'、'.join(theme.keywords)}")
        for member in theme.members[:3]:
            print(f"{'':>14}· [{rows.output_ids[member]}] {_short(texts[member])}")
        if theme.size > 3:
            print(f"{'':>14}……另有 {theme.size - 3} 条")
    suggestion_ids = [s.id for s in rows.suggestions]
    print()
    print(f"疑似重复：{len(groups)} 组")
    for group in groups:
        parts = [
            f"[{rows.output_ids[suggestion_ids[i]]}] 相似度 {sim:.2f}"
            for i, sim in zip(group.members[1:], group.similarity[1:], strict=True)
        ]
        head = rows.output_ids[suggestion_ids[group.members[0]]]
        print(
            f"  [{head}] {_short(texts[suggestion_ids[group.members[0]]], 30)} ← {'；'.join(parts)}"
        )
    print()
    print(f"筛选提示（第十一条，仅供参考）：{len(hints)} 条")
    for sid, found in hints.items():
        print(f"  [{rows.output_ids[sid]}] {_short(texts[sid], 30)}")
        for hint in found:
            print(f"{'':>6}{hint.message}（{'、'.join(hint.triggers)}）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hsl themes", description="把建议归类为主题")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
