# Shop backend. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop

.DEFAULT_GOAL := help
.PHONY: bench-checkout bench-compare fuzz help venv install install-dev run migrate seed lint format test check-postgres scale-deps browser-deps scale bench bench-quick bench-peer bench-scale wrk clean
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=300 -y -qq

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python ## Create .venv if missing

install: venv ## Install the runtime requirements into .venv
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt

install-dev: venv ## Install runtime + test requirements into .venv
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt

migrate: install ## Apply migrations (SQLite unless DATABASE_URL is set)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: migrate ## Create the demo catalogue (and DEMO_ADMIN_* admin when set)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo

run: seed ## Install, migrate, seed; serve the API and admin (gunicorn, PORT 8000) beside the task worker
	DEBUG=$${DEBUG:-1} $(BIN)/honcho start -f Procfile -p $(PORT)  # gunicorn.conf.py; Ctrl-C stops both

lint: install-dev ## ruff check, ruff format --check, the layering contracts (import-linter, pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: install-dev ## ruff format + fix imports
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

check-postgres:
	@DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(BIN)/python scripts/check_postgres.py

# Debian's PgBouncer and nginx: the scale tests (tests/scale/) and `make scale` start their own, as our own
# processes on free ports (scripts/topology.py); the packages' services are never started or configured.
scale-deps: ## Install pgbouncer and nginx (Debian packages) when missing
	@missing=""; \
	{ command -v pgbouncer || test -x /usr/sbin/pgbouncer; } >/dev/null 2>&1 || missing="$$missing pgbouncer"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; $(APT_GET) update && $(APT_GET) install$$missing; fi

scale: install scale-deps ## nginx, 4 app hosts, PgBouncer, a primary and a streaming replica on this machine (Ctrl-C stops)
	$(BIN)/python scripts/topology.py --web 4 --replica --seed

# Debian's chromium for the browser tests (tests/browser/): Playwright cannot download its own browser here.
browser-deps: ## Install chromium (Debian package) when missing
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { echo "installing chromium"; $(APT_GET) update && $(APT_GET) install chromium; }

test: lint check-postgres scale-deps browser-deps ## Install, lint, check migrations and run the whole suite on PostgreSQL
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" SECRET_KEY="$${SECRET_KEY:-test-secret-key-for-the-suite-only-0123456789}" \
		$(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" SECRET_KEY="$${SECRET_KEY:-test-secret-key-for-the-suite-only-0123456789}" \
		$(BIN)/pytest -q $(PYTEST_ARGS)

# Benchmarks (bench/, README "Benchmarks"): never part of `make test`. Databases are created when missing.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop_bench
BENCH_DATABASE_URL_1M ?= $(BENCH_DATABASE_URL)_1m
PEER_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/oscar_bench
PEER_VENV := bench/peer/.venv
BENCH_ENV = BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_DATABASE_URL_1M="$(BENCH_DATABASE_URL_1M)" \
	PEER_DATABASE_URL="$(PEER_DATABASE_URL)"

wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }

$(PEER_VENV)/bin/gunicorn: bench/peer/requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install -q --disable-pip-version-check -r bench/peer/requirements.txt
	touch $@

FUZZ_SEEDS ?= 17 1 2 3
fuzz: install-dev check-postgres ## The schemathesis fuzz alone (every check, as in `make test`) once per seed of FUZZ_SEEDS
	@for seed in $(FUZZ_SEEDS); do echo "fuzz, seed $$seed"; \
		FUZZ_SEED=$$seed DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" SECRET_KEY="$${SECRET_KEY:-test-secret-key-for-the-suite-only-0123456789}" \
		$(BIN)/pytest -q tests/fuzz $(PYTEST_ARGS) || exit 1; done

bench-peer: $(PEER_VENV)/bin/gunicorn ## The peer: django-oscar 4.2.1 + oscar-api 3.3.0 in bench/peer/.venv
	@echo "peer ready: $(PEER_VENV) (the bench creates, migrates and loads $(PEER_DATABASE_URL))"

bench: install-dev wrk bench-peer ## Full benchmark beside Oscar, 1,000 and 1,000,000 products (~25 min)
	$(BENCH_ENV) $(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install-dev wrk bench-peer ## Reduced benchmark: 1,000 products, one short round (< 3 min)
	$(BENCH_ENV) $(BIN)/python bench/run.py --quick $(BENCH_ARGS)

bench-scale: install-dev wrk scale-deps ## Issue 20's runs: 4 hosts direct, through PgBouncer, catalogue on the replica (~4 min)
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

BASE ?= HEAD
bench-compare: install-dev ## The shopper flow of the working tree against BASE (a git revision), interleaved (~2 min; COMPARE_ARGS)
	$(BENCH_ENV) $(BIN)/python bench/compare.py $(BASE) $(COMPARE_ARGS)

bench-checkout: install-dev ## In-process shopper-flow timing (bench/checkout_inprocess.py; BENCH_FLOWS, default 300)
	$(BIN)/python bench/checkout_inprocess.py $(BENCH_FLOWS)

clean: ## Remove the virtualenv and the local SQLite database
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
