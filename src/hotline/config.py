"""Settings read from the environment (prefix HOTLINE_), validated once at start-up."""

from __future__ import annotations

import os
import secrets
import stat
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCALES = ("zh_CN", "en")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    database_url: str = Field(default="sqlite:///hotline.sqlite3")
    secret_key: str | None = Field(default=None, min_length=32)
    secret_key_file: Path = Path(".hotline-secret")
    default_locale: str = "zh_CN"
    secure_cookies: bool = False
    timezone: str = "Asia/Shanghai"
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    # Failed logins tolerated per account and per address within the window.
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Referral queue: minutes to acknowledge by level, and follow-up days after closing.
    ack_minutes_imminent: int = Field(default=2, ge=1)
    ack_minutes_high: int = Field(default=15, ge=1)
    ack_minutes_moderate: int = Field(default=24 * 60, ge=1)
    follow_up_days_high: str = "1,7,30,90,365"
    follow_up_days_moderate: str = "7"
    # Wellbeing: high or imminent calls at which a counsellor is flagged for the coordinator.
    wellbeing_high_calls_per_shift: int = Field(default=2, ge=1)
    wellbeing_high_calls_per_week: int = Field(default=5, ge=1)
    # A rule file to use instead of the one shipped with the package (see README, "For supervisors").
    rules_file: Path | None = None
    # Database connections each worker process keeps (pool_size) and may add under a burst (max_overflow);
    # a request that waits pool_timeout seconds for one gets a 503 asking to try again.
    pool_size: int = Field(default=10, ge=1, le=500)
    pool_max_overflow: int = Field(default=10, ge=0, le=500)
    pool_timeout: float = Field(default=10.0, gt=0, le=300)
    # A live-update stream ends after this long and the browser opens a new one: the login is checked
    # again, and reconnecting browsers spread over the workers.
    live_stream_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("follow_up_days_high", "follow_up_days_moderate")
    @classmethod
    def _day_list(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() and 0 < int(part) <= 3650 for part in parts):
            raise ValueError("must be whole days between 1 and 3650, separated by commas, e.g. 1,7,30")
        return ",".join(parts)

    @field_validator("rules_file")
    @classmethod
    def _rules_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA timezone such as Asia/Shanghai") from exc
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def engine_options(self) -> dict:
        return {"pool_size": self.pool_size, "max_overflow": self.pool_max_overflow,
                "pool_timeout": self.pool_timeout}

    def resolved_secret_key(self) -> str:
        """The configured key, or one kept in a 0600 file that is made on first run."""
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_file
        if path.exists():
            key = path.read_text().strip()
            if len(key) < 32:
                raise SettingsError(f"HOTLINE_SECRET_KEY_FILE: {path} holds fewer than 32 characters")
            return key
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        return key


def load_settings(**overrides) -> Settings:
    """Build settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "HOTLINE_" + str(first["loc"][0]).upper() if first["loc"] else "HOTLINE_*"
        raise SettingsError(f"{name}: {first['msg']}") from None
