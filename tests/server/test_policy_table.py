"""The policy's table is the one description of who may do what; the docs show it as it is."""

from __future__ import annotations

from pathlib import Path

from server import policy
from server.http.routes import ENDPOINTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_docs_show_the_policy_table_as_it_is() -> None:
    assert policy.table_markdown() in DOC.read_text(encoding="utf-8")


def test_every_endpoint_names_a_permission_of_the_policy() -> None:
    for endpoint in ENDPOINTS:
        assert endpoint.permission in policy.PERMISSIONS, endpoint.path


def test_an_admin_grant_covers_every_role_and_guests_hold_none() -> None:
    admin = policy.Facts(identified=True, signed_in=True, grants=frozenset(policy.ROLES))
    guest = policy.Facts(identified=True, meeting_role="participant")
    for p in policy.PERMISSIONS.values():
        if p.grants:
            assert policy.decide(p, admin), p.name
        if not (p.anyone or p.meeting_roles & {"participant"}):
            assert not policy.decide(p, guest), p.name
