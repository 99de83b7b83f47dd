"""The blind sets are frozen: a note edited to fit the engine would make their figures meaningless."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from hotline.triage import RiskLevel

BLIND = Path(__file__).parent / "blind"
FILES = sorted(BLIND.glob("*/*.tsv"))


def test_every_blind_file_is_as_it_was_frozen():
    recorded = {}
    for line in (BLIND / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        recorded[name] = digest
    on_disk = {str(p.relative_to(BLIND)): hashlib.sha256(p.read_bytes()).hexdigest() for p in FILES}
    assert on_disk == recorded, "a blind set changed: write a new dated set instead of editing one"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(BLIND)))
def test_blind_files_parse_with_a_level_range(path):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 50
    for row in rows:
        assert RiskLevel(row["lo"]) <= RiskLevel(row["hi"]), row["id"]
        assert row["note"].strip(), row["id"]
