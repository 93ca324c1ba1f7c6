"""create_app(settings): builds the whole server and owns every resource's lifetime.

The ASGI app is Socket.IO (at /socket.io) in front of Starlette (everything else).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
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

from realtime.ballot_keys import key_store
from realtime.broadcast import Broadcaster
from realtime.engine import LiveEngine
from realtime.link_probe import LinkProbe
from realtime.media.gateway import MediaGateway
from realtime.media.namespace import MediaNamespace
from realtime.meeting_status import STATUS_HOOKS
from realtime.namespace import LiveNamespace
from realtime.poll_storage import poll_hooks
from realtime.presence import PresenceCounter, PresenceKeeper
from realtime.quality_feed import QualityFeed
from server import passwords
from server.db.engine import Database
from server.domain.vocabulary import load_vocabulary
from server.http.framework import EXCEPTION_HANDLERS
from server.http.headers import SecurityHeaders
from server.http.pages import page_routes
from server.http.routes import ENDPOINTS
from server.limits import JsonPacket, SocketJson
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
    # Redis pub/sub channels ignore database numbers, so the channel names the deployment
    # (its database) to keep two deployments, or two test runs, on one Redis apart.
    channel = (
        "hsl-live-" + hashlib.sha256(settings.effective_database_url.encode()).hexdigest()[:12]
    )
    manager = (
        socketio.AsyncRedisManager(settings.redis_url, channel=channel)
        if settings.redis_url
        else None
    )
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        max_http_buffer_size=1_000_000,
        serializer=JsonPacket,
        json=SocketJson,  # deep nesting is answered as malformed, not a recursion error
        # A ping every 20 s, to be answered within 25 s; a client that vanishes without
        # closing its connection is noticed within 45 s (a closed one at once), as with
        # python-socketio's defaults (25 s / 20 s). The answer's window is the longer of the
        # two because a Python client (python-engineio) gives up on its own connection when
        # it has sent nothing for max(interval, timeout) + 5 s, and all a watcher sends is
        # its answers to the pings: with 10 s / 10 s a ping answered 5 s late during a big
        # fan-out dropped the watcher for good (docs/benchmarks.md, 5,000 watchers).
        ping_interval=20,
        ping_timeout=25,
    )
    # Created here, connected lazily; the lifespan checks it answers and closes it.
    redis = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    state = AppState(settings=settings, db=db, sio=sio, redis=redis)
    broadcaster = Broadcaster(sio)
    presence = PresenceCounter(
        redis, heartbeat_s=settings.presence_heartbeat_s, ttl_s=settings.presence_ttl_s
    )
    # Media follows the floor: every published event also reaches the media gateway.
    media = MediaGateway(settings)
    # Secret polls' keys: shared through Redis by the workers when there is one.
    ballot_keys = key_store(settings.ballot_key_dir or settings.data_dir / "ballot-keys", redis)
    hooks = (*poll_hooks(ballot_keys), *STATUS_HOOKS)
    engine = LiveEngine(
        db,
        media.following(broadcaster.publish),
        hooks=hooks,
        sole_writer=settings.realtime_mode == "memory",
    )
    broadcaster.watch_states(engine.cached)
    keeper = PresenceKeeper(presence, engine, db)
    live = LiveNamespace(settings, db, engine, broadcaster, keeper, ballot_keys)
    sio.register_namespace(live)
    media_namespace = MediaNamespace(live, db, engine, media)
    media.attach(engine, media_namespace.deliver)
    sio.register_namespace(media_namespace)
    # Everyone's connection quality on the moderators' consoles, at a bounded rate.
    # People without media: graded from how fast their /live connection answers.
    link_probe = LinkProbe(sio, redis)
    quality_feed = QualityFeed(sio, engine, media, link_probe)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.ping()
        # The password process starts while Jieba's dictionary and our words load (in a thread).
        await asyncio.gather(passwords.start(), load_vocabulary(db))
        if redis is not None:
            await redis.ping()
        await media.start()
        # Connections counted before a crash or restart are gone; a dead worker's lapse.
        await keeper.start()
        quality_feed.start()
        link_probe.start()
        # Start-up objects (Jieba's dictionary above all) live as long as the process; moving
        # them out of the collector's view keeps full collections short during fan-out.
        gc.collect()
        gc.freeze()
        log.info("好商量 ready: database ok, realtime %s", settings.realtime_mode)
        try:
            yield
        finally:
            await link_probe.stop()
            await quality_feed.stop()
            await keeper.stop()
            await presence.release_all()
            if redis is not None:
                await redis.aclose()
            await media.stop()
            await passwords.shutdown()
            await db.close()

    routes = [ep.route() for ep in ENDPOINTS] + page_routes(settings.web_dist)
    web = Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[Middleware(GZipMiddleware, minimum_size=1000)],
        lifespan=lifespan,
    )
    web.state.hsl = state
    # HTTP changes to suggestions and themes reach the editors' live views this way.
    web.state.announce = broadcaster.notify
    # The watch link's endpoints: how many watch, and closing their view when it goes off.
    web.state.watchers = keeper.watchers

    async def unwatch(meeting_id: int) -> None:
        await broadcaster.close_watch(meeting_id)
        await media.unwatch(meeting_id)  # and whoever listened through it stops hearing

    web.state.unwatch = unwatch
    # Outermost, so that every HTTP answer carries the headers: Socket.IO's own (polling,
    # refusals) and the 500 that Starlette's error middleware writes outside its middleware.
    return SecurityHeaders(
        socketio.ASGIApp(sio, other_asgi_app=web, socketio_path="socket.io"),
        https=settings.cookie_secure,
    )


def app_from_environment() -> Any:
    """Factory for `uvicorn --factory` (one per worker process)."""
    return create_app(load_settings())
