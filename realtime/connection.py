"""What /live and /media share about a connection: who it is and which meeting it names.

The principal is kept in the Socket.IO session as plain ids and rebuilt when needed.
"""

from __future__ import annotations

from typing import Any

from realtime.acks import error
from server.auth import Principal
from server.db.engine import Database
from server.db.models import MAX_ID, Person
from server.domain.errors import Unauthorized


def principal_fields(principal: Principal) -> dict[str, Any]:
    """The principal as the plain values a Socket.IO session can hold."""
    return {
        "person_id": principal.person.id if principal.person else None,
        "guest_participant_id": principal.guest_participant_id,
        "guest_meeting_id": principal.guest_meeting_id,
        "guest_name": principal.guest_name,
        "watch_meeting_id": principal.watch_meeting_id,
    }


async def principal_from_fields(db: Database, fields: dict[str, Any]) -> Principal:
    """The principal again, with the person read fresh (their grants may have changed).
    An account deactivated or deleted since the connection was made is refused."""
    async with db.session() as session:
        person = None
        if fields["person_id"] is not None:
            person = await session.get(Person, fields["person_id"])
            if person is None or not person.active:
                raise Unauthorized("该账号已停用，请联系会议工作人员")
        return Principal(
            person=person,
            guest_participant_id=fields["guest_participant_id"],
            guest_meeting_id=fields["guest_meeting_id"],
            guest_name=fields["guest_name"],
            watch_meeting_id=fields.get("watch_meeting_id"),
        )


def meeting_id_of(data: Any) -> int | dict[str, Any]:
    """The meeting id a `join` names, or the refusal to answer with."""
    raw = data.get("meeting_id") if isinstance(data, dict) else None
    # A boolean is an int to Python, and `true` must not mean meeting 1.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return error("invalid", "join 需要 meeting_id（会议编号）")
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return error("invalid", "meeting_id 应为会议编号")
    meeting_id = int(raw)
    if not 1 <= meeting_id <= MAX_ID:
        return error("not_found", "没有这个会议，请检查会议编号")
    return meeting_id
