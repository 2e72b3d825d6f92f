# Every target builds its own virtual environment, so a fresh clone needs only Python >= 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pip's notices about unused local indexes and setuptools' build chatter are noise here.
PIP    := $(BIN)/pip --quiet --disable-pip-version-check

.PHONY: demo test check lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PIP) install -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import model, pytest, ruff, mypy"  # fail here if the install failed
	touch $(STAMP)

# The three reform steps plus all eighteen mechanisms, on common random numbers,
# ending with the comparison report (its path is printed last).
demo: $(STAMP)
	$(BIN)/approvalsim compare scenarios/baseline-serial.yaml scenarios/parallel.yaml \
		scenarios/simulated.yaml scenarios/three-sixes.yaml --out results/demo --force --report

# Lint, types and the whole suite (what CI runs).
test: lint
	$(BIN)/python -m pytest -n 2 -q

# The fast tier for everyday work: no slow statistical tests.
check: lint
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check model
	$(BIN)/ruff format --check model
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) results
