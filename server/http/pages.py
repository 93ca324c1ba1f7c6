"""/healthz and the browser app: the built Vue app's files and its page routes.

Every page route answers with the app's index.html; the router in the browser takes over.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from server.http.framework import error_response

PAGE_PATHS = (
    "/",
    "/rooms/{rest:path}",
    "/meetings/{rest:path}",
    "/m/{rest:path}",
    "/join/{rest:path}",
    "/watch/{rest:path}",
    "/office",
    "/outcomes",
    "/assessment",
    "/public",
    "/reset/{rest:path}",
    "/public",
    "/topics",
    "/topics/{rest:path}",
)


async def healthz(request: Request) -> Response:
    app = request.app.state.hsl
    body = {"status": "ok", "database": "ok", "realtime": app.settings.realtime_mode}
    status = 200
    try:
        await app.db.ping()
    except Exception as exc:  # any failure of the database is what this reports
        body.update(status="error", database=f"error: {type(exc).__name__}")
        status = 503
    if app.redis is not None:
        try:
            await app.redis.ping()
        except Exception as exc:
            body.update(status="error", realtime=f"redis error: {type(exc).__name__}")
            status = 503
    return JSONResponse(body, status_code=status)


def page_routes(web_dist: Path) -> list[BaseRoute]:
    index = web_dist / "index.html"

    async def page(_request: Request) -> Response:
        if not index.exists():
            return error_response(
                503, "web_not_built", "网页尚未构建，请运行 make run（或在 web/ 下 npm run build）"
            )
        return FileResponse(index, headers={"cache-control": "no-cache"})

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    routes += [Route(path, page, methods=["GET"]) for path in PAGE_PATHS]
    assets = web_dist / "assets"
    routes.append(
        Mount("/assets", app=StaticFiles(directory=assets, check_dir=False), name="assets")
    )
    for name in ("favicon.svg", "favicon.ico"):
        if (web_dist / name).exists():
            routes.append(Route(f"/{name}", _file(web_dist / name), methods=["GET"]))
    return routes


def _file(path: Path):  # type: ignore[no-untyped-def]
    async def serve(_request: Request) -> Response:
        return FileResponse(path)

    return serve
