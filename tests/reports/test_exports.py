"""CSV cells that a spreadsheet would run as formulas are written as text."""

from hotline.reports.exports import csv_lines


def test_formulas_are_defused_and_numbers_kept():
    text = "".join(csv_lines(["a", "b", "c", "d"], [["=HYPERLINK(\"x\")", "-3.5", "@sum", "plain"], [None, 0, "", 1]]))
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"x\"\")\",-3.5,'@sum,plain"
    assert lines[2] == ",0,,1"


def test_long_exports_come_in_pieces():
    pieces = list(csv_lines(["n"], ([n] for n in range(5000))))
    assert len(pieces) == 3  # two full batches of 2,000 rows, then the rest
    assert "".join(pieces).count("\n") == 5001
