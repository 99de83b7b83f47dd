"""gettext for both languages, with the locale of the current request held in a context variable.

Catalogs are kept as .po files and compiled in memory at start-up, so there is no build step and no
compiled file to forget. The Traditional Chinese catalog (zh_Hant, for Hong Kong, Macau and Taiwan) is
made from the Simplified one by `make messages` with OpenCC's Taiwan phrasing (s2twp).
"""

from __future__ import annotations

import gettext as stdlib_gettext
from contextvars import ContextVar
from functools import cache
from io import BytesIO

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

from hotline.resources import LOCALES as LOCALE_DIR

DOMAIN = "messages"
LOCALE_COOKIE = "hotline_locale"
LOCALES = ("zh_CN", "zh_Hant", "en")  # the languages the interface speaks
# Browser tags that read Traditional characters; every other Chinese tag reads Simplified.
_TRADITIONAL = ("zh_tw", "zh_hk", "zh_mo", "zh_hant")
LOCALES_SUPPORTED = LOCALES
_current_locale: ContextVar[str] = ContextVar("hotline_locale", default="zh_CN")


@cache
def translations(locale: str) -> stdlib_gettext.GNUTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return stdlib_gettext.GNUTranslations(buffer)


def set_locale(locale: str):
    return _current_locale.set(locale)


def reset_locale(token) -> None:
    _current_locale.reset(token)


def get_locale() -> str:
    return _current_locale.get()


def gettext(message: str, **variables) -> str:
    text = translations(get_locale()).gettext(message)
    return text % variables if variables else text


def pgettext(context: str, message: str) -> str:
    """A message whose words come from data rather than code (the rule file's reasons, extracted by
    `make messages` under their context); what no catalog holds reads as written."""
    return translations(get_locale()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """For messages defined at import time and shown later, in the language of whoever reads them."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick a supported locale from an Accept-Language header (q-values respected)."""
    if not accept_language:
        return default
    preferred = []
    for part in accept_language.split(","):
        piece = part.strip().split(";")
        tag = piece[0].strip().replace("-", "_")
        quality = 1.0
        for param in piece[1:]:
            if param.strip().startswith("q="):
                try:
                    quality = float(param.strip()[2:])
                except ValueError:
                    quality = 0.0
        if tag:
            preferred.append((quality, tag))
    preferred.sort(key=lambda item: -item[0])
    # Hong Kong, Macau and Taiwan read Traditional; any other Chinese reads Simplified.
    tags = [("zh_Hant" if tag.lower().startswith(_TRADITIONAL) else "zh_CN") if tag.lower().startswith("zh")
            else tag for _q, tag in preferred]
    return negotiate_locale(tags, list(LOCALES), sep="_") or default


def locale_name(locale: str) -> str:
    """The locale's own name for itself, for the language switch."""
    return Locale.parse(locale).get_display_name(locale)


@cache
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2twp")


def in_both_languages(zh: str, en: str) -> str:
    """Text kept in both languages with its Chinese in Simplified (a rule file's actions), in the reader's
    language and script."""
    locale = get_locale()
    if locale == "zh_Hant":
        return _to_traditional().convert(zh)
    return zh if locale.startswith("zh") else en
