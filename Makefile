# The README's commands. Each target creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/var/prefect

.PHONY: demo tour test check lint bench clean

# pytest-xdist: one process per core, each with its own SQLite files and PostgreSQL schemas; tests sharing a server,
# a browser or the Prefect harness stay on one worker (--dist loadgroup, groups set in tests/conftest.py).
WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(WORKERS) --dist loadgroup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

## The main job: 18 simulated months of the sample programme, through Prefect flows (jalon demo).
demo: $(STAMP)
	mkdir -p "$(PREFECT_HOME)"
	$(BIN)/jalon demo

## A tour of the `jalon` command on the sample programme, one act at a time.
tour: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/walkthrough.sh

## Lint, types, and every test (SQLite and PostgreSQL, the browser, Prefect), in parallel: ~4 min on two cores.
test: $(STAMP) lint
	mkdir -p "$(PREFECT_HOME)"
	$(PYTEST)

## The inner loop: lint, types, and every test not marked slow: ~1.5 min on two cores.
check: $(STAMP) lint
	mkdir -p "$(PREFECT_HOME)"
	$(PYTEST) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python bench/acts.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/deliver.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/cli_start.py
	$(BIN)/python bench/flow_run.py
	$(BIN)/python bench/imports.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
