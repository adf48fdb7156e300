# The two commands of the README: `make train` (the digit recognizer) and `make test`.
# Each creates .venv and installs what it needs on first use; both are idempotent.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Real MNIST lies beside the repo on the project's machines; elsewhere `ember train` downloads it.
EMBER_DATA ?= $(wildcard $(abspath ../shared/data))
export EMBER_DATA

DOCS_STAMP := $(VENV)/.docs-stamp

.PHONY: train test lint bench venv docs

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

train: $(STAMP)
	$(VENV)/bin/ember train --dataset mnist --model cnn --epochs 3 --out runs/mnist-cnn

# One BLAS thread per test worker: with two workers on two cores, more threads only contend.
# loadgroup keeps each documentation page's examples on one worker, in order (conftest.py).
test: $(STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks docs conftest.py
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/pytest -n 2 \
		--dist loadgroup -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks docs conftest.py

# The documentation site (guide, reference, the command's manual) into site/. --strict: a broken
# link, a missing reference or a missing quoted snippet fails the build.
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

bench: $(STAMP)
	$(VENV)/bin/ember bench
