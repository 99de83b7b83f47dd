"""Every catalog is complete: every string a person can see has a zh_CN, a zh_Hant and an en translation."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set[str]:
    method_map = [("src/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale):
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["zh_CN", "zh_Hant", "en"])
def test_catalog_translates_every_source_string(locale):
    entries = {}
    for message in catalog(locale):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        entries[key] = (strings, message.flags)
    missing = sorted(m for m in source_messages() if m not in entries)
    untranslated = sorted(k for k, (strings, flags) in entries.items() if not all(strings) or "fuzzy" in flags)
    assert not missing, f"{locale} catalog lacks (run `make messages`): {missing}"
    assert not untranslated, f"{locale} catalog has untranslated entries: {untranslated}"


def test_chinese_translations_keep_every_placeholder():
    for message in catalog("zh_CN"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (ids[0], string)


def test_chinese_catalog_is_really_chinese():
    translated = [m for m in catalog("zh_CN") if m.id]
    with_han = [m for m in translated if re.search(r"[\u4e00-\u9fff]", str(m.string))]
    assert len(with_han) / len(translated) > 0.9


def test_traditional_catalog_is_the_simplified_one_in_traditional_characters():
    # Made by `make messages` from zh_CN; a stale copy would show Hong Kong users yesterday's words.
    simplified = {m.id: m.string for m in catalog("zh_CN") if m.id}
    traditional = {m.id: m.string for m in catalog("zh_Hant") if m.id}
    assert simplified.keys() == traditional.keys()
    assert traditional["Log in"] == "登入" and simplified["Log in"] != traditional["Log in"]


@pytest.mark.parametrize(("header", "lang", "word"), [
    ("zh-TW,zh;q=0.9", "zh-Hant", "登入"),
    ("zh-HK", "zh-Hant", "登入"),
    ("zh-CN,zh;q=0.9", "zh-CN", "登录"),
    ("en-GB,en;q=0.8", "en", "Log in"),
])
def test_hong_kong_and_taiwan_browsers_read_traditional_characters(client, header, lang, word):
    page = client.get("/login", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text and word in page.text


@pytest.mark.parametrize(("locale", "shown"), [("zh_CN", "立即联系督导"), ("zh_Hant", "立即聯絡督導"),
                                               ("en", "Call a supervisor now")])
def test_text_kept_in_both_languages_reads_in_the_readers_language_and_script(locale, shown):
    from hotline import i18n

    token = i18n.set_locale(locale)
    try:
        assert i18n.in_both_languages("立即联系督导", "Call a supervisor now") == shown
    finally:
        i18n.reset_locale(token)
