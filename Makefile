# Every target builds its own virtual environment, so a fresh clone needs only Python >= 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The three reform steps plus all eighteen mechanisms, on common random numbers,
# ending with the comparison report (its path is printed last).
demo: $(STAMP)
	$(BIN)/approvalsim compare scenarios/baseline-serial.yaml scenarios/parallel.yaml \
		scenarios/simulated.yaml scenarios/three-sixes.yaml --out results/demo --force --report

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) results
