# Every target creates .venv (and installs the package with its test extras) when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pip arguments, e.g. AIRFLOW_SPEC="apache-airflow==3.3.2" to pin the Airflow under test.
AIRFLOW_SPEC ?=
PYTEST_ARGS ?=

.PHONY: all test lint typecheck unit demo bench clean

all: test

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]" $(AIRFLOW_SPEC)
	@touch $(STAMP)

## lint: ruff (including the Airflow 3 AIR rules in preview), format check, mypy
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff check --preview --select AIR .
	$(BIN)/ruff format --check .
	$(BIN)/mypy genomics_provider

## test: lint, types and the whole test suite (unit, emulator, end-to-end)
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## unit: the fast tests only, while developing
unit: $(STAMP)
	$(BIN)/python -m pytest -m "not integration and not system" $(PYTEST_ARGS)

## demo: run the example DAGs end to end on the local emulator and print what changed
demo: $(STAMP)
	$(BIN)/python -m genomics_provider.testing.demo

BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]" $(AIRFLOW_SPEC)
	@touch $(BENCH_STAMP)

## bench: benchmarks against the emulator (not part of make test); BENCH_ARGS="--quick" for a smoke run
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-min .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
