# Worklog Report: `make run` starts everything, `make test` runs every test.
# Both work on a fresh machine: they create .venv and install what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run sync serve test test-unit bench bench-quick loadtest lint format chromium clean

# pip's output (warnings included) is shown only when pip fails.
$(STAMP): pyproject.toml
	@bash scripts/install_system_packages.sh pdf
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> Installing the dependencies into $(VENV)"
	@log=$$(mktemp); \
	if $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip >"$$log" 2>&1 \
	  && $(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' >>"$$log" 2>&1; \
	then rm -f "$$log"; else cat "$$log" >&2; rm -f "$$log"; exit 1; fi
	@touch $(STAMP)

install: $(STAMP)

## Start the sandbox, the app and the task worker with demo data (Ctrl-C stops them all).
run: $(STAMP)
	@$(PY) scripts/run_dev.py

## One sync now, in the foreground, with `make run`'s settings: the development .env it
## writes (its sandbox, on the port it really used). FULL=1 re-reads every worklog.
sync: $(STAMP)
	@test -f .env || { echo "No .env here yet: start \`make run\` first (it writes the development .env that make sync reads)." >&2; exit 1; }
	@$(PY) manage.py migrate --no-input -v 0 && $(PY) manage.py sync $(if $(FULL),--full)

## The production stack locally: the Procfile's gunicorn, worker and sync with DEBUG off on
## PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/worklog_report).
serve: $(STAMP)
	@$(PY) scripts/serve.py

## The whole suite: unit, integration (real sandbox process) and end-to-end (Chromium).
## The tests without a sandbox process or a browser run on every core first; then the
## integration and browser tests on two workers, each test file whole on one of them (their
## sandbox processes and servers are per file or per session, on free ports).
test: $(STAMP) chromium
	$(PY) -m pytest -m "not integration and not e2e" -n auto $(PYTEST_ARGS)
	$(PY) -m pytest -m "integration or e2e" -n 2 --dist loadfile $(PYTEST_ARGS)

## The fast part while working: no sandbox process, no browser, on every core (about a
## minute); `make test` runs everything before a push.
test-unit: $(STAMP)
	$(PY) -m pytest -m "not integration and not e2e" -n auto $(PYTEST_ARGS)

## Benchmarks of docs/product.md §8 (sync, report, freshness and Tempo backup vs their limits); writes bench/results.json.
## DATABASE_URL=postgres://... make bench measures on PostgreSQL. Includes the 500,000-worklog
## size (its seeded sandbox is kept in .cache/bench/ for the day); `make bench-quick` leaves it out.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(PY) -m bench.run --skip-500k $(BENCH_ARGS)

## Load test: locust customers against the production stack on PostgreSQL at a benchmark
## size; writes bench/load.json (bench/load-500k.json). LOAD_SIZE (50k or 500k), LOAD_USERS
## (default 50, max 200), LOAD_SPAWN_RATE (customers arriving per second, default 1),
## LOAD_TIME (120 s, max 600).
loadtest: $(STAMP)
	@$(PY) scripts/loadtest.py

## Debian's Chromium for the Playwright tests, when missing and possible (root or sudo).
chromium:
	@bash scripts/install_system_packages.sh chromium

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
