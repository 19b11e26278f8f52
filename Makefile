# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python examples/demo.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/pip install -qq -e '.[test,bench]'
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/gate_latency.py
	$(BIN)/python bench/capture.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/opportunities.py
	$(BIN)/python bench/incident_scale.py

clean:
	rm -rf $(VENV) .demo dist build .pytest_cache .mypy_cache .ruff_cache
