"""The key ring: AES-256-GCM keys (newest first) that seal fields, and the key that hashes caller numbers.

A sealed value reads `hl1:<key id>:<base64url(nonce + ciphertext + tag)>`. The key id is a fingerprint of
the key, so a value names the key that sealed it and rotation can re-seal only what the newest key did not.
The column's name is authenticated with the value, so a sealed note cannot be moved into another column.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline.config import Settings, SettingsError, load_settings
from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.keytext import BadKey, new_key, parse_key

__all__ = ["BadKey", "KeyRing", "current", "install", "new_key", "parse_key", "ring_from"]

PREFIX = "hl1:"
NONCE_BYTES = 12


class SealedFieldUnreadable(HotlineError):
    """A stored value cannot be opened with the keys configured: an operator's problem, not the user's."""

    status_code = 503


class EncryptionKeysMissing(HotlineError):
    status_code = 503


def key_id(key: bytes) -> str:
    return hmac.new(key, b"hotline key id", hashlib.sha256).hexdigest()[:8]


@dataclass
class KeyRing:
    """Keys newest first: the first seals, all of them open."""

    keys: list[bytes]
    caller_hash_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not self.keys:
            raise BadKey("at least one encryption key is needed")
        self._ciphers = {key_id(key): AESGCM(key) for key in self.keys}

    @classmethod
    def from_text(cls, keys: list[str], caller_hash_key: str) -> KeyRing:
        return cls([parse_key(key) for key in keys], caller_hash_key.encode())

    @property
    def newest_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def ids(self) -> list[str]:
        return [key_id(key) for key in self.keys]

    def seal(self, plain: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.newest_id].encrypt(nonce, plain.encode(), purpose.encode())
        return f"{PREFIX}{self.newest_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, purpose: str) -> str:
        if not is_sealed(stored):
            return stored  # written before encryption; `hotline keys rotate` seals it
        kid, _sep, body = stored[len(PREFIX):].partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise SealedFieldUnreadable(_(
                "This record was encrypted with key %(key)s, which is not configured. "
                "Ask an administrator to add it to HOTLINE_ENCRYPTION_KEYS.", key=kid[:8]))
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise SealedFieldUnreadable(_(
                "This record cannot be decrypted: it was changed outside the console or the key %(key)s "
                "is wrong. Ask an administrator.", key=kid[:8])) from None

    def caller_digest(self, normalised: str) -> str:
        return hmac.new(self.caller_hash_key, b"caller:" + normalised.encode(), hashlib.sha256).hexdigest()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def sealed_with(stored: str) -> str | None:
    """The key id a stored value names, or None if it is not sealed."""
    return stored[len(PREFIX):].partition(":")[0] if is_sealed(stored) else None


_installed: KeyRing | None = None


def install(ring: KeyRing | None) -> None:
    """The ring every sealed column uses in this process (the app and the CLI install it at start)."""
    global _installed
    _installed = ring


def current() -> KeyRing:
    """The installed ring, or one built from the environment for scripts and migrations."""
    global _installed
    if _installed is None:
        try:
            _installed, _made = ring_from(load_settings())
        except SettingsError as error:
            raise EncryptionKeysMissing(str(error)) from None
    return _installed


def ring_from(settings: Settings, *, create: bool = False) -> tuple[KeyRing, list]:
    """The key ring the settings name. With `create` (demo only) missing key files are made, mode 0600.

    Returns (ring, files made); raises SettingsError naming the variable when a key is missing.
    """
    keys, hash_key, made = settings.key_material(create=create)
    try:
        return KeyRing.from_text(keys, hash_key), made
    except BadKey as error:
        raise SettingsError(f"HOTLINE_ENCRYPTION_KEY_FILE: {error}") from None
