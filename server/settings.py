"""The one place that reads the environment: every HSL_* variable, its type and default.

`load_settings()` validates them at start and raises `SettingsError` with a readable message.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_DIR = Path(__file__).resolve().parent.parent
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message says which and why."""


class Settings(BaseSettings):
    """Configuration of one server process, read from HSL_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="HSL_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=REPO_DIR / "var", description="Where the SQLite file, secret key and uploads live."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...; "
        "empty means a SQLite file under HSL_DATA_DIR.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for Socket.IO fan-out across workers; unset means in-process.",
    )
    secret_key: str = Field(
        default="",
        description="Key that signs invite links; empty means one kept in HSL_DATA_DIR/secret_key.",
    )
    ballot_key_dir: Path | None = Field(
        default=None,
        description="Where open secret polls' keys are kept without Redis; unset: "
        "HSL_DATA_DIR/ballot-keys. Best on another disk than the database's.",
    )
    host: str = Field(default="127.0.0.1", description="Address `hsl serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `hsl serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")
    web_dist: Path = Field(
        default=REPO_DIR / "web" / "dist", description="The built browser app served at /."
    )
    session_ttl_s: int = Field(
        default=7 * 24 * 3600, ge=60, description="How long a login stays valid, in seconds."
    )
    invite_ttl_s: int = Field(
        default=14 * 24 * 3600, ge=60, description="Default lifetime of a guest invite link."
    )
    reset_link_ttl_s: int = Field(
        default=24 * 3600,
        ge=300,
        description="How long a password reset link made by staff stays usable, in seconds.",
    )
    login_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        description="Failed logins allowed per username a minute (5x per address).",
    )
    live_commands_per_s: float = Field(
        default=10.0, gt=0, description="Live commands one connection may send a second, sustained."
    )
    live_command_burst: int = Field(
        default=20, ge=1, description="Live commands one connection may send at once in a burst."
    )
    presence_heartbeat_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="With Redis: how often a worker says it is alive and sweeps the "
        "connection counts of workers that died, in seconds.",
    )
    presence_ttl_s: float = Field(
        default=30.0,
        gt=0,
        le=900,
        description="With Redis: how long after its last heartbeat a worker counts as dead "
        "and its connections stop counting; more than HSL_PRESENCE_HEARTBEAT_S.",
    )
    cookie_secure: bool = Field(
        default=False, description="Mark cookies Secure (set true behind HTTPS)."
    )
    public_url: str = Field(
        default="", description="Base URL for links in invites and QR codes; empty: from request."
    )
    media_workers: int = Field(
        default=1,
        ge=0,
        le=16,
        description="Media worker processes the server starts for remote audio/video; 0: no media.",
    )
    media_addresses: str = Field(
        default="",
        description="host:port of media workers run as their own service, comma-separated; "
        "empty: the server starts HSL_MEDIA_WORKERS itself (single server process only).",
    )
    media_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="First port of the media workers the server starts; 0: any free port.",
    )
    media_ice_servers: list[dict[str, Any]] = Field(
        default_factory=list,
        description='STUN/TURN servers as JSON, e.g. [{"urls": ["stun:stun.example.cn:3478"]}]; '
        "given to browsers and to the media worker.",
    )
    media_turn_secret: str = Field(
        default="",
        description="coturn static-auth-secret: TURN entries without a username get "
        "time-limited credentials from it.",
    )
    media_turn_ttl_s: int = Field(
        default=12 * 3600, ge=60, description="Lifetime of the TURN credentials handed out."
    )
    media_ice_addresses: str = Field(
        default="",
        description="Local addresses the media worker offers for ICE, comma-separated; "
        "empty: every interface.",
    )
    media_recording: bool = Field(
        default=True, description="Record each meeting's audio (the mix of who was heard)."
    )
    media_recording_dir: Path | None = Field(
        default=None, description="Where recordings go; unset: HSL_DATA_DIR/recordings."
    )
    media_recording_keep_days: int = Field(
        default=180, ge=0, description="Days a recording is kept before it is deleted; 0: forever."
    )
    pdf_office: str = Field(
        default="soffice",
        description="LibreOffice program that makes the PDF downloads: a path or a name on PATH.",
    )
    pdf_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="Seconds one PDF conversion may take."
    )
    pdf_fontconfig: Path | None = Field(
        default=None,
        description="fontconfig file naming the fonts of the PDF export; "
        "unset: deploy/fonts/hsl-fonts.conf.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Server log level."
    )
    briefing_max_mb: int = Field(
        default=20, ge=1, le=200, description="Largest briefing document one may attach, in MB."
    )
    public_proposals_per_hour: int = Field(
        default=5,
        ge=1,
        le=10_000,
        description="Public proposals (and screening votes) one client address may send an hour.",
    )
    smtp_host: str = Field(
        default="", description="SMTP server for invitation e-mails; empty: no e-mail is sent."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str = Field(default="", description="SMTP login; empty: no login.")
    smtp_password: str = Field(default="", description="SMTP password for HSL_SMTP_USERNAME.")
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_from: str = Field(
        default="haoshangliang@localhost", description="Sender address of invitation e-mails."
    )
    sms_backend: Literal["none", "log"] = Field(
        default="none",
        description="How invitations go out by SMS: none, or log (written to the server log).",
    )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "无法解析数据库地址；示例：sqlite+aiosqlite:///./var/hsl.db 或 "
                "postgresql+asyncpg://user@127.0.0.1:5432/hsl"
            ) from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"不支持的数据库驱动 {url.drivername!r}；请使用 {' 或 '.join(SUPPORTED_DRIVERS)}"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("Redis 地址须以 redis://、rediss:// 或 unix:// 开头")
        return value

    @field_validator("media_ice_servers")
    @classmethod
    def _check_ice_servers(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for server in value:
            urls = server.get("urls")
            urls = [urls] if isinstance(urls, str) else urls
            if not urls or not all(
                isinstance(u, str) and u.startswith(("stun:", "turn:", "turns:")) for u in urls
            ):
                raise ValueError(
                    "每项须有 urls（stun:、turn: 或 turns: 开头），"
                    '例如 [{"urls": "stun:stun.example.cn"}]'
                )
        return value

    @model_validator(mode="after")
    def _check_presence(self) -> Settings:
        if self.presence_ttl_s <= self.presence_heartbeat_s:
            raise ValueError(
                "HSL_PRESENCE_TTL_S 须大于 HSL_PRESENCE_HEARTBEAT_S（建议为其三倍），"
                "否则活着的工作进程也会被当作已退出"
            )
        return self

    @property
    def recordings_dir(self) -> Path:
        return self.media_recording_dir or self.data_dir / "recordings"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'hsl.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def realtime_mode(self) -> Literal["memory", "redis"]:
        return "redis" if self.redis_url else "memory"

    def signing_key(self) -> str:
        """The key for signed links: HSL_SECRET_KEY, else one generated once per data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


def load_settings() -> Settings:
    """Read and validate the environment; a bad value becomes one readable SettingsError."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            if not err["loc"]:  # a rule across variables names them itself
                lines.append(message)
                continue
            name = "HSL_" + "_".join(str(part) for part in err["loc"]).upper()
            lines.append(f"{name}: {message}")
        raise SettingsError("配置错误 (configuration error):\n  " + "\n  ".join(lines)) from None
