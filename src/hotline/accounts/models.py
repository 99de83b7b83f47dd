from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, Relationship, SQLModel

from hotline.database import UTCDateTime, utcnow
from hotline.encryption.columns import SealedText
from hotline.i18n import _l


class Role(StrEnum):
    counsellor = "counsellor"
    coordinator = "coordinator"
    supervisor = "supervisor"
    admin = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.counsellor: _l("Counsellor"),
    Role.coordinator: _l("Coordinator"),
    Role.supervisor: _l("Supervisor"),
    Role.admin: _l("Administrator"),
}


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    locale: str | None = Field(default=None, max_length=16)
    is_active: bool = Field(default=True)
    # Bumped on logout-everywhere, password change and disabling, so old cookies stop working.
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Two-step login (TOTP, RFC 6238). The secret waits in totp_pending_secret until a code confirms it.
    # Sealed like notes: with a copy of the database alone, no one can make a supervisor's codes.
    totp_secret: str | None = Field(default=None, sa_column=Column(SealedText("users.totp_secret")))
    totp_pending_secret: str | None = Field(default=None, sa_column=Column(SealedText("users.totp_pending_secret")))
    totp_last_step: int | None = Field(default=None)  # a code is good once: the last time step used

    role_links: list["UserRole"] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(link.role) for link in self.role_links)

    def has_any(self, *roles: Role) -> bool:
        return not roles or bool(self.roles.intersection(roles))

    @property
    def uses_totp(self) -> bool:
        return self.totp_secret is not None


class UserRole(SQLModel, table=True):
    __tablename__ = "user_roles"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(sa_column=Column(String(16), primary_key=True))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    # SHA-256 of the token: tokens are long random strings, so a fast hash is enough and lookups stay cheap.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """Kept in the database so throttling holds across worker processes."""

    __tablename__ = "login_attempts"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    address: str = Field(max_length=64, index=True)
    succeeded: bool = Field(default=False)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class RecoveryCode(SQLModel, table=True):
    """One-time codes for when the authenticator is lost; only their Argon2id hashes are kept (totp.py)."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    code_hash: str = Field(max_length=255)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- API schemas: what the JSON API takes and returns --------------------------------------------------

class Me(BaseModel):
    username: str
    display_name: str
    roles: list[Role]
    locale: str | None
