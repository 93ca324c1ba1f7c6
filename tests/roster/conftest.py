"""A server that sends invitation e-mails to a local SMTP server started here, and a
meeting prepared by the demo's staff member in the demo room.

Nothing leaves 127.0.0.1: the SMTP server is aiosmtpd, its inbox a list in this process.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import bearer, login_token
from tests.support import ServerProcess, free_port


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture(scope="session")
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="session")
def mail_server(
    env: dict[str, str], demo: dict[str, Any], data_dir: Path, inbox: tuple[Inbox, int]
) -> Iterator[str]:
    """The app with SMTP pointed at the local inbox and SMS written to its log."""
    settings = {
        **env,
        "HSL_SMTP_HOST": "127.0.0.1",
        "HSL_SMTP_PORT": str(inbox[1]),
        "HSL_SMTP_FROM": "zhengxie@example.org",
        "HSL_SMS_BACKEND": "log",
        "HSL_LOG_LEVEL": "info",
    }
    proc = ServerProcess(settings, log=data_dir / "mail-server.log")
    yield proc.url
    proc.stop()


def briefing_docx(text: str) -> bytes:
    """A real Word document, written now, as an office would attach it."""
    document = docx.Document()
    document.add_heading("情况通报", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class Prepared:
    """A planned meeting in the demo room, with the demo staff member's headers."""

    url: str
    meeting_id: int
    staff: dict[str, str]
    admin: dict[str, str]


async def plan_meeting(url: str, demo: dict[str, Any], title: str) -> Prepared:
    staff = bearer(await login_token(url, demo["accounts"]["staff"]))
    admin = bearer(await login_token(url, demo["accounts"]["admin"]))
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        demo_meeting = (await http.get(f"/api/meetings/{demo['meeting_id']}", headers=staff)).json()
        body = {
            "room_id": demo_meeting["room_id"],
            "title": title,
            "topic_title": "农贸市场周边停车难",
            "starts_at": "2027-01-12T09:00:00+08:00",
            "place": "五星街道党群服务中心二楼",
            "mode": "hybrid",
            "agenda": [{"title": "停车难", "template": "typical"}],
            "speaking_rules": {
                "budgets_s": {"member": 900, "stakeholder": 900, "official": 600, "guest": 300}
            },
        }
        r = await http.post("/api/meetings", json=body, headers=staff)
        assert r.status_code == 201, r.text
        return Prepared(url, r.json()["id"], staff, admin)
