# The two commands of the README: `make run` and `make test`. `make bench` runs the benchmarks.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12+; take the newest interpreter found, 3.11 works too (Django 5.2 LTS).
PYTHON ?= $(shell scripts/find-python)
export GTI_DATA_DIR ?= $(CURDIR)/var
# The suite runs on every core, a test module to a worker (its module-scoped fixtures, such as
# the demo the open-data and API fuzz tests read, are made once); PYTEST_ARGS="-k audit" etc.
# narrows it.
PYTEST_ARGS ?= -n auto --dist loadscope
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check bench install install-test system-test-deps clean

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.11+ found: install python3 (3.12 or newer preferred)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Debian's pango and fonts for the PDF decision documents (WeasyPrint); the site runs without them.
PDF_DEPS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

run: $(BIN)/.installed
	-@scripts/install-system-deps $(PDF_DEPS) || echo "PDF documents need: $(PDF_DEPS)"
	$(BIN)/gti migrate --no-input -v0
	$(BIN)/gti strategy load
	@if $(BIN)/gti help demo >/dev/null 2>&1; then $(BIN)/gti demo; fi
	@echo
	@$(BIN)/gti localadmin --url http://$(HOST):$(PORT)
	@echo
	@echo "Two-step login is off for this local demo (GTI_REQUIRE_2FA=0)."
	@# The task worker (exports) runs beside the server and stops with it.
	$(BIN)/gti db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	GTI_REQUIRE_2FA=0 $(BIN)/gti runserver $(HOST):$(PORT)

# Debian's chromium (browser tests), postgresql (second database run), gettext (messages), and
# pango with the DejaVu fonts (WeasyPrint's PDFs of the decision documents).
system-test-deps:
	scripts/install-system-deps chromium postgresql gettext $(PDF_DEPS)

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(BIN)/.installed-test
	GTI_DATA_DIR=$$(mktemp -d) $(BIN)/gti check --fail-level WARNING
	GTI_DATA_DIR=$$(mktemp -d) $(BIN)/gti makemigrations --check --dry-run

test: system-test-deps $(BIN)/.installed-test node_modules/axe-core/axe.min.js lint check
	@echo "== test suite on SQLite =="
	$(BIN)/pytest $(PYTEST_ARGS)
	@echo "== test suite on PostgreSQL =="
	scripts/with-postgres $(BIN)/pytest $(PYTEST_ARGS)

# bench/run.py: the strategy load, the optimiser, the open data import (against DuckDB) and the
# dashboard; GTI_BENCH_SCALE=0.01 for a quick run, GTI_BENCH_ONLY=opendata for one bench alone.
bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
