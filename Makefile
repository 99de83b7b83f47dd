# Two commands for a new machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Pinned versions CI passed with; `make install CONSTRAINTS=` installs the newest releases instead.
CONSTRAINTS ?= constraints.txt

.PHONY: install demo test test-pg test-any-date lint audit messages bench screenshots clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hotline needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## Serve the demo on http://127.0.0.1:8000 (SQLite file hotline.sqlite3; logins printed on start).
demo: $(STAMP)
	$(BIN)/hotline demo

## The whole suite on SQLite; set HOTLINE_TEST_DATABASE_URL to run it on PostgreSQL.
test: $(STAMP)
	$(BIN)/python -m pytest

## The in-process tests with the clock moved 400 days ahead, then 200 back (time-machine): a test that
## only passes on the day it was written fails here the day it is written. SQLite; no browser; not the
## triage library's tests (a pure function of the note: it never reads the clock).
test-any-date: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e and not own_process" --ignore=tests/triage --move-clock=400
	$(BIN)/python -m pytest -q -m "not e2e and not own_process" --ignore=tests/triage --move-clock=-200

test-pg: $(STAMP)
	HOTLINE_TEST_DATABASE_URL=$${HOTLINE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest

## ruff, and the import contracts in .importlinter (triage imports nothing of the app; services no web framework).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports

## Ask pip-audit about every version pinned in constraints.txt (needs the PyPI and OSV advisory services;
## a closed network cannot reach them, so CI checks the floors against tests/test_install_floors.py instead).
audit: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/pip-audit --requirement constraints.txt --no-deps --disable-pip

## Re-extract translatable strings and list what zh_CN still lacks.
messages: $(STAMP)
	$(BIN)/python scripts/messages.py

## Re-take the README's pictures (Chromium and CJK fonts needed: apt-get install chromium fonts-noto-cjk).
screenshots: $(STAMP)
	HOTLINE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_screenshots.py
## Every benchmark, bounded in time (a few minutes). Set BENCH_PG to a PostgreSQL URL to add the PostgreSQL runs.
BENCH_PG ?=
bench: $(STAMP)
	$(BIN)/python bench/triage_speed.py --seconds 2
	$(BIN)/python bench/triage_eval.py --cases
	$(BIN)/python bench/autosave.py --counsellors 50 --seconds 10 $(if $(BENCH_PG),--database $(BENCH_PG) --workers 2)
	$(BIN)/python bench/referral_queue.py --requests 50 $(if $(BENCH_PG),--database $(BENCH_PG),--calls 100000 --referrals 10000)
	$(BIN)/python bench/save_cpu.py $(if $(BENCH_PG),--database $(BENCH_PG))
	$(BIN)/python bench/load.py --seconds 20 $(if $(BENCH_PG),--pg $(BENCH_PG))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
