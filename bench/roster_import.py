"""How long checking and importing a CSV of counsellors takes, on a throw-away SQLite database.

    .venv/bin/python bench/roster_import.py --rows 500

Prints rows per second for the check (no writes) and for the import (new accounts; each gets an Argon2
hash, which is most of the time) and for re-importing the same file (updates only)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from hotline.database import make_engine
from hotline.i18n import set_locale
from hotline.models import metadata
from hotline.roster import staff_import


def make_csv(rows: int) -> str:
    lines = ["username,display_name,extension,skills,languages,availability"]
    for i in range(rows):
        lines.append(f"c.bench{i},Counsellor {i},{8000 + i % 1000},bereavement;medical staff,English,"
                     f"Mon 08:00-16:00; Wed 16:00-24:00; Sat 00:00-08:00")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    set_locale("en")
    content = make_csv(args.rows).encode()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        metadata.create_all(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            plan = staff_import.read_staff_csv(session=session, content=content)
            checked = time.perf_counter() - started
            started = time.perf_counter()
            staff_import.apply_staff_import(session=session, plan=plan, actor=None)
            imported = time.perf_counter() - started
            plan = staff_import.read_staff_csv(session=session, content=content)
            started = time.perf_counter()
            staff_import.apply_staff_import(session=session, plan=plan, actor=None)
            updated = time.perf_counter() - started
        engine.dispose()
    print(f"{args.rows} rows, {len(content) / 1000:.0f} kB")
    print(f"check:            {checked:6.2f} s  ({args.rows / checked:7.0f} rows/s)")
    print(f"import (new):     {imported:6.2f} s  ({args.rows / imported:7.0f} rows/s)")
    print(f"re-import (same): {updated:6.2f} s  ({args.rows / updated:7.0f} rows/s)")


if __name__ == "__main__":
    main()
