"""`pip install .` installs the floors in pyproject.toml when nothing pins them, so no floor may admit a release
with a published advisory, and constraints.txt (what CI tested) must itself be inside the floors.

ADVISORIES lists the advisories the floors answer; add a row when one is published for a dependency.
`make audit` asks pip-audit about every pin in constraints.txt where the advisory services are reachable."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# package: (first fixed release, advisory)
ADVISORIES = {
    "jinja2": ("3.1.6", "CVE-2025-27516"),
    "python-multipart": ("0.0.18", "CVE-2024-53981"),
    "starlette": ("0.47.2", "CVE-2025-54121"),
    "h11": ("0.16.0", "CVE-2025-43859"),
    "cryptography": ("44.0.1", "CVE-2024-12797"),
    "pydantic": ("2.4.0", "CVE-2024-3772"),
}


def _floors() -> dict[str, Version]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator == ">=":
                floors[requirement.name.lower()] = Version(spec.version)
    return floors


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = Version(match.group(2))
    return pins


def test_no_floor_admits_a_release_with_a_known_advisory():
    floors = _floors()
    too_low = {name: (str(floors.get(name)), fixed, advisory) for name, (fixed, advisory) in ADVISORIES.items()
               if floors.get(name) is None or floors[name] < Version(fixed)}
    assert not too_low, f"raise these floors in pyproject.toml (floor, fixed in, advisory): {too_low}"


def test_the_tested_pins_are_inside_the_floors():
    floors, pins = _floors(), _pins()
    outside = {name: (str(pins.get(name)), str(floor)) for name, floor in floors.items()
               if pins.get(name) is None or pins[name] < floor}
    assert not outside, f"constraints.txt pins below (or missing for) a floor (pin, floor): {outside}"
