# The README's commands. Each target creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/var/prefect

.PHONY: demo tour test lint bench clean

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

## Lint, types, and every test (SQLite and PostgreSQL).
test: $(STAMP) lint
	mkdir -p "$(PREFECT_HOME)"
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python bench/acts.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/deliver.py
	$(BIN)/python bench/board.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
