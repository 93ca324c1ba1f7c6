"""A count, per process, of committed changes to what a credential or a role stands for.

The live layer keeps a caller's look-up (whose token, whose invite, which meeting a watch
link shows) and their role in a meeting for a few seconds, so that a crowd joining at once
costs the database one read and not one each. `generation()` moves on at every commit in
this process that changed one of the tables those answers are read from, and a kept answer
read before the move is not used again: a logout, a deactivation, a grant taken away or a
watch link turned off holds at once on the worker that made it, and on the other workers
once their kept answers lapse (a few seconds, realtime.shared_reads).

Changes are seen through the ORM's session events, so every change made with a session
counts, whichever module made it: objects added, changed or deleted, and UPDATE, DELETE or
INSERT statements run through a session. A new login (an inserted auth session) takes
nothing away from anyone and does not count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

# The tables a caller's identity, their grants, their place in a meeting and a meeting's
# watch link are read from.
WATCHED = frozenset(
    {
        "auth_sessions",
        "people",
        "role_grants",
        "invites",
        "meeting_participants",
        "meetings",
        "rooms",
        "org_units",
    }
)
_FLAG = "hsl_credentials_changed"
_generation = 0


def generation() -> int:
    """How many commits in this process have changed what a credential stands for."""
    return _generation


def _counts(table: str | None, *, inserted: bool) -> bool:
    return table in WATCHED and not (inserted and table == "auth_sessions")


def _table_of(instance: Any) -> str | None:
    table = getattr(type(instance), "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "before_flush")
def _seen_in_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    changed = (
        any(_counts(_table_of(o), inserted=True) for o in session.new)
        or any(_counts(_table_of(o), inserted=False) for o in session.deleted)
        or any(
            _counts(_table_of(o), inserted=False) and session.is_modified(o) for o in session.dirty
        )
    )
    if changed:
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _seen_in_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if _counts(table, inserted=state.is_insert):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _generation
    if session.info.pop(_FLAG, False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_FLAG, None)
