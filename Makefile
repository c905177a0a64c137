# Every target creates .venv (and installs the package with its test extras) when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pip arguments, e.g. AIRFLOW_SPEC="apache-airflow==3.3.2" to pin the Airflow under test.
AIRFLOW_SPEC ?=
PYTEST_ARGS ?=

.PHONY: all test lint typecheck unit demo bench clean test-matrix matrix-one

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

# The older supported Airflow versions (.venv, `make test`, has the newest): the declared floor (3.1.2, the oldest
# 3.1 that works; keep in step with pyproject.toml), the newest 3.1 and the newest 3.2.
AIRFLOW_MATRIX ?= 3.1.2 3.1.8 3.2.2
# Where the per-version venvs live (.venv-af3.1.2, ...); CI points this at a directory the machine keeps.
MATRIX_DIR ?= .
# On the older versions, everything but the races between our own writer processes and their throughput checks:
# those test our locking and pacing, not Airflow, take ~10 of the suite's ~17 minutes, and run on the newest Airflow.
MATRIX_PYTEST_ARGS ?= --deselect tests/reliability/test_multiprocess_writers.py \
	--deselect tests/reliability/test_multiprocess_conflicts.py --deselect tests/reliability/test_shared_limit_processes.py

## test-matrix: `make test` on the newest Airflow, then the suite (MATRIX_PYTEST_ARGS) on each older version
test-matrix: test
	@set -e; for v in $(AIRFLOW_MATRIX); do \
	    $(MAKE) --no-print-directory matrix-one VENV="$(MATRIX_DIR)/.venv-af$$v" AIRFLOW_VERSION="$$v"; \
	done

# One matrix venv: (re)install when its Airflow is not AIRFLOW_VERSION or pyproject.toml changed, then run pytest
# (MATRIX_PYTEST_ARGS, then PYTEST_ARGS for more).
# Lint and mypy run once, on the newest Airflow: the type stubs differ per minor and the code is the same.
matrix-one:
	@test -n "$(AIRFLOW_VERSION)" || { echo "matrix-one needs AIRFLOW_VERSION=3.x.y"; exit 2; }
	@test "$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("apache-airflow"))' 2>/dev/null)" \
	    = "$(AIRFLOW_VERSION)" || rm -f $(STAMP)
	@$(MAKE) --no-print-directory $(STAMP) VENV="$(VENV)" AIRFLOW_SPEC="apache-airflow==$(AIRFLOW_VERSION)"
	@echo "== pytest on Airflow $(AIRFLOW_VERSION) ($(VENV))"
	$(BIN)/python -m pytest $(MATRIX_PYTEST_ARGS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .venv-min .venv-af* .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
