"""Text normalisation for matching, with a map back to the original text.

Matching runs on a normalised copy: NFKC (full-width letters and punctuation become
ASCII), lower case, curly apostrophes made straight, and Traditional Chinese converted to
Simplified with OpenCC ('t2s'). Evidence must still point into what the counsellor typed,
so we keep `offsets`: offsets[i] is the index in the original text of normalised char i.
When every step maps one character to one character (the usual case) offsets is None
and indices are shared.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
# Characters NFKC leaves alone that we still want to fold.
_EXTRA = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}


class _FoldTable(dict):
    """str.translate table filled lazily: code point -> NFKC + lower-cased text."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = _EXTRA.get(ch)
        if out is None:
            out = unicodedata.normalize("NFKC", ch).lower() or ch
        self[code] = out
        return out


_FOLD = _FoldTable()


@lru_cache(maxsize=8192)
def _t2s_char(ch: str) -> str:
    try:
        out = _T2S.convert(ch)
    except Exception:  # opencc refuses some odd code points (e.g. lone surrogates)
        return ch
    return out if len(out) == 1 else ch


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str  # what the automaton scans
    offsets: tuple[int, ...] | None  # None: identity mapping

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def _fold(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text.lower(), None  # ASCII lower() is one-to-one
    if unicodedata.is_normalized("NFKC", text) and "\u03a3" not in text:
        # Nothing for NFKC to change, so per character it is lower() alone, done in C instead of a table
        # lookup per character. (Σ is left to the table: lower() of a whole text makes a word-final ς.)
        folded = text.lower()
        if len(folded) == len(text):
            for curly, straight in _EXTRA.items():
                if curly in folded:
                    folded = folded.replace(curly, straight)
            return folded, None
    folded = text.translate(_FOLD)
    if len(folded) == len(text):  # every char mapped to exactly one char
        return folded, None
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        out = _FOLD[ord(ch)]
        parts.append(out)
        offsets.extend([i] * len(out))
    return "".join(parts), offsets


def _to_simplified(text: str) -> str:
    """t2s, keeping the length: phrase conversions that change length fall back to per char."""
    try:
        out = _T2S.convert(text)
    except Exception:
        out = ""
    if len(out) == len(text):
        return out
    return "".join(_t2s_char(ch) for ch in text)


# A note is saved whole every second or two while the call goes on, and each save is triaged again.
# Normalising it sentence by sentence lets the sentences that did not change since the last save come
# from a cache: a 45-minute call's saves stay about as cheap as its first. Every step is per character
# except OpenCC's phrases, which never span punctuation or a line break.
SENTENCE_ENDS = ("\n", "。", "！", "？", "；", "!", "?", ";", ".")
# Up to this length a text is taken whole: cutting it would cost more than the cache saves.
WHOLE_UP_TO = 64


def sentences(text: str, ends=SENTENCE_ENDS) -> list[str]:
    """`text` cut after each of `ends`; joined again they are `text`. str.split runs in C, and a
    note has few sentences, so this costs far less than a regular expression over every character."""
    pieces = [text]
    for end in ends:
        if end in text:
            cut: list[str] = []
            for piece in pieces:
                parts = piece.split(end)
                cut.extend([part + end for part in parts[:-1]])
                if parts[-1]:
                    cut.append(parts[-1])
            pieces = cut
    return pieces


def normalise(text: str) -> Normalised:
    pieces = sentences(text) if len(text) > WHOLE_UP_TO else [text]
    if len(pieces) == 1:
        return _normalise_piece(text)
    parts = [_normalise_piece(piece) for piece in pieces]
    folded = "".join([part.text for part in parts])
    if all(part.offsets is None for part in parts):
        return Normalised(folded, None)
    offsets: list[int] = []
    base = 0
    for piece, part in zip(pieces, parts, strict=True):
        offsets.extend(range(base, base + len(piece)) if part.offsets is None else
                       [base + i for i in part.offsets])
        base += len(piece)
    return Normalised(folded, tuple(offsets))


# Cantonese grammar and everyday words folded onto their Mandarin counterparts, one character for one
# (two for two), after t2s: a rule written 吃了药 then also reads 食咗藥, and 刚刚 reads 啱啱, without
# every concept listing each word twice. Only words with no other Mandarin sense are folded
# (係 is not: t2s makes it 系, which Mandarin reads as 关系). 著 is Taiwan's 着 (拿著), which t2s keeps.
# Rule phrases are folded the same way.
_YUE_WORDS = {"而家": "现在", "宜家": "现在", "啱啱": "刚刚", "琴日": "昨天", "寻日": "昨天", "听日": "明天",
              "琴晚": "昨晚", "寻晚": "昨晚",
              "今朝": "今早",
              "头先": "刚才", "点样": "怎样", "一齐": "一起", "边度": "哪里", "乜嘢": "什么", "跳落": "跳下",
              "落去": "下去"}
_YUE_CHARS = str.maketrans({"咗": "了", "唔": "不", "冇": "没", "喺": "在", "佢": "他", "嘅": "的", "嚟": "来",
                            "谂": "想", "饮": "喝", "食": "吃", "睇": "看", "攞": "拿", "揸": "拿", "畀": "给",
                            "俾": "给", "哋": "们", "啲": "些", "瞓": "睡", "揾": "找", "𠝹": "割", "嗰": "那",
                            "𠮶": "那",
                            "著": "着"})
_YUE_RE = re.compile("|".join(_YUE_WORDS))


def _fold_cantonese(text: str) -> str:
    text = text.translate(_YUE_CHARS)
    return _YUE_RE.sub(lambda m: _YUE_WORDS[m.group()], text) if _YUE_RE.search(text) else text


def _fold_script(text: str) -> tuple[str, list[int] | None]:
    """Case, width and script: NFKC, lower case, Traditional to Simplified."""
    folded, offsets = _fold(text)
    return (folded if folded.isascii() else _to_simplified(folded)), offsets


# Relay services and some phone keyboards type Chinese word by word with a space after each word
# ("我 吃 了 很 多 藥"). Elsewhere a space between Chinese characters is a comma, so a run is joined
# only when it looks segmented: four words or more, none longer than two characters, one of them a
# single character.
_HAN = "\u3400-\u9fff\U00020000-\U0002ffff"
_SPACED_WORDS = re.compile(f"(?:[{_HAN}]{{1,2}} ){{3,}}[{_HAN}]{{1,2}}(?![{_HAN}])")
_HAN_CHAR = re.compile(f"[{_HAN}]")


def _join_spaced_words(text: str, offsets: list[int] | None) -> tuple[str, list[int] | None]:
    runs = [m for m in _SPACED_WORDS.finditer(text)
            if not (m.start() and _HAN_CHAR.match(text, m.start() - 1))
            and any(len(word) == 1 for word in m.group().split(" "))]
    if not runs:
        return text, offsets
    source = list(range(len(text))) if offsets is None else offsets
    dropped = {i for m in runs for i in range(m.start(), m.end()) if text[i] == " "}
    kept = [i for i in range(len(text)) if i not in dropped]
    return "".join([text[i] for i in kept]), [source[i] for i in kept]


@lru_cache(maxsize=16384)  # in memory only, like the note being saved; pieces of old notes age out
def _normalise_piece(text: str) -> Normalised:
    folded, offsets = _fold_script(text)
    if not folded.isascii():
        folded = _fold_cantonese(folded)
        if " " in folded:
            folded, offsets = _join_spaced_words(folded, offsets)
    return Normalised(folded, None if offsets is None else tuple(offsets))


def normalise_phrase(phrase: str) -> str:
    """Same folding for rule phrases, so rule authors may write either script or case."""
    return normalise(phrase).text


def script_form(phrase: str) -> str:
    """A phrase folded for case and script only: 食咗 and 吃了 differ here, though both match the same."""
    return _fold_script(phrase)[0]
