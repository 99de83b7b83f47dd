"""One guard for every CSV the console writes: a cell a spreadsheet would run as a formula is written as text,
a plain number stays a number."""

import re
from pathlib import Path

import pytest

from hotline.spreadsheets import csv_lines, safe_cell

SRC = Path(__file__).resolve().parent.parent / "src" / "hotline"


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    ("- felt better after the call", "'- felt better after the call"),
    # A plain number is a number to a spreadsheet, never a formula: kept as it is, wherever it comes from.
    ("-3", "-3"), ("-3.5", "-3.5"), ("+5", "+5"), ("-.5", "-.5"), ("-1e-3", "-1e-3"), (-3, "-3"), (2.5, "2.5"),
    # What Python's float() takes but a spreadsheet does not read as a plain number is guarded.
    ("-inf", "'-inf"), ("-nan", "'-nan"), ("-1_000", "'-1_000"), ("-3 ", "'-3 "), ("-3\n", "'-3\n"),
    ("plain", "plain"), ("", ""), (None, ""), (0, "0"), ("a=b", "a=b"), ("失眠 -3", "失眠 -3"),
])
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(value, written):
    assert safe_cell(value) == written


def test_csv_lines_guard_every_cell_and_start_with_a_byte_order_mark():
    text = "".join(csv_lines(["a", "b", "c", "d"], [["=HYPERLINK(\"x\")", "-3.5", "@sum", "plain"], [None, 0, "", 1]]))
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"x\"\")\",-3.5,'@sum,plain"
    assert lines[2] == ",0,,1"


def test_no_module_writes_csv_but_through_the_one_guard():
    writers = sorted(str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
                     if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")))
    assert writers == ["spreadsheets.py"], "write CSV with hotline.spreadsheets.csv_lines, which guards each cell"


def test_long_exports_come_in_pieces():
    pieces = list(csv_lines(["n"], ([n] for n in range(5000))))
    assert len(pieces) == 3  # two full batches of 2,000 rows, then the rest
    assert "".join(pieces).count("\n") == 5001
