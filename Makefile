# `make run` starts the app on its embedded defaults; `make test` runs every test. Both build .venv as needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint format bench check migrate services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

# No file watching when just running: watching the repository (with .venv) floods the terminal with
# "Inotify queue overflowed" and helps nobody; `streamlit run Home.py` alone still reloads on save.
run: $(RUN_STAMP)
	$(BIN)/python -m core migrate
	$(BIN)/streamlit run Home.py --server.fileWatcherType none

test: $(DEV_STAMP) services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Local services the integration and browser tests use: PostgreSQL and Debian's Chromium.
services:
	@bash scripts/test-services.sh

bench: $(DEV_STAMP) services
	$(BIN)/python -m bench

check: $(RUN_STAMP)
	$(BIN)/python -m core check

migrate: $(RUN_STAMP)
	$(BIN)/python -m core migrate

clean:
	rm -rf .pytest_cache .ruff_cache tests/artifacts bench/results
