# Eventdesk. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test screenshots setup migrate lint format check prod-local clean

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

## Set up, migrate, load demo data, serve HTTP + websockets on http://$(HOST):$(PORT), with a
## worker for the background tasks (e-mails, notification fan-out, order expiry) beside it
run: migrate
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Starting a background worker beside the server (manage.py db_worker: e-mails, notifications," \
		"order expiry); it stops with the server."
	DEBUG=true SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py db_worker --reload & worker=$$!; \
	trap 'pkill -TERM -P $$worker 2>/dev/null; kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Set up and run every test (browser tests too, where Chromium is installed), on every core
## (`make test PYTEST_WORKERS=0` runs them in one process)
PYTEST_WORKERS ?= auto
test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## Run the browser tests (the e2e ones) keeping their screenshots in test-artifacts/
## (`make test` takes none: writing them costs time)
screenshots: setup
	SCREENSHOTS=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m e2e $(PYTEST_ARGS) \
		tests/e2e tests/notifications/test_live_badge_browser.py tests/notifications/test_center_browser.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .test-db*.sqlite3

## Production-like on this machine: PostgreSQL + Redis, 2 daphne processes behind nginx on :8080
## (through PgBouncer when it is installed; `make prod-local PGBOUNCER=` goes without)
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/eventdesk
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PGBOUNCER ?= $(shell command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null)
prod-local: setup
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (echo "nginx missing: apt-get install nginx-light" && exit 1)
	@psql "$(dir $(PROD_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$(notdir $(PROD_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(PROD_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(PROD_DATABASE_URL))"
	DATABASE_URL=$(PROD_DATABASE_URL) REDIS_URL=$(PROD_REDIS_URL) $(BIN)/python deploy/stack.py --processes 2 --port 8080 --seed-demo $(if $(PGBOUNCER),--pgbouncer)
