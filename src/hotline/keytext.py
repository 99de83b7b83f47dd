"""The text form of an encryption key, as settings and `hotline keys new` write it.

Settings validate keys with it and the key ring reads them with it; it imports nothing of the app, so the
settings need not import the encryption package that builds on them.
"""

from __future__ import annotations

import base64
import binascii
import secrets


class BadKey(ValueError):
    """A key given in settings is malformed; the message says how to make a good one."""


def new_key() -> str:
    """A fresh 256-bit key, as `hotline keys new` prints it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BadKey("each key must be 32 bytes in URL-safe base64; make one with `hotline keys new`")
    return raw
