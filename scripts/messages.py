"""Keep the catalogs in step with the code: `make messages`.

Extracts every marked string into locales/messages.pot and adds the sentences of the shipped rule file
(src/hotline/triage/rules.toml): its name and the reasons of its rules, combinations, concepts, buffer and
answers under the message context "rules", the part each concept fills under "rule role", as
hotline.rulebook.wording reads them back. Merges the template into the zh_CN and en catalogs, fills the
English catalog from the English source strings, makes the zh_Hant catalog from zh_CN (OpenCC), and lists
what zh_CN still lacks.
Translations themselves are written by people, in locales/zh_CN/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locales" / "messages.pot"
LOCALES = ("zh_CN", "en")
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
RULES = ROOT / "src" / "hotline" / "triage" / "rules.toml"
# The contexts hotline.rulebook.wording reads them back under (rule_text, role_label).
RULES_CONTEXT, ROLE_CONTEXT = "rules", "rule role"
RULE_TABLES = ("rule", "pattern", "term", "buffer", "answer")  # modifiers' reasons are never shown
RULE_TEXTS = ("why", "older_why", "unknown_recency_why", "recent_why")


def po_path(locale: str) -> Path:
    return ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"


def write_traditional() -> None:
    """zh_Hant (Hong Kong, Macau, Taiwan) is the Simplified catalog in Traditional characters with Taiwan
    phrasing (OpenCC s2twp): made here, never edited by hand, so it is always as complete as zh_CN."""
    import opencc

    convert = opencc.OpenCC("s2twp").convert
    with po_path("zh_CN").open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    catalog.locale = "zh_Hant"
    catalog.language_team = "zh_Hant <generated from zh_CN by OpenCC s2twp>"
    for message in catalog:
        if message.id and message.string:
            message.string = (tuple(convert(s) for s in message.string) if isinstance(message.string, tuple)
                              else convert(message.string))
    path = po_path("zh_Hant")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=110, omit_header=False)


def rule_file_messages() -> list[tuple[str, str]]:
    """(context, text) for every sentence of the shipped rule file a person reads: its name, the reasons of
    its rules, combinations, concepts, buffer and answers, and the part each concept fills (its role).
    The triage library stays free of the app's i18n: the rules pages, the risk banner and the referrals
    translate these at render time; a rule file uploaded later reads as its author wrote it."""
    data = tomllib.loads(RULES.read_text(encoding="utf-8"))
    found = [(RULES_CONTEXT, data.get("meta", {}).get("name", ""))]
    for table in RULE_TABLES:
        for item in data.get(table, ()):
            found += [(RULES_CONTEXT, item.get(key, "")) for key in RULE_TEXTS]
            found.append((ROLE_CONTEXT, item.get("role", "")))
    return [(context, text) for context, text in found if text]


def add_rule_file_messages() -> None:
    with POT.open("rb") as handle:
        template = read_po(handle)
    for context, text in rule_file_messages():
        template.add(text, context=context, auto_comments=["src/hotline/triage/rules.toml"])
    with POT.open("wb") as handle:
        write_po(handle, template, width=76, omit_header=True, sort_output=True)  # as pybabel extract writes it


def main() -> int:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
         "--omit-header", "--sort-output", "-o", str(POT), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    add_rule_file_messages()
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([pybabel, "init", "-i", str(POT), "-d", "locales", "-l", locale],
                           cwd=ROOT, check=True, capture_output=True)
        subprocess.run([pybabel, "update", "--no-fuzzy-matching", "--ignore-obsolete", "-i", str(POT),
                        "-d", "locales", "-l", locale], cwd=ROOT, check=True, capture_output=True)
    # A fixed header date keeps branches that each re-extract from conflicting on it.
    with po_path("zh_CN").open("rb") as handle:
        chinese = read_po(handle, locale="zh_CN")
    chinese.creation_date = chinese.revision_date = FIXED_DATE
    with po_path("zh_CN").open("wb") as handle:
        write_po(handle, chinese, width=110, omit_header=False)
    # English source strings are the English translation.
    with po_path("en").open("rb") as handle:
        english = read_po(handle, locale="en")
    english.creation_date = english.revision_date = FIXED_DATE
    for message in english:
        if message.id and not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            message.string = message.id
            message.flags.discard("fuzzy")
    with po_path("en").open("wb") as handle:
        write_po(handle, english, width=110, omit_header=False)
    write_traditional()
    with po_path("zh_CN").open("rb") as handle:
        chinese = read_po(handle, locale="zh_CN")
    missing = [m.id for m in chinese if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string))
                                                    or "fuzzy" in m.flags)]
    for msgid in missing:
        print("zh_CN lacks:", msgid if isinstance(msgid, str) else msgid[0])
    print(f"{len(missing)} zh_CN entries to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
