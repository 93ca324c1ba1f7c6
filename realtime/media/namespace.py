"""The /media Socket.IO namespace: signalling between a browser and its meeting's media worker.

Connections are authenticated exactly as on /live (the same function). A client joins a
meeting's media as a person or, from the in-room computer, as the room; a public observer
holding the watch link joins as a listener (receive-only, when the moderator allows it:
see `_listen`). Each sends one SDP
offer (with its ICE candidates gathered) and gets the worker's answer; the worker's
notices (live or not, who is in which slot, levels, quality, bitrate cap) come back as
events. Media failing never touches /live: a participant keeps text, hand and vote.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import socketio

from realtime.acks import error, refusal_of, relayed
from realtime.connection import meeting_id_of, principal_from_fields
from realtime.engine import LiveEngine
from realtime.machine.media import watchers_may_listen
from realtime.media.gateway import MediaGateway, MediaUnavailable
from realtime.media.ice import ice_servers
from realtime.namespace import LiveNamespace
from server import policy
from server.db.engine import Database
from server.domain.errors import DomainError
from server.domain.meetings import get_meeting

log = logging.getLogger("hsl.media")
NAMESPACE = "/media"
MAX_SDP_CHARS = 64_000
# A connection may (re)join this often: each join builds a peer connection on the worker.
JOIN_INTERVAL_S = 1.0
# Browsers report their own view of the connection every 2 s; more often is ignored.
REPORT_INTERVAL_S = 1.0


def media_room(meeting_id: int) -> str:
    return f"media:{meeting_id}"


class MediaNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Signalling for WebRTC media; the peer connections themselves live on a media worker."""

    def __init__(
        self, live: LiveNamespace, db: Database, engine: LiveEngine, gateway: MediaGateway
    ) -> None:
        super().__init__(NAMESPACE)
        self.live = live
        self.db = db
        self.engine = engine
        self.gateway = gateway

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        fields = await self.live.authenticate(environ, auth)
        await self.save_session(
            sid,
            {
                **fields,
                # A watcher's link is checked again at each join: it may have gone off.
                "watch": auth["watch"] if fields.get("watch_meeting_id") is not None else None,
                "meeting_id": None,
                "joined_at": 0.0,
            },
        )

    async def on_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        meeting_id = meeting_id_of(data)
        if isinstance(meeting_id, dict):
            return meeting_id
        kind = data.get("kind", "person")
        if kind not in ("person", "room", "listen"):
            return error("invalid", "kind 应为 person、room 或 listen")
        session_data = await self.get_session(sid)
        if time.monotonic() - session_data["joined_at"] < JOIN_INTERVAL_S:
            return error("rate_limited", "操作过于频繁，请稍后再试")
        session_data["joined_at"] = time.monotonic()
        if session_data.get("watch_meeting_id") is not None or kind == "listen":
            return await self._listen(sid, session_data, meeting_id)
        action = "media.room" if kind == "room" else "media.join"
        async with self.db.session() as session:
            try:
                principal = await principal_from_fields(self.db, session_data)
                meeting = await get_meeting(session, meeting_id)
                target = policy.Target(meeting=meeting)
                await policy.authorize(session, principal, action, target)
            except DomainError as exc:
                return refusal_of(exc)
            role = await policy.meeting_role(session, principal, meeting)
            participant = await policy.meeting_participant(session, principal, meeting)
        await self._leave(sid, session_data)
        try:
            link = await self.gateway.link_for(meeting_id)
            media_policy = await self.gateway.policy_for(meeting_id)
        except LookupError:
            return error("conflict", "会议尚未开始实时进程，请先进入会议")
        except MediaUnavailable as exc:
            return error("unavailable", str(exc))
        servers = ice_servers(self.gateway.settings, label=f"m{meeting_id}")
        participant_id = None if kind == "room" or participant is None else str(participant.id)
        name = "会场" if kind == "room" else principal.name
        try:
            reply = await link.request(
                "join",
                peer_id=sid,
                meeting_id=meeting_id,
                participant_id=participant_id,
                kind=kind,
                name=name,
                role=role,
                policy=media_policy,
                ice_servers=servers,
            )
        except MediaUnavailable as exc:
            return error("unavailable", str(exc))
        if not reply.get("ok"):
            return relayed(reply)
        session_data.update(meeting_id=meeting_id, participant_id=participant_id, kind=kind)
        await self.save_session(sid, session_data)
        await self.enter_room(sid, media_room(meeting_id))
        return {
            "ok": True,
            "peer_id": sid,
            "kind": kind,
            "participant_id": participant_id,
            "role": role,
            "ice_servers": servers,
        }

    async def _listen(
        self, sid: str, session_data: dict[str, Any], meeting_id: int
    ) -> dict[str, Any]:
        """A public observer hears the meeting: receive-only, never listed, never announced.

        Needs the watch link (still on, for this meeting; `media.listen`) and the moderator's
        consent, which the live machine keeps (`watchers_may_listen`); the worker checks the
        consent again against its newest policy and cuts listeners off when it goes.
        """
        token = session_data.get("watch")
        if token is None:
            return error("forbidden", "只有旁听链接可以收听会场声音；参会人请加入音视频")
        still = await self.live.watching(token)
        facts = policy.Facts(watching=still == meeting_id == session_data["watch_meeting_id"])
        listen = policy.permission("media.listen")
        if not policy.decide(listen, facts):
            return error("forbidden", policy.refusal_message(listen))
        try:
            state, _ = await self.engine.view(meeting_id)
        except LookupError:
            return error("conflict", "会议尚未开始，开始后即可收听")
        if not watchers_may_listen(state):
            return error("forbidden", "主持人没有开放旁听收听；开放后此处会出现收听按钮")
        await self._leave(sid, session_data)
        servers = ice_servers(self.gateway.settings, label=f"m{meeting_id}")
        try:
            link = await self.gateway.link_for(meeting_id)
            media_policy = await self.gateway.policy_for(meeting_id)
            reply = await link.request(
                "join",
                peer_id=sid,
                meeting_id=meeting_id,
                participant_id=None,
                kind="watcher",
                name="",
                role="watcher",
                policy=media_policy,
                ice_servers=servers,
            )
        except LookupError:
            return error("conflict", "会议尚未开始，开始后即可收听")
        except MediaUnavailable as exc:
            return error("unavailable", str(exc))
        if not reply.get("ok"):
            return relayed(reply)
        # Not in the meeting's media room: levels and the like are for participants.
        session_data.update(meeting_id=meeting_id, participant_id=None, kind="listen")
        await self.save_session(sid, session_data)
        return {
            "ok": True,
            "peer_id": sid,
            "kind": "listen",
            "participant_id": None,
            "role": "watcher",
            "ice_servers": servers,
        }

    async def on_offer(self, sid: str, data: Any = None) -> dict[str, Any]:
        session_data = await self.get_session(sid)
        meeting_id = session_data.get("meeting_id")
        if meeting_id is None:
            return error("conflict", "请先加入音视频（join）")
        if not isinstance(data, dict) or data.get("type") != "offer":
            return error("invalid", "offer 应为 {type: 'offer', sdp}")
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not 0 < len(sdp) <= MAX_SDP_CHARS:
            return error("invalid", "sdp 缺失或过长")
        try:
            link = await self.gateway.link_for(meeting_id)
            reply = await link.request("offer", peer_id=sid, sdp=sdp)
        except MediaUnavailable as exc:
            return error("unavailable", str(exc))
        if not reply.get("ok"):
            return relayed(reply)
        return {"ok": True, "type": reply["type"], "sdp": reply["sdp"]}

    async def on_report(self, sid: str, data: Any = None) -> None:
        """The browser's own view of its connection (from getStats), for the moderator."""
        session_data = await self.get_session(sid)
        meeting_id = session_data.get("meeting_id")
        if meeting_id is None or not isinstance(data, dict):
            return
        now = time.monotonic()
        if now - session_data.get("reported_at", 0.0) < REPORT_INTERVAL_S:
            return
        session_data["reported_at"] = now
        await self.save_session(sid, session_data)
        report = {
            k: v
            for k, v in data.items()
            if k in ("rtt_ms", "loss_pct", "inbound_kbps", "outbound_kbps", "jitter_ms")
            and isinstance(v, int | float)
            and not isinstance(v, bool)
        }
        try:
            link = await self.gateway.link_for(meeting_id)
            await link.request("report", peer_id=sid, report=report)
        except MediaUnavailable:
            pass

    async def on_leave(self, sid: str, data: Any = None) -> dict[str, Any]:
        session_data = await self.get_session(sid)
        await self._leave(sid, session_data)
        await self.save_session(sid, session_data)
        return {"ok": True}

    async def _leave(self, sid: str, session_data: dict[str, Any]) -> None:
        meeting_id = session_data.get("meeting_id")
        if meeting_id is None:
            return
        session_data["meeting_id"] = None
        await self.leave_room(sid, media_room(meeting_id))
        try:
            link = await self.gateway.link_for(meeting_id)
            await link.request("leave", peer_id=sid)
        except MediaUnavailable:
            pass

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        try:
            session_data = await self.get_session(sid)
        except KeyError:
            return
        await self._leave(sid, session_data)

    async def deliver(self, message: dict[str, Any]) -> None:
        """A worker's notice: to one peer's socket, or to everyone in a meeting's media."""
        event, data = message.get("event"), message.get("data")
        if not isinstance(event, str):
            return
        if "to" in message:
            await self.emit(event, data, to=message["to"])
        elif "meeting_id" in message:
            await self.emit(event, data, room=media_room(int(message["meeting_id"])))
