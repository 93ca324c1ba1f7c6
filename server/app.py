"""create_app(settings): builds the whole server and owns every resource's lifetime.

The ASGI app is Socket.IO (at /socket.io) in front of Starlette (everything else).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from realtime.broadcast import Broadcaster
from realtime.engine import LiveEngine
from realtime.namespace import LiveNamespace
from server.db.engine import Database
from server.http.framework import EXCEPTION_HANDLERS
from server.http.pages import page_routes
from server.http.routes import ENDPOINTS
from server.settings import Settings, load_settings

log = logging.getLogger("hsl")


@dataclass
class AppState:
    """The resources one server process holds, reachable from handlers as app.state.hsl."""

    settings: Settings
    db: Database
    sio: socketio.AsyncServer
    redis: aioredis.Redis | None = None


def create_app(settings: Settings) -> Any:
    """The ASGI application for these settings; resources open in its lifespan."""
    db = Database(settings.effective_database_url)
    manager = (
        socketio.AsyncRedisManager(settings.redis_url, channel="hsl-live")
        if settings.redis_url
        else None
    )
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        max_http_buffer_size=1_000_000,
        ping_interval=10,
        ping_timeout=10,
    )
    state = AppState(settings=settings, db=db, sio=sio)
    broadcaster = Broadcaster(sio)
    engine = LiveEngine(db, broadcaster.publish)
    sio.register_namespace(LiveNamespace(settings, db, engine, broadcaster))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.ping()
        if settings.redis_url:
            state.redis = aioredis.from_url(settings.redis_url)
            await state.redis.ping()
        log.info("好商量 ready: database ok, realtime %s", settings.realtime_mode)
        try:
            yield
        finally:
            if state.redis is not None:
                await state.redis.aclose()
            await db.close()

    routes = [ep.route() for ep in ENDPOINTS] + page_routes(settings.web_dist)
    web = Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[Middleware(GZipMiddleware, minimum_size=1000)],
        lifespan=lifespan,
    )
    web.state.hsl = state
    return socketio.ASGIApp(sio, other_asgi_app=web, socketio_path="socket.io")


def app_from_environment() -> Any:
    """Factory for `uvicorn --factory` (one per worker process)."""
    return create_app(load_settings())
