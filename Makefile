# The README's commands: `make run` serves the site, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export DIRECTORY_DEPLOYMENT ?= development
FLASK  := $(BIN)/flask --app directory
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
EXAMPLE_CLINICS ?= 300
# pytest-xdist: one worker per core; the browser tests share one worker (tests/conftest.py).
PYTEST_WORKERS ?= -n auto --durations=10

.PHONY: run test lint db clean bench serve stress audit

# A fresh Debian has python3 without the venv module; install it when missing.
$(STAMP): pyproject.toml
	@if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then \
	  echo "Installing python3-venv (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	fi
	@test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

db: $(STAMP)
	$(FLASK) seed
	$(FLASK) demo-data --clinics $(EXAMPLE_CLINICS)
	$(FLASK) render-cards

run: export DIRECTORY_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: db
	@echo "Serving on http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing (needs root).
CHROMIUM_STAMP := /usr/bin/chromium
$(CHROMIUM_STAMP):
	@echo "Installing Debian's chromium for the browser tests"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

# Rate limits shared by several gunicorn workers live in Redis (the tests start their own).
REDIS_SERVER := /usr/bin/redis-server
$(REDIS_SERVER):
	@echo "Installing Debian's redis-server"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server

test: $(STAMP) $(CHROMIUM_STAMP) $(REDIS_SERVER)
	$(BIN)/ruff check directory tests
	$(BIN)/mypy
	@echo "== Test suite on SQLite, with the browser tests against gunicorn (one worker per core)"
	$(BIN)/python -m pytest $(PYTEST_WORKERS)
	@echo "== Test suite on PostgreSQL (a throwaway cluster; installs postgresql when missing)"
	$(BIN)/python tests/pg_cluster.py --in-memory $(BIN)/python -m pytest $(PYTEST_WORKERS) -p no:cacheprovider --ignore=tests/browser

lint: $(STAMP)
	$(BIN)/ruff check directory tests
	$(BIN)/ruff format --check directory tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache

bench: $(STAMP) $(REDIS_SERVER)
	$(BIN)/python tests/bench/bench_http.py --backend sqlite
	$(BIN)/python tests/pg_cluster.py $(BIN)/python tests/bench/bench_http.py --backend postgresql
	$(BIN)/python tests/bench/bench_http.py --report

# Production-style serving: gunicorn, JSON logs on stdout, and a local Redis for the rate
# limits its workers share (started here unless REDIS_URL names one). Outside development
# it needs the settings listed in the README's deployment section.
REDIS_PORT ?= 6379
BIND ?= 127.0.0.1:8000
serve: export REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0
serve: export DIRECTORY_PUBLIC_BASE_URL ?= http://$(BIND)
serve: db $(REDIS_SERVER)
	@if [ "$(REDIS_URL)" = "redis://127.0.0.1:$(REDIS_PORT)/0" ] && \
	  ! redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1; then \
	  echo "Starting redis-server on 127.0.0.1:$(REDIS_PORT)"; \
	  $(REDIS_SERVER) --port $(REDIS_PORT) --bind 127.0.0.1 --save '' --appendonly no --daemonize yes; \
	fi
	BIND=$(BIND) $(BIN)/gunicorn --config python:directory.gunicorn_config directory.wsgi:app

# Long runs kept out of `make test`: a 60 s soak on SQLite and on PostgreSQL, and the
# property tests with many more examples. Prints its figures.
stress: $(STAMP)
	$(BIN)/python tests/stress/soak.py
	$(BIN)/python tests/pg_cluster.py $(BIN)/python tests/stress/soak.py
	FUZZ_EXAMPLES=1000 $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

# Lighthouse (pinned in tools/audit/package-lock.json) on the main pages at mobile settings,
# against a throwaway seeded site on a free port, driving Debian's Chromium. Not part of test.
# AUDIT_ARGS="--runs 3 --pages compare" takes the median of 3 runs of the compare page.
AUDIT_DIR := tools/audit
$(AUDIT_DIR)/node_modules/.installed: $(AUDIT_DIR)/package-lock.json
	cd $(AUDIT_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

audit: $(STAMP) $(CHROMIUM_STAMP) $(AUDIT_DIR)/node_modules/.installed
	CHROME_PATH=/usr/bin/chromium $(BIN)/python $(AUDIT_DIR)/run_audit.py $(AUDIT_ARGS)
