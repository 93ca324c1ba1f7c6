"""`hsl minutes FILE [-o OUT.docx|OUT.md] [--json] [--summary-chars N] [--title T] [--date D]
[--place P] [--organ O] [--number N] [--recipient R]`: minutes and the recommendation report
from a transcript. `configure` adds the arguments to a parser, `run` drafts and writes; bad
input exits 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nlp.minutes import (
    SUMMARY_CHARS,
    MeetingInfo,
    draft_minutes,
    draft_recommendations,
    to_json,
)
from nlp.transcript import MAX_BYTES, TranscriptError, read_transcript
from server.documents.minutes_docx import render_minutes_docx
from server.documents.minutes_markdown import render_minutes_markdown

EXIT_BAD_INPUT = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help="发言记录文件：每行“姓名：发言”的文本、SRT、WebVTT、DOCX，"
        "或 JSONL（speaker、text、start、end）",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="写出会议纪要：扩展名 .docx 为公文格式 Word 文档，.md 为 Markdown",
    )
    parser.add_argument(
        "--json", action="store_true", help="在标准输出打印 JSON（summary、sections 等）"
    )
    parser.add_argument(
        "--summary-chars",
        type=int,
        default=SUMMARY_CHARS,
        metavar="N",
        help=f"会议摘要（summary）的最多字数，默认 {SUMMARY_CHARS}",
    )
    for flag, meta, text in (
        ("--title", "标题", "会议纪要的标题，如“幸福社区加装电梯协商会纪要”"),
        ("--date", "日期", "会议日期，如“2026年12月18日”（也是协商建议的落款日期）"),
        ("--place", "地点", "会议地点"),
        ("--organ", "单位", "组织协商的单位，协商建议的落款，如“幸福街道政协工作委员会”"),
        ("--number", "期号", "纪要期号，如“第5期”"),
        ("--recipient", "主送", "协商建议的主送机关，如“中共幸福街道工作委员会、幸福街道办事处”"),
        ("--moderator", "姓名", "主持人"),
    ):
        parser.add_argument(flag, default="", metavar=meta, help=text)


def run(args: argparse.Namespace) -> int:
    try:
        data = _read(Path(args.file))
        if args.summary_chars < 1:
            raise TranscriptError("--summary-chars 必须是正整数。")
        output = Path(args.output) if args.output else None
        if output is not None and output.suffix.lower() not in (".docx", ".md", ".markdown"):
            raise TranscriptError("输出文件的扩展名应为 .docx 或 .md。")
        transcript = read_transcript(data, Path(args.file).name)
    except TranscriptError as exc:
        print(f"hsl minutes: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    info = MeetingInfo(
        title=args.title,
        date=args.date,
        place=args.place,
        organiser=args.organ,
        number=args.number,
        recipient=args.recipient,
        moderator=args.moderator,
    )
    minutes = draft_minutes(transcript, info, summary_chars=args.summary_chars)
    report = draft_recommendations(minutes, info)
    if output is not None:
        try:
            if output.suffix.lower() == ".docx":
                output.write_bytes(render_minutes_docx(minutes, report))
            else:
                output.write_text(render_minutes_markdown(minutes, report), encoding="utf-8")
        except OSError as exc:
            print(f"hsl minutes: 无法写入 {output}：{exc.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.json:
        json.dump(to_json(minutes, report), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif output is None:
        sys.stdout.write(render_minutes_markdown(minutes, report))
    return 0


def _read(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise TranscriptError(f"{path} 是目录，不是文件。")
        if path.stat().st_size > MAX_BYTES:
            size_mb = path.stat().st_size / (1024 * 1024)
            limit_mb = MAX_BYTES // (1024 * 1024)
            raise TranscriptError(
                f"文件过大（{size_mb:.1f} MB），发言记录文件不能超过 {limit_mb} MB。"
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TranscriptError(f"找不到文件：{path}") from exc
    except PermissionError as exc:
        raise TranscriptError(f"没有权限读取文件：{path}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hsl minutes", description="由发言记录起草会议纪要")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
