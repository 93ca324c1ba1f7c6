"""The guard of the public forms (no account): a rate limit per client address shared by all
workers, and a simple arithmetic challenge asked from an address's second submission on.

The first proposal from an address within the window needs no challenge, so a plain call as
CONTRACT.md describes it works; a flood meets the challenge, then the limit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models_topics import PublicSubmission
from server.domain.errors import Invalid, RateLimited

WINDOW = timedelta(hours=1)
CHALLENGE_MAX_AGE_S = 1800
_SALT = "hsl-public-challenge"


@dataclass(frozen=True)
class Challenge:
    token: str
    question: str


def make_challenge(key: str) -> Challenge:
    """An addition of two small numbers, signed so the answer needs no storage."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = URLSafeTimedSerializer(key, salt=_SALT).dumps({"s": a + b, "n": secrets.token_hex(4)})
    return Challenge(token=token, question=f"{a} 加 {b} 等于几？")


def _answered(key: str, token: str, answer: str) -> bool:
    try:
        data = URLSafeTimedSerializer(key, salt=_SALT).loads(token, max_age=CHALLENGE_MAX_AGE_S)
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(data, dict) and answer.strip() == str(data.get("s"))


async def admit(
    session: AsyncSession,
    *,
    form: str,
    client: str,
    limit: int,
    key: str,
    token: str | None,
    answer: str | None,
    challenge: bool = True,
    now: datetime | None = None,
) -> None:
    """Count this submission for the address and refuse it past `limit` an hour, or when the
    address sent something already and the challenge (when asked) is missing or wrong.
    Commits the count, so a refused try counts too."""
    now = now or datetime.now(UTC)
    since = now - WINDOW
    counted = f"{form}:{client}"
    earlier = await session.scalar(
        select(func.count())
        .select_from(PublicSubmission)
        .where(PublicSubmission.key == counted, PublicSubmission.at >= since)
    )
    await session.execute(delete(PublicSubmission).where(PublicSubmission.at < since))
    session.add(PublicSubmission(key=counted, at=now))
    await session.commit()
    if (earlier or 0) >= limit:
        raise RateLimited(f"提交过于频繁：同一网络一小时内最多提交 {limit} 次，请稍后再试")
    if (
        challenge
        and earlier
        and not (token and answer is not None and _answered(key, token, answer))
    ):
        raise Invalid("请先正确回答页面上的验证问题（算术题）再提交", field="challenge")
