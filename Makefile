# keepwarm: `make demo` and `make test` work on a fresh machine with Python ≥ 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test lint typecheck unit bench bench-cycle bench-growth clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/keepwarm demo

test: lint typecheck unit

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/detection.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/approval_queue.py
	$(BIN)/python bench/header_parsers.py

bench-cycle: install
	$(BIN)/python bench/cycle.py

# Builds stores of 10k, 100k and 1M interactions (cached in .bench-stores, ~15 min the first time).
bench-growth: install
	$(BIN)/python bench/cycle_growth.py --keep .bench-stores

clean:
	rm -rf $(VENV) examples/.keepwarm .mypy_cache .pytest_cache .ruff_cache
