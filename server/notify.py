"""Delivery of notices outside the product: e-mail over SMTP when configured, and SMS through
an adapter chosen by a setting (`log` writes the message to the server log).

Sending never raises to the caller: a failure is logged and reported as not delivered.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import anyio

from server.settings import Settings

log = logging.getLogger("hsl.notify")
SMTP_TIMEOUT_S = 15


@dataclass(frozen=True)
class Notice:
    """One message to one person, by whatever channels they can be reached on."""

    name: str
    email: str | None
    phone: str | None
    subject: str
    text: str


class SmsSender(Protocol):
    """What an SMS gateway adapter offers: send one text to one phone number."""

    def send(self, phone: str, text: str) -> bool: ...


class LogSms:
    """An SMS 'gateway' that writes each message to the server log (for trials and tests)."""

    def send(self, phone: str, text: str) -> bool:
        log.info("SMS to %s: %s", phone, text)
        return True


def sms_sender(settings: Settings) -> SmsSender | None:
    """The SMS adapter the settings choose, or None when SMS is off."""
    return LogSms() if settings.sms_backend == "log" else None


def _send_email(settings: Settings, notice: Notice) -> None:
    assert notice.email
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = notice.email
    message["Subject"] = notice.subject
    message.set_content(notice.text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


async def deliver(settings: Settings, notice: Notice) -> list[str]:
    """Send the notice by e-mail and SMS where possible; the channels that took it."""
    channels: list[str] = []
    if settings.smtp_host and notice.email:
        try:
            await anyio.to_thread.run_sync(_send_email, settings, notice)
            channels.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("invitation e-mail to %s failed: %s", notice.email, exc)
    sms = sms_sender(settings)
    if (
        sms is not None
        and notice.phone
        and await anyio.to_thread.run_sync(
            sms.send, notice.phone, f"{notice.subject}：{notice.text}"
        )
    ):
        channels.append("sms")
    return channels
