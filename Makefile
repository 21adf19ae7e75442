# 会务 — the one task runner. `make run` and `make test` work on a fresh machine with
# only Python 3.11: the virtualenv is created and the project installed on first use,
# and installed again only when pyproject.toml changes (the stamp file below).

# Python 3.11 where installed under that name (Django 5.2 LTS; the project supports 3.11–3.12).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-huiwu
MANAGE := $(PY) manage.py

ADDR ?= 127.0.0.1:8000
# The embedded default is a developer's laptop or a single intranet box: debug pages on.
DEBUG ?= 1
PYTEST_ARGS ?=

# When TEST_DATABASE_URL is set, the tests run against that database (e.g. PostgreSQL);
# pytest-django creates and drops its own test_<name> database there.
ifdef TEST_DATABASE_URL
TEST_ENV := DATABASE_URL='$(TEST_DATABASE_URL)'
endif

.DEFAULT_GOAL := help
.PHONY: help install run worker test smoke lint format migrate seed bench backup clean

help:
	@echo "make run      start web (http://$(ADDR)) and worker; loads demo data into an empty database"
	@echo "make test     run the whole test suite (TEST_DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make smoke    scale-out smoke test: PostgreSQL + Redis, gunicorn x2, qcluster x2 (docs/deploy.md)"
	@echo "make lint     ruff check, ruff format --check, mypy"
	@echo "make worker   run the background worker alone (qcluster)"
	@echo "make migrate  apply database migrations"
	@echo "make seed     load demo data (does nothing if the database has data)"
	@echo "make bench    run the benchmarks"
	@echo "make backup   online backup of the SQLite database into var/backups/"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

migrate: $(STAMP)
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

# Links in the demo's mails and calendars point at the address the server really listens on.
run: export SITE_URL ?= http://$(ADDR)
run: migrate
	$(MANAGE) collectstatic --noinput --verbosity 0
	@# The PDFs (座次图, 桌签 …) need a CJK TrueType font: warn with the apt-get line if none.
	-@$(MANAGE) fonts --check
	$(MANAGE) seed_demo
	DEBUG=$(DEBUG) $(MANAGE) serve --addr $(ADDR)

worker: migrate
	$(MANAGE) qcluster

# ical.js (Thunderbird's iCalendar parser) checks the calendar feeds in the tests; npm
# installs it again only when package.json changes. Without npm those checks skip,
# unless REQUIRE_ICALJS=1 (CI) makes them fail.
NODE_STAMP := node_modules/.installed-huiwu

$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the ical.js checks of the calendar feeds will be skipped"; \
	fi

test: $(STAMP) $(NODE_STAMP)
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# Not part of `make test`: it needs PostgreSQL and Redis on 127.0.0.1 (SMOKE_POSTGRES_URL,
# SMOKE_REDIS_URL to point elsewhere) and fails, never skips, without them.
smoke: $(STAMP)
	$(PY) -m tests.smoke.scaleout

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core rooms meetings bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@if [ -f bench/__main__.py ]; then \
		$(PY) -m bench; \
	else \
		echo "no benchmarks yet"; \
	fi

backup: $(STAMP)
	$(MANAGE) backup

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info var/static var/test.sqlite3*
