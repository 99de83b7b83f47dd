"""A few seconds' memory, per worker process, of who a session's cookie belongs to: the hot paths (the
autosave, page and API, and the referral queue's poll) check the login on every request, every second or
two for every counsellor on a call, and reading the user and roles each time was one of the three queries
of a save (issue #22).

What is kept, per user id of a session cookie: the user's columns but none of its secrets (password hash,
two-step secrets), the role names, and whether two-step login is set up; for at most
`HOTLINE_LOGIN_CACHE_SECONDS` (5 by default; 0 turns it off). A request still checks its cookie against
what is kept exactly as against the database row: the session version (bumped on logout-everywhere, a
password or role change, two-step enrolment and disabling), the account active, the idle time-out.

Forgotten at once, in this process, when anything changes a user, its roles or its tokens through any
session of this process (the flush that writes it, and again at its commit), and on logout. Another worker
process learns of the change from the database when its memory of that user ends, at most
`HOTLINE_LOGIN_CACHE_SECONDS` later (docs/operations.md): a user disabled by an administrator can go on
saving and polling on another worker for that long, never longer.

An API token (the bearer login of an integration) is remembered the same way on the same hot paths, keyed by
the token's SHA-256 (the hash the database keeps, never the token): the user's columns and roles as above,
the token's row id and when its use was last written. A request whose token is due a note of its use (once a
minute, service.TOKEN_USE_RECORDED_EVERY) reads the database as if nothing were remembered. Forgotten with
its user: a revocation, a new token, a change to the user or its roles through this process is seen at the
very next request; from another worker, within `HOTLINE_LOGIN_CACHE_SECONDS`. Tokens have no expiry date of
their own: a token ends only by revocation (or its user being disabled, which revokes it).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from hotline.accounts.models import ApiToken, User, UserRole

# Never kept: read from the database (a lazy load) by the rare request that needs them.
SECRETS = frozenset({"password_hash", "totp_secret", "totp_pending_secret"})
_KEPT = tuple(attribute.key for attribute in inspect(User).column_attrs if attribute.key not in SECRETS)
_ACCOUNT_TABLES = frozenset({User.__tablename__, UserRole.__tablename__, ApiToken.__tablename__})
_CHANGED = "hotline_login_changes"  # session.info: user ids flushed in the transaction, forgotten at commit
# An UPDATE run with this execution option changes nothing a login depends on (a token's last use): not forgotten.
LOGIN_UNCHANGED = "hotline_login_unchanged"


@dataclass(frozen=True, slots=True)
class Remembered:
    engine: Any  # the database the user was read from: two apps in one process (the tests) never mix
    values: dict[str, Any]
    roles: tuple[str, ...]
    uses_totp: bool
    until: float

    @property
    def session_version(self) -> int:
        return self.values["session_version"]

    @property
    def is_active(self) -> bool:
        return self.values["is_active"]

    def user(self, session: Session) -> User:
        """The user as `session` would have loaded it, without a query: a new object in the session's
        identity map, made as the ORM makes one from a row (the secrets left to load when read)."""
        links = [_loaded(UserRole, {"user_id": self.values["id"], "role": role}) for role in self.roles]
        user = _loaded(User, self.values, role_links=links)
        session.add(user)
        return user


@dataclass(frozen=True, slots=True)
class RememberedToken:
    login: Remembered
    user_id: int
    token_id: int
    used_at: datetime | None  # the token's last use as written in the database


def _loaded(model, values: dict, role_links: list | None = None):
    """An instance holding these values as if just loaded (no change to flush; no validation: they came
    from the database), detached, ready to be added to a session; columns not given load when read."""
    thing = model._sa_class_manager.new_instance()
    instance_state(thing).dict.update(values)
    if role_links is not None:
        set_committed_value(thing, "role_links", role_links)
    make_transient_to_detached(thing)
    return thing


class LoginCache:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._users: dict[tuple[int, int], Remembered] = {}  # (id(engine), user id)
        self._tokens: dict[tuple[int, str], RememberedToken] = {}  # (id(engine), the token's SHA-256)
        # Bumped by every forget: a request that read a user before a change committed must not store what
        # it read after the change was forgotten.
        self._generation = 0

    def generation(self) -> int:
        return self._generation

    def get(self, engine, user_id: int) -> Remembered | None:
        found = self._users.get((id(engine), user_id))
        if found is None or found.engine is not engine or found.until <= self.clock():
            return None
        return found

    def keep(self, engine, user: User, *, seconds: float, generation: int, uses_totp: bool) -> None:
        if seconds <= 0:
            return
        remembered = _remembered(engine, user, uses_totp, self.clock() + seconds)
        with self._lock:
            if generation == self._generation:
                self._users[(id(engine), user.id)] = remembered

    def get_token(self, engine, token_hash: str) -> RememberedToken | None:
        found = self._tokens.get((id(engine), token_hash))
        if found is None or found.login.engine is not engine or found.login.until <= self.clock():
            return None
        return found

    def keep_token(self, engine, token_hash: str, user: User, *, token_id: int, used_at: datetime | None,
                   seconds: float, generation: int) -> None:
        """Remember the user behind a token (hashed) read from the database since `generation` was taken."""
        if seconds <= 0:
            return
        remembered = RememberedToken(login=_remembered(engine, user, False, self.clock() + seconds),
                                     user_id=user.id, token_id=token_id, used_at=used_at)
        with self._lock:
            if generation == self._generation:
                self._tokens[(id(engine), token_hash)] = remembered

    def forget(self, user_ids=None) -> None:
        """Forget these users (everyone when None), in every database."""
        with self._lock:
            self._generation += 1
            if user_ids is None:
                self._users.clear()
                self._tokens.clear()
            else:
                ids = set(user_ids)
                for key in [key for key in self._users if key[1] in ids]:
                    del self._users[key]
                for key in [key for key, token in self._tokens.items() if token.user_id in ids]:
                    del self._tokens[key]


def _remembered(engine, user: User, uses_totp: bool, until: float) -> Remembered:
    return Remembered(engine=engine, values={key: getattr(user, key) for key in _KEPT},
                      roles=tuple(link.role for link in user.role_links), uses_totp=uses_totp, until=until)


CACHE = LoginCache()


def _user_ids_touched(session: Session) -> set[int] | None:
    """The users whose account, roles or tokens the session is flushing; None when one cannot be told
    (then everyone is forgotten). Read from the objects' loaded state: nothing here may query."""
    ids = set()
    for thing in (*session.new, *session.dirty, *session.deleted):
        if isinstance(thing, User):
            user_id = inspect(thing).dict.get("id")
        elif isinstance(thing, UserRole | ApiToken):
            user_id = inspect(thing).dict.get("user_id")
        else:
            continue
        if user_id is None:
            return None
        ids.add(user_id)
    return ids


@event.listens_for(Session, "after_flush")
def _forget_flushed(session: Session, _context) -> None:
    # session.new/dirty/deleted still hold what was just flushed.
    ids = _user_ids_touched(session)
    if ids is None:
        CACHE.forget()
        session.info[_CHANGED] = None
    elif ids:
        CACHE.forget(ids)
        changed = session.info.get(_CHANGED, set())
        if changed is not None:
            session.info[_CHANGED] = changed | ids


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    if _CHANGED in session.info:
        CACHE.forget(session.info.pop(_CHANGED))


@event.listens_for(Session, "after_rollback")
def _drop_notes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state) -> None:
    """An UPDATE or DELETE statement on users, roles or tokens (not through the objects): forget everyone;
    but not for one run with LOGIN_UNCHANGED (the once-a-minute note of a token's use)."""
    if (state.is_update or state.is_delete) and not state.execution_options.get(LOGIN_UNCHANGED):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _ACCOUNT_TABLES:
            CACHE.forget()
            state.session.info[_CHANGED] = None
