"""Fill the zh_CN catalog from translations kept elsewhere: `python scripts/apply_zh.py SOURCE...`.

A SOURCE is either a Python file defining `ZH = {"English msgid": "中文", ...}` (plural entries take a
tuple of forms; an entry with a message context is keyed `("context", "English msgid")`, as the rule
file's sentences are under "rules" and "rule role") or another messages.po, whose translated entries are
copied with their context (used when merging branches that each translated their own strings).
Run `scripts/messages.py` first so the catalog has every msgid. Prints what zh_CN still lacks.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _key(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _entry(message) -> str | tuple[str, str]:
    """A message's key in the translations: its msgid, or (context, msgid) when it has a context."""
    return (message.context, _key(message.id)) if message.context else _key(message.id)


def load(source: Path) -> dict:
    if source.suffix == ".po":
        with source.open("rb") as handle:
            other = read_po(handle, locale="zh_CN")
        return {_entry(m): m.string for m in other
                if m.id and m.string and "fuzzy" not in m.flags
                and (isinstance(m.string, str) or all(m.string))}
    return dict(runpy.run_path(str(source))["ZH"])


def main(sources: list[str]) -> int:
    translations: dict = {}
    for source in sources:
        translations.update(load(Path(source)))
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    for message in catalog:
        if not message.id:
            continue
        text = translations.get(_entry(message))
        if text is None:
            continue
        if isinstance(message.id, tuple) and isinstance(text, str):
            text = (text,)
        message.string = text
        message.flags.discard("fuzzy")
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, width=110, omit_header=False)
    missing = [_entry(m) for m in catalog if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)) or "fuzzy" in m.flags)]
    for msgid in missing:
        print("zh_CN lacks:", msgid)
    print(f"{len(missing)} zh_CN entries to translate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
