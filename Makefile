# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The stamp is rebuilt whenever the declared dependencies change.
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: an explicit PYTHON=..., then python3.x on PATH, then pyenv's.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

RUN_ENV := DEBUG=1
# `make test` runs the suite on this many processes (pytest-xdist); 0 runs it in one.
PYTEST_WORKERS ?= 2

.PHONY: help run test lint format messages migrate demo bench check-deploy clean

help:
	@echo "make run     install, migrate, load the demo release and serve http://127.0.0.1:8000"
	@echo "make test    install with test extras, lint, check migrations and run the whole suite"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make format  rewrite the code with ruff format and the safe ruff fixes"
	@echo "make bench   the speed budget: pages against a trivial view at two data sizes, then"
	@echo "             a load run on gunicorn (DATABASE_URL=postgres://... to measure PostgreSQL)"
	@echo "make messages compile the translations (readiness/locale/*/LC_MESSAGES/django.po)"
	@echo "make clean   remove the virtual environment and the embedded database"

$(PY):
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Readiness needs Python 3.12 or newer and none was found." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.13') or point to it: make PYTHON=/path/to/python3.13 ..." >&2; \
	  exit 1; \
	fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# axe-core, which the browser tests inject into the pages, and oidc-provider, the OpenID
# Connect provider the sign-in tests run (package.json pins both). Installed again only when
# the lock file is newer than the last install; without npm the tests that need them say so
# and are skipped (CI has npm, and requires them).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "npm was not found: the accessibility checks and the sign-in tests will be skipped"; \
	fi

# The translations are compiled in pure Python (polib), so no GNU gettext is needed.
messages: $(STAMP)
	$(RUN_ENV) $(PY) manage.py compile_translations

run: $(STAMP) messages
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) $(NODE_STAMP) lint messages
	$(RUN_ENV) $(PY) manage.py makemigrations --check --dry-run --no-input
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(RUN_ENV) $(PY) manage.py migrate --no-input

demo: $(STAMP)
	$(RUN_ENV) $(PY) manage.py load_demo

# Times the pages at 1,000 and 10,000 releases inside a transaction it rolls back, then
# loads gunicorn on a database of its own; writes var/bench.json. See the README.
bench: $(STAMP) messages
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py bench $(BENCH_ARGS)

# Production settings must pass Django's deployment checklist with no warning.
check-deploy: $(STAMP)
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=readiness.example.com $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles node_modules
	find readiness/locale -name '*.mo' -delete
