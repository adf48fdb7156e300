# The two commands of the README: `make train` (the digit recognizer) and `make test`.
# Each creates .venv and installs what it needs on first use; both are idempotent.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Real MNIST lies beside the repo on the project's machines; elsewhere `ember train` downloads it.
EMBER_DATA ?= $(wildcard $(abspath ../shared/data))
export EMBER_DATA

.PHONY: train test lint bench venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

train: $(STAMP)
	$(VENV)/bin/ember train --dataset mnist --model cnn --epochs 3 --out runs/mnist-cnn

# One BLAS thread per test worker: with two workers on two cores, more threads only contend.
test: $(STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/pytest -n 2 -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks

bench: $(STAMP)
	$(VENV)/bin/ember bench
