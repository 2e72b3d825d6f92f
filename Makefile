# Every target builds its own virtual environment, so a fresh clone needs only Python >= 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Two installs, each with its own stamp: `make demo` needs only the package and its
# dependencies; `make test` (and lint, check, bench) also the [test] extras. A test
# install covers the demo's needs too, so it marks both.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# pip's notices about unused local indexes are this machine's, not the project's.
PIP    := $(BIN)/pip --quiet --disable-pip-version-check
QUIET_INDEXES := grep -v "^WARNING: Location" || true

.PHONY: demo test check lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | $(QUIET_INDEXES)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e . 2>&1 | $(QUIET_INDEXES)
	$(BIN)/python -c "import model"  # fail here if the install failed
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]' 2>&1 | $(QUIET_INDEXES)
	$(BIN)/python -c "import model, pytest, ruff, mypy"  # fail here if the install failed
	touch $(TEST_STAMP) $(RUN_STAMP)

# The three reform steps plus all eighteen mechanisms, on common random numbers,
# ending with the comparison report (its path is printed last).
demo: $(RUN_STAMP)
	$(BIN)/approvalsim compare scenarios/baseline-serial.yaml scenarios/parallel.yaml \
		scenarios/simulated.yaml scenarios/three-sixes.yaml --out results/demo --force --report

# Lint, types and the whole suite (what CI runs).
test: lint
	$(BIN)/python -m pytest -n 2 --dist worksteal -q

# The fast tier for everyday work: no slow statistical tests.
check: lint
	$(BIN)/python -m pytest -n 2 --dist worksteal -q -m "not slow"

lint: $(TEST_STAMP)
	$(BIN)/ruff check model
	$(BIN)/ruff format --check model
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) results
