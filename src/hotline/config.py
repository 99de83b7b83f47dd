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

from hotline.i18n import LOCALES
from hotline.keytext import BadKey, new_key, parse_key


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
    # Password policy: shortest password accepted (common ones and the username are always refused).
    password_min_length: int = Field(default=10, ge=8, le=128)
    # Minutes without activity after which a browser session ends (a warning comes first).
    idle_minutes: float = Field(default=30, gt=0, le=24 * 60)
    # Supervisors and administrators must use two-step login (TOTP); they are asked to set it up at login.
    require_totp: bool = False
    # One JSON object per log line (time, level, request id, route, status, duration, user id).
    json_logs: bool = True
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
    # Finalised calls older than this are de-identified by `hotline retention run --apply`.
    retention_years: int = Field(default=3, ge=1, le=100)
    # Roster: a swap both counsellors agreed to waits for a coordinator's approval before the roster changes.
    roster_swaps_need_approval: bool = True
    # A rule file to use instead of the one shipped with the package (see docs/triage.md).
    rules_file: Path | None = None
    # Field encryption (docs/security-and-privacy.md): keys newest first, comma-separated, or one per
    # line in the key file; a separate key hashes caller numbers. serve refuses to start without them.
    encryption_keys: str | None = None
    encryption_key_file: Path = Path(".hotline-keys")
    caller_hash_key: str | None = Field(default=None, min_length=32)
    caller_hash_key_file: Path = Path(".hotline-caller-key")
    # Keep a caller's number (sealed) beside its hash, for lines that call callers back.
    keep_callback_numbers: bool = False
    # A search for words opens at most this many calls' notes (newest first, after the other filters).
    search_scan_limit: int = Field(default=5_000, ge=100, le=1_000_000)
    # Database connections each worker process keeps (pool_size) and may add under a burst (max_overflow);
    # a request that waits pool_timeout seconds for one gets a 503 asking to try again.
    pool_size: int = Field(default=10, ge=1, le=500)
    pool_max_overflow: int = Field(default=10, ge=0, le=500)
    pool_timeout: float = Field(default=10.0, gt=0, le=300)
    # Test each connection with a round trip before lending it out. Off: it doubles the round trips of
    # a short request. After a database restart the first request on a dead connection gets the 503
    # (the autosave retries) and the whole pool is renewed. On, for a network that drops idle connections.
    pool_pre_ping: bool = False
    # Requests one worker takes on at once (live-update streams, health checks and static files not counted).
    # The next is answered at once with a 503 and Retry-After, which the call screen and API clients retry,
    # rather than queued behind work that would take longer than anyone waits (issue #22).
    max_in_flight: int = Field(default=100, ge=1, le=10_000)
    # A request that waited this long for a worker thread is refused when its turn comes (503, Retry-After)
    # instead of being done for a client that has likely given up: the count above bounds how many wait,
    # this bounds how long (0: no bound). Refused before any of its work, so the retry costs little.
    max_queue_wait_ms: int = Field(default=1000, ge=0, le=600_000)
    # The hot paths (autosave, the queue's poll) remember a session's user and roles this long per worker
    # process instead of reading them on every request (accounts/logins.py). A change made through this
    # process is seen at once; one made through another worker, after at most this long. 0: always read.
    login_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # A live-update stream ends after this long and the browser opens a new one: the login is checked
    # again, and reconnecting browsers spread over the workers.
    live_stream_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)
    # Alerts (docs/alerts.md): the console's address as people open it, for the link in an alert; each
    # worker's background task sends the outbox and takes escalation steps this often.
    public_url: str = ""
    alerts_worker: bool = True
    alerts_poll_seconds: float = Field(default=2.0, gt=0, le=60)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http://), e.g. https://hotline.example.org")
        return value

    @field_validator("follow_up_days_high", "follow_up_days_moderate")
    @classmethod
    def _day_list(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdecimal() and 0 < int(part) <= 3650 for part in parts):
            raise ValueError("must be whole days between 1 and 3650, separated by commas, e.g. 1,7,30")
        return ",".join(parts)

    @field_validator("rules_file")
    @classmethod
    def _rules_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _well_formed_keys(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        try:
            for part in parts:
                parse_key(part)
        except BadKey as error:
            raise ValueError(str(error)) from None
        return ",".join(parts) or None

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
                "pool_timeout": self.pool_timeout, "pool_pre_ping": self.pool_pre_ping}

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


    def key_material(self, *, create: bool = False) -> tuple[list[str], str, list[Path]]:
        """The encryption keys (newest first) and the caller-hash key, as text, and the key files made.
        With `create` (demo only) missing key files are made, mode 0600; encryption/keys.py builds the ring.

        Raises SettingsError naming the variable when a key is missing.
        """
        made: list[Path] = []
        if self.encryption_keys:
            keys = self.encryption_keys.split(",")
        else:
            path = self.encryption_key_file
            if not path.exists() and create:
                _write_secret(path, f"# newest key first, one per line\n{new_key()}\n")
                made.append(path)
            if not path.exists():
                raise SettingsError(
                    "HOTLINE_ENCRYPTION_KEYS: not set, and there is no key file "
                    f"{path} (HOTLINE_ENCRYPTION_KEY_FILE); make a key with `hotline keys new`")
            keys = [line.strip() for line in path.read_text().splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
            if not keys:
                raise SettingsError(f"HOTLINE_ENCRYPTION_KEY_FILE: {path} holds no key")
        hash_key = self.caller_hash_key
        if not hash_key:
            path = self.caller_hash_key_file
            if not path.exists() and create:
                _write_secret(path, secrets.token_urlsafe(48) + "\n")
                made.append(path)
            if not path.exists():
                raise SettingsError(
                    "HOTLINE_CALLER_HASH_KEY: not set, and there is no key file "
                    f"{path} (HOTLINE_CALLER_HASH_KEY_FILE); make one with `hotline keys new`")
            hash_key = path.read_text().strip()
            if len(hash_key) < 32:
                raise SettingsError(f"HOTLINE_CALLER_HASH_KEY_FILE: {path} holds fewer than 32 characters")
        return keys, hash_key, made


def _write_secret(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def load_settings(**overrides) -> Settings:
    """Build settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "HOTLINE_" + str(first["loc"][0]).upper() if first["loc"] else "HOTLINE_*"
        raise SettingsError(f"{name}: {first['msg']}") from None
