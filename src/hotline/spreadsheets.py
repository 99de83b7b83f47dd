"""CSV for spreadsheets: the one place the console writes CSV, so every export has the same formula guard.

The roster, the de-identified reports and a caller's records all go through `csv_lines`, which writes a
byte-order mark (Excel reads a CSV as UTF-8 only when it starts with one) and passes every cell through
`safe_cell`. Nothing else in the package may call `csv.writer` (tests/test_spreadsheets.py checks).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

BOM = "\ufeff"
BATCH = 2000  # rows per piece handed to a streaming response
# What a spreadsheet may take as the start of a formula (OWASP's list: = + - @, and tab and carriage
# return, which some spreadsheets skip before reading the rest).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number as a spreadsheet reads one: sign, digits, point, exponent; nothing around it.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value) -> str:
    """The text of one CSV cell, written so a spreadsheet shows it rather than runs it as a formula.

    A cell starting with = + - @, a tab or a carriage return gets a leading apostrophe, which spreadsheets
    take to mean "text" and do not show. A plain number is the exception and is written as it is, whether
    it came as a number or as text: "-3", "+5", "-3.5" and "1e-3" are read as numbers, never as formulas,
    and a total that turned into text would no longer add up. "Plain" means only a sign, digits, one point
    and an exponent: "-inf", "-1_000" or "-3 " (which Python's float() would take) are guarded like any
    other text, as is "-2+3", a formula. None is an empty cell.
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV in pieces of BATCH rows (a year's export never sits in memory): the byte-order mark, the
    header, then each row, every cell through safe_cell. `"".join(csv_lines(...))` is the whole file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(value) for value in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([safe_cell(value) for value in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
