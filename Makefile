# `make run` starts the app on its embedded defaults; `make test` runs every test. Both build .venv as needed.
# `make test-fast` is the edit-test loop: every check and test except the browser, fresh-install and real-weight ones.
# `make run-remote` starts it without torch: speech and captions run on Replicate (.venv-remote, ~0.6 GB).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

REMOTE_VENV ?= .venv-remote
REMOTE_BIN := $(REMOTE_VENV)/bin
REMOTE_STAMP := $(REMOTE_VENV)/.remote-installed

.PHONY: run run-remote test test-fast lint typecheck format bench screenshots check migrate services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

# app.py serves Home.py's pages behind the access gate, with /sign-in and /readyz (docs/security.md).
# No file watching when just running: watching the repository (with .venv) floods the terminal with
# "Inotify queue overflowed" and helps nobody; `streamlit run Home.py` (development, no gate in front
# of Streamlit's endpoints) still reloads on save.
run: $(RUN_STAMP)
	$(BIN)/python -m core migrate
	$(BIN)/streamlit run app.py --server.fileWatcherType none

$(REMOTE_BIN)/python:
	$(PYTHON) -m venv $(REMOTE_VENV)
	$(REMOTE_BIN)/python -m pip install --quiet --upgrade pip

$(REMOTE_STAMP): requirements-remote.txt | $(REMOTE_BIN)/python
	$(REMOTE_BIN)/python -m pip install --quiet -r requirements-remote.txt
	touch $@

# Needs REPLICATE_API_TOKEN (in .env or the environment): every model runs on Replicate.
run-remote: export SPEECH_ENGINE = replicate
run-remote: export CAPTION_ENGINE = replicate
run-remote: $(REMOTE_STAMP)
	$(REMOTE_BIN)/python -m core migrate
	$(REMOTE_BIN)/python -m streamlit run app.py --server.fileWatcherType none

# The suite runs on PYTEST_WORKERS processes (pytest-xdist); browser tests take turns on one of them.
# Three on two cores: a browser test mostly waits for its server and Chromium, and a third worker fills that
# (docs/development.md has the runs side by side). PYTEST_WORKERS=0 runs it in this one process.
PYTEST_WORKERS ?= 3
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

test: $(DEV_STAMP) services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# No services target: no Chromium, nginx or installs are needed, and PostgreSQL is found or started by the tests.
test-fast: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e and not install and not slow" $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# core/, ui/, pages/, web/, Home.py and app.py, as configured in pyproject.toml's [tool.mypy].
typecheck: $(DEV_STAMP)
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Local services the integration and browser tests use: PostgreSQL and Debian's Chromium.
services:
	@bash scripts/test-services.sh

bench: $(DEV_STAMP) services
	$(BIN)/python -m bench

# docs/screenshots/: Create and History at a desktop and a phone size, light and dark, from Chromium against a fresh
# server (the local stand-in for Replicate).
screenshots: $(DEV_STAMP) services
	@fc-list | grep -qi 'color emoji' || ! command -v apt-get >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null)
	$(BIN)/python scripts/screenshots.py

check: $(RUN_STAMP)
	$(BIN)/python -m core check

migrate: $(RUN_STAMP)
	$(BIN)/python -m core migrate

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache tests/artifacts bench/results
