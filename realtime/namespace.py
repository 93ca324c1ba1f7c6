"""The /live Socket.IO namespace: who is connecting, joining a meeting, sending commands.

A connection needs a login token, the session cookie, or a guest invite. Each command goes
through the same pipeline (see realtime/engine.py); refusals come back in the ack.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import socketio

from realtime.acks import error, refusal_of
from realtime.ballot_box import BallotBox
from realtime.ballot_keys import BallotKeys
from realtime.broadcast import Broadcaster
from realtime.connection import meeting_id_of, principal_fields, principal_from_fields
from realtime.engine import MAX_COMMAND_BYTES, LiveEngine, setup_from_meeting
from realtime.meeting import SYSTEM, Actor, Command
from realtime.presence import PresenceKeeper
from realtime.shared_reads import SharedReads
from realtime.views import Snapshots
from server import policy
from server.auth import (
    Credentials,
    Principal,
    cookie_from_header,
    principal_from_watch,
    resolve,
)
from server.db.changes import generation
from server.db.engine import Database
from server.db.models import MAX_ID, MeetingParticipant
from server.domain.errors import DomainError
from server.domain.meetings import get_meeting, list_roster
from server.domain.suggestions import submit_from_live
from server.policy import Target, meeting_participant, meeting_role
from server.settings import Settings

log = logging.getLogger("hsl.live")
NAMESPACE = "/live"
# How long a caller's look-up, or their role in a meeting, once decided serves their further
# connections and joins on this worker while nothing it was read from has changed here
# (realtime.shared_reads, server.db.changes).
KEEP_S = 5.0
WATCHERS_ONLY_WATCH = "旁听只能观看会议，不能发送指令；如需参会，请联系会议工作人员"


def _refused(message: str) -> Exception:
    # The client sees {"message": ..., "data": {"code": "unauthorized"}} in connect_error.
    error: Exception = socketio.exceptions.ConnectionRefusedError(message, {"code": "unauthorized"})
    return error


class LiveNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Authenticates connections, joins them to meetings and runs their commands."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        engine: LiveEngine,
        broadcaster: Broadcaster,
        presence: PresenceKeeper,
        ballot_keys: BallotKeys,
    ) -> None:
        super().__init__(NAMESPACE)
        self.settings = settings
        self.db = db
        self.engine = engine
        self.broadcaster = broadcaster
        self.presence = presence
        self.ballots = BallotBox(db, engine, broadcaster, ballot_keys)
        self.snapshots = Snapshots()
        self._watch_links: SharedReads[str, int | None] = SharedReads(KEEP_S, generation)
        self._callers: SharedReads[tuple[str | None, ...], dict[str, Any] | None] = SharedReads(
            KEEP_S, generation
        )
        self._actors: SharedReads[tuple[Any, ...], Actor] = SharedReads(KEEP_S, generation)

    # --- connecting -----------------------------------------------------------------------

    async def authenticate(self, environ: dict[str, Any], auth: Any) -> dict[str, Any]:
        """The connection's caller (as session fields), found as for HTTP
        (server.auth.resolve), or a refusal. Connections presenting the same credentials at
        the same moment share one look-up."""
        auth = auth if isinstance(auth, dict) else {}

        def text(value: Any) -> str | None:
            return value if isinstance(value, str) and value else None

        credentials = Credentials(
            token=text(auth.get("token")),
            invite=text(auth.get("invite")),
            cookie=cookie_from_header(environ.get("HTTP_COOKIE")),
            watch=text(auth.get("watch")),
        )
        key = (credentials.token, credentials.invite, credentials.cookie, credentials.watch)
        fields = await self._callers.read(key, lambda: self._resolve(credentials))
        if fields is None:
            raise _refused("请先登录或使用邀请链接")
        return fields

    async def _resolve(self, credentials: Credentials) -> dict[str, Any] | None:
        async with self.db.session() as session:
            try:
                principal, _ = await resolve(session, self.settings.signing_key(), credentials)
            except DomainError as exc:
                raise _refused(exc.message) from None
        return None if principal is None else principal_fields(principal)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        fields = await self.authenticate(environ, auth)
        await self.save_session(
            sid,
            {
                **fields,
                # A watcher's link is checked again at each join: it may have gone off.
                "watch": auth["watch"] if fields.get("watch_meeting_id") is not None else None,
                "meeting_id": None,
                "bucket": [float(self.settings.live_command_burst), time.monotonic()],
            },
        )

    # --- joining --------------------------------------------------------------------------

    async def on_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        meeting_id = meeting_id_of(data)
        if isinstance(meeting_id, dict):
            return meeting_id
        since = data.get("since_seq")
        if since is not None and (
            not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= MAX_ID
        ):
            return error("invalid", "since_seq 应为不小于 0 的整数")
        session_data = await self.get_session(sid)
        if session_data.get("watch_meeting_id") is not None:
            return await self._watch(sid, session_data, meeting_id)
        try:
            actor = await self._actor_of(session_data, meeting_id)
        except DomainError as exc:
            return refusal_of(exc)
        await self.engine.ensure_live(meeting_id, lambda: self._setup(meeting_id))
        previous = session_data.get("meeting_id")
        if previous is not None and previous != meeting_id:
            await self._leave(sid, session_data)
        already_here = previous == meeting_id
        session_data.update(
            meeting_id=meeting_id,
            participant_id=actor.participant_id,
            role=actor.role,
            category=actor.category,
        )
        await self.save_session(sid, session_data)
        await self.broadcaster.enter(sid, meeting_id, editor=actor.role in ("moderator", "staff"))
        if actor.participant_id is not None and not already_here:
            await self._arrive(meeting_id, actor)
        reply = await self._catch_up_reply(meeting_id, since)
        if "snapshot" in reply and actor.participant_id is not None:
            # Their own arrival is told to everyone at the next presence update; they are
            # here already, so their own snapshot says so.
            reply["snapshot"] = _shown_online(reply["snapshot"], actor.participant_id)
        reply.update(participant_id=actor.participant_id, role=actor.role)
        return reply

    async def _watch(
        self, sid: str, session_data: dict[str, Any], meeting_id: int
    ) -> dict[str, Any]:
        """A public observer joins: the public view, counted, and nobody is told."""
        token = session_data["watch"]
        still = await self.watching(token)
        facts = policy.Facts(watching=still == meeting_id == session_data["watch_meeting_id"])
        if not policy.decide(policy.permission("live.watch"), facts):
            return error("forbidden", policy.refusal_message(policy.permission("live.watch")))
        await self.engine.ensure_live(meeting_id, lambda: self._setup(meeting_id))
        if session_data.get("meeting_id") is None:
            session_data.update(meeting_id=meeting_id, participant_id=None, role="watcher")
            await self.save_session(sid, session_data)
            await self.broadcaster.enter(sid, meeting_id, watcher=True)
            await self.presence.watch(meeting_id)
        state, seq = await self.engine.view(meeting_id)
        view, now = self.snapshots.of(meeting_id, state, seq, public=True)
        tallies = await self.ballots.tallies(meeting_id, state)
        return {
            "ok": True,
            "seq": seq,
            "snapshot": view,
            "tallies": tallies,
            "server_time": now,
            "participant_id": None,
            "role": "watcher",
        }

    async def watching(self, token: str) -> int | None:
        """The meeting a watch link shows now, or None when it is off (shared reads: a
        crowd of watchers joining at once costs one look-up)."""
        return await self._watch_links.read(token, lambda: self._watched_by(token))

    async def _watched_by(self, token: str) -> int | None:
        """The meeting a watch link shows now, or None when it is off."""
        async with self.db.session() as session:
            try:
                return (await principal_from_watch(session, token)).watch_meeting_id
            except DomainError:
                return None

    async def _catch_up_reply(self, meeting_id: int, since: int | None) -> dict[str, Any]:
        state, seq = await self.engine.view(meeting_id)
        # Tallies are not events: whoever (re)joins gets the running count of open polls.
        tallies = await self.ballots.tallies(meeting_id, state)
        if since is not None:
            events = await self.engine.events_since(meeting_id, since)
            if events is not None:
                seq = events[-1]["seq"] if events else since
                return {
                    "ok": True,
                    "seq": seq,
                    "events": events,
                    "tallies": tallies,
                    "server_time": time.time(),
                }
        view, now = self.snapshots.of(meeting_id, state, seq)
        return {"ok": True, "seq": seq, "snapshot": view, "tallies": tallies, "server_time": now}

    async def _actor_of(self, session_data: dict[str, Any], meeting_id: int) -> Actor:
        """Who the connection's caller is in the meeting, if the policy lets them join it.

        Decided afresh at most every `KEEP_S` per caller and meeting, and at once after a
        change here to what it is read from: a crowd of one person's connections (or a
        reconnecting room) costs the database one decision, and a connection keeps the role
        it joined with anyway.
        """
        key = (
            session_data["person_id"],
            session_data["guest_participant_id"],
            session_data["guest_meeting_id"],
            meeting_id,
        )

        async def decide() -> Actor:
            principal = await principal_from_fields(self.db, session_data)
            return await self._actor(principal, meeting_id)

        return await self._actors.read(key, decide)

    async def _actor(self, principal: Principal, meeting_id: int) -> Actor:
        """Who the principal is in the meeting, if the policy lets them join it."""
        async with self.db.session() as session:
            meeting = await get_meeting(session, meeting_id)
            await policy.authorize(session, principal, "live.join", Target(meeting=meeting))
            role = await meeting_role(session, principal, meeting)
            assert role is not None  # live.join is for the meeting's roles only
            participant = await meeting_participant(session, principal, meeting)
            return Actor(
                participant_id=str(participant.id) if participant else None,
                role=role,
                category=participant.category if participant else None,  # type: ignore[arg-type]
            )

    async def _setup(self, meeting_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            meeting = await get_meeting(session, meeting_id)
            roster = await list_roster(session, meeting.id)
            return setup_from_meeting(meeting, [_roster_entry(p) for p in roster])

    async def _arrive(self, meeting_id: int, actor: Actor) -> None:
        """Add a late roster entry to the live meeting, then count the connection."""
        assert actor.participant_id is not None
        cached = self.engine.cached(meeting_id)
        known = cached is not None and actor.participant_id in cached[0].participants
        if (
            not known
            and actor.participant_id not in (await self.engine.view(meeting_id))[0].participants
        ):
            async with self.db.session() as session:
                row = await session.get(MeetingParticipant, int(actor.participant_id))
                assert row is not None
                entry = _roster_entry(row)
            entry.pop("is_moderator")
            await self._system(meeting_id, "participant.add", entry)
        # Only a participant's first connection is news, told with others' at the next update.
        await self.presence.arrive(meeting_id, actor.participant_id)

    async def _system(self, meeting_id: int, type_: str, data: dict[str, Any]) -> None:
        """A command the server itself sends on someone's behalf (presence, late roster)."""
        await self.engine.run(
            meeting_id, Command(type_, data), SYSTEM, sender="system", command_id=None
        )

    async def _leave(self, sid: str, session_data: dict[str, Any]) -> None:
        meeting_id = session_data.get("meeting_id")
        if meeting_id is None:
            return
        await self.broadcaster.leave(sid, meeting_id)
        if session_data.get("role") == "watcher":
            await self.presence.unwatch(meeting_id)
        participant_id = session_data.get("participant_id")
        if participant_id is not None:
            await self.presence.depart(meeting_id, participant_id)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        try:
            session_data = await self.get_session(sid)
        except KeyError:
            return
        await self._leave(sid, session_data)

    # --- commands -------------------------------------------------------------------------

    async def on_command(self, sid: str, data: Any = None) -> dict[str, Any]:
        session_data = await self.get_session(sid)
        if session_data.get("watch_meeting_id") is not None:
            return error(
                "forbidden", "旁听只能观看会议，不能发送指令；如需参会，请联系会议工作人员"
            )
        meeting_id = session_data.get("meeting_id")
        if meeting_id is None:
            return error("conflict", "请先加入会议（join）再发送指令")
        problem = _check_envelope(data)
        if problem:
            return error("invalid", problem)
        if not self._take_token(session_data):
            await self.save_session(sid, session_data)
            return error("rate_limited", "操作过于频繁，请稍后再试")
        await self.save_session(sid, session_data)
        actor = Actor(
            participant_id=session_data["participant_id"],
            role=session_data["role"],
            category=session_data["category"],
        )
        sender = _sender(session_data)
        if data["type"] == "suggestion.submit":
            return await self._suggest(meeting_id, actor, data)
        if data["type"] == "vote.cast":
            # Votes go to their own tables, not through the meeting's sequence.
            return await self.ballots.cast(
                meeting_id, actor, data.get("data") or {}, sender=sender, command_id=data["id"]
            )
        outcome = await self.engine.run(
            meeting_id,
            Command(data["type"], data.get("data") or {}),
            actor,
            sender=sender,
            command_id=data["id"],
        )
        return outcome.ack

    async def _suggest(self, meeting_id: int, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        """Suggestions go to their own table and theme board, not the meeting's sequence."""
        body = data.get("data") or {}
        if set(body) != {"text"} or not isinstance(body["text"], str):
            return error("invalid", "suggestion.submit 需要 {text}（文本）")
        if actor.participant_id is None:
            return error("forbidden", "只有参会人可以提交意见建议")
        try:
            result = await submit_from_live(
                self.db, meeting_id, int(actor.participant_id), body["text"], data["id"]
            )
        except DomainError as exc:
            return refusal_of(exc)
        notice = result.pop("broadcast", None)
        if notice is not None:
            await self.broadcaster.notify(meeting_id, notice)
        _, seq = await self.engine.view(meeting_id)
        return {"ok": True, "seq": seq, **result}

    def _take_token(self, session_data: dict[str, Any]) -> bool:
        tokens: float = session_data["bucket"][0]
        last: float = session_data["bucket"][1]
        now = time.monotonic()
        burst = float(self.settings.live_command_burst)
        tokens = min(burst, tokens + (now - last) * self.settings.live_commands_per_s)
        allowed = tokens >= 1.0
        session_data["bucket"] = [tokens - 1.0 if allowed else tokens, now]
        return allowed


def _shown_online(view: dict[str, Any], participant_id: str) -> dict[str, Any]:
    """The snapshot with the participant shown connected (a copy: snapshots are shared)."""
    people = view["participants"]
    if all(p["participant_id"] != participant_id or p["connected"] for p in people):
        return view
    online = {"connected": True, "connections": 1}
    return {
        **view,
        "participants": [
            {**p, **online} if p["participant_id"] == participant_id else p for p in people
        ],
    }


def _sender(session_data: dict[str, Any]) -> str:
    if session_data.get("person_id") is not None:
        return f"person:{session_data['person_id']}"
    return f"guest:{session_data['guest_participant_id']}"


def _check_envelope(data: Any) -> str | None:
    """A command is {id, type, data}; anything else is refused before the rules see it."""
    if not isinstance(data, dict):
        return "指令格式应为 {id, type, data}"
    extra = set(data) - {"id", "type", "data"}
    if extra:
        return f"指令含有不认识的字段：{', '.join(sorted(map(str, extra)))}"
    command_id, kind, body = data.get("id"), data.get("type"), data.get("data", {})
    if not isinstance(command_id, str) or not 1 <= len(command_id) <= 64:
        return "指令 id 应为 1–64 个字符的文本"
    if not isinstance(kind, str) or not 1 <= len(kind) <= 40:
        return "指令 type 应为文本"
    if body is not None and not isinstance(body, dict):
        return "指令 data 应为 JSON 对象"
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_COMMAND_BYTES:
        return "指令内容过大"
    return None


def _roster_entry(row: MeetingParticipant) -> dict[str, Any]:
    return {
        "participant_id": str(row.id),
        "name": row.display_name,
        "category": row.category,
        "is_moderator": row.role == "moderator",
    }
