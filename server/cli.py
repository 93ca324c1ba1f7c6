"""The `hsl` command: serve, db upgrade, demo, themes, minutes.

Configuration errors are printed as one readable message, never as a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from server.settings import Settings, SettingsError, load_settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    workers = args.workers or settings.workers
    if workers > 1 and not settings.redis_url:
        print(
            "多个工作进程需要 Redis 来同步实时事件：请设置 HSL_REDIS_URL，或使用 --workers 1",
            file=sys.stderr,
        )
        return 2
    if workers > 1 and settings.is_sqlite:
        print("多个工作进程需要 PostgreSQL：请设置 HSL_DATABASE_URL", file=sys.stderr)
        return 2
    uvicorn.run(
        "server.app:app_from_environment",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
        ws="websockets-sansio",
    )
    return 0


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from server.db.migrate import upgrade

    upgrade(settings.effective_database_url)
    print("数据库已是最新结构 (database migrated)")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.demo import database_is_empty, load_demo

    if args.if_empty and not asyncio.run(database_is_empty(settings)):
        print("数据库已有数据，未载入演示数据 (database not empty, demo skipped)")
        return 0
    result = asyncio.run(load_demo(settings))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"演示数据已就绪：会议 {result['meeting_id']}")
        accounts = result["accounts"]
        for label, account in [("主持人", accounts["moderator"]), ("工作人员", accounts["staff"])]:
            print(f"  {label}：{account['name']}  {account['username']} / {account['password']}")
        for member in accounts["members"]:
            print(f"  参会人：{member['name']}  {member['username']} / {member['password']}")
    return 0


def _remind(_args: argparse.Namespace, settings: Settings) -> int:
    from server.domain.outcomes import remind_overdue_now

    sent = asyncio.run(remind_overdue_now(settings))
    print(f"已提醒超期建议 {len(sent)} 条 (overdue items reminded)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from server import cli_minutes, cli_themes

    parser = argparse.ArgumentParser(prog="hsl", description="好商量 协商议事平台")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="启动服务 (run the server)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(func=_serve)
    db = sub.add_parser("db", help="数据库 (database)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="应用迁移 (apply migrations)").set_defaults(func=_db_upgrade)
    demo = sub.add_parser("demo", help="载入演示数据 (load demo data)")
    demo.add_argument("--json", action="store_true", help="以 JSON 输出会议和账号")
    demo.add_argument("--if-empty", action="store_true", help="仅在数据库为空时载入")
    demo.set_defaults(func=_demo)
    outcomes = sub.add_parser("outcomes", help="协商成果 (outcomes)")
    outcomes_sub = outcomes.add_subparsers(dest="outcomes_command", required=True)
    outcomes_sub.add_parser(
        "remind", help="提醒超期建议的责任单位，每条每天至多一次 (remind owners of overdue items)"
    ).set_defaults(func=_remind)
    themes = sub.add_parser("themes", help="意见建议归类 (cluster suggestions into themes)")
    cli_themes.configure(themes)
    themes.set_defaults(func=lambda a, _s: cli_themes.run(a))
    minutes = sub.add_parser("minutes", help="起草会议纪要 (draft minutes from a transcript)")
    cli_minutes.configure(minutes)
    minutes.set_defaults(func=lambda a, _s: cli_minutes.run(a))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    code: int = args.func(args, settings)
    return code


if __name__ == "__main__":
    sys.exit(main())
