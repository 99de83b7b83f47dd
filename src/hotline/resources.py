"""Where templates, static files, catalogs and migrations live: in the wheel, or beside src/ in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def resource_dir(name: str) -> Path:
    for base in (_PACKAGE, _CHECKOUT):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"hotline resource folder {name!r} is missing from {_PACKAGE} and {_CHECKOUT}")


TEMPLATES = resource_dir("templates")
STATIC = resource_dir("static")
LOCALES = resource_dir("locales")
MIGRATIONS = resource_dir("migrations")
