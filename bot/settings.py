"""Settings from the environment and an optional ``.env`` file.

Every value has exactly the name the operator sets. A missing or invalid value is reported as
one line that names the variable (see :func:`load_settings`), never as a traceback.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_PUBLIC_API = "https://api.telegram.org"
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=True,
        extra="ignore",
    )

    BOT_TOKEN: SecretStr | None = None
    TELEGRAM_API_URL: str = TELEGRAM_PUBLIC_API
    DATA_DIR: Path = Path("./data")
    DATABASE_URL: str = ""
    SUPERVISOR_IDS: Annotated[list[int], NoDecode] = Field(default_factory=list)
    TIMEZONE: str = "Europe/Moscow"
    REMINDER_TIME: str = "09:00"
    DEFAULT_LOCALE: Literal["ru", "en"] = "ru"
    # Production (all optional): Redis for conversation state, webhook mode, limits, retention.
    REDIS_URL: str | None = None
    WEBHOOK_URL: str | None = None
    WEBHOOK_HOST: str = "0.0.0.0"
    WEBHOOK_PORT: int = Field(default=8080, ge=1, le=65535)
    WEBHOOK_SECRET: SecretStr | None = None
    MAX_CONCURRENT_UPDATES: int = Field(default=100, ge=1, le=10_000)
    USER_UPDATES_PER_MINUTE: int = Field(default=60, ge=1, le=10_000)
    EVIDENCE_RETENTION_DAYS: int = Field(default=0, ge=0)
    # Evidence downloads: seconds before each retry, comma-separated; given up after the last.
    EVIDENCE_RETRY_SECONDS: str = Field(
        default="30,120,600,1800,7200,21600", pattern=r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$"
    )

    @field_validator("BOT_TOKEN", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not _TOKEN_RE.match(value.strip()):
            # The message never echoes the value: it is a secret.
            raise ValueError("config-bad-token")
        return value.strip()

    @field_validator("TELEGRAM_API_URL")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("config-bad-url")
        return value

    @field_validator("REDIS_URL", "WEBHOOK_URL", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^rediss?://", value):
            raise ValueError("config-bad-redis")
        return value

    @field_validator("WEBHOOK_URL")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^\s/]+", value):
            raise ValueError("config-bad-webhook")
        return value

    @field_validator("WEBHOOK_SECRET", mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("config-bad-secret")
        return value

    @field_validator("SUPERVISOR_IDS", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            ids = []
            for part in parts:
                if not re.fullmatch(r"-?\d+", part):
                    raise ValueError("config-bad-ids")
                ids.append(int(part))
            return ids
        return value

    @field_validator("TIMEZONE")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("config-bad-timezone") from exc
        return value

    @field_validator("REMINDER_TIME")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME_RE.match(value.strip()):
            raise ValueError("config-bad-time")
        return value.strip()

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.WEBHOOK_URL and self.WEBHOOK_SECRET is None:
            raise ValueError("WEBHOOK_SECRET: config-webhook-needs-secret")
        return self

    @model_validator(mode="after")
    def _database_url(self) -> Settings:
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite+aiosqlite:///{(self.DATA_DIR / 'roadmap.db').as_posix()}"
        elif "://" not in self.DATABASE_URL:
            raise ValueError("DATABASE_URL: config-bad-database-url")
        return self

    @property
    def reminder_time(self) -> time:
        hours, minutes = self.REMINDER_TIME.split(":")
        return time(int(hours), int(minutes))

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def evidence_retry_delays(self) -> tuple[float, ...]:
        return tuple(float(part) for part in self.EVIDENCE_RETRY_SECONDS.split(","))

    @property
    def evidence_dir(self) -> Path:
        return self.DATA_DIR / "evidence"

    def require_token(self) -> str:
        if self.BOT_TOKEN is None:
            raise SettingsError("BOT_TOKEN", "config-missing-token")
        return self.BOT_TOKEN.get_secret_value()


class SettingsError(Exception):
    """A configuration problem: the variable and a message key from ``locales/``.

    ``detail`` carries the validator's own words when no key applies (an unexpected type).
    """

    def __init__(self, variable: str, key: str, detail: str = "") -> None:
        super().__init__(f"{variable}: {key} {detail}".strip())
        self.variable = variable
        self.key = key
        self.detail = detail


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise :class:`SettingsError` naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error.get("loc") or ()
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        variable = str(loc[0]) if loc else _variable_from_message(message)
        message = message.removeprefix(f"{variable}: ")
        if message.startswith("config-"):
            raise SettingsError(variable, message) from None
        if error.get("type") == "literal_error" and variable == "DEFAULT_LOCALE":
            raise SettingsError(variable, "config-bad-locale") from None
        raise SettingsError(variable, "config-invalid", message) from None


def _variable_from_message(message: str) -> str:
    match = re.search(r"\b([A-Z][A-Z_]+):", message)
    return match.group(1) if match else "settings"
