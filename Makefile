# The two commands of the README: `make train` (the digit recognizer) and `make test`.
# Each creates .venv and installs what it needs on first use, one line per step (pip's own output
# goes to .venv/install.log, and is shown only if it fails). Both can run again: a second
# `make train` finishes an interrupted run, or reports the finished one without training again.
VENV   := .venv
PY     := $(VENV)/bin/python
LOG    := $(VENV)/install.log
RUN    := runs/mnist-cnn
# What `ember train` needs, and then what the tests need besides (pytest, ruff, ...).
CLI_STAMP := $(VENV)/.installed-cli
DEV_STAMP := $(VENV)/.installed-dev
# Real MNIST lies beside the repo on the project's machines; elsewhere `ember train` downloads it.
EMBER_DATA ?= $(wildcard $(abspath ../shared/data))
export EMBER_DATA

DOCS_STAMP := $(VENV)/.docs-stamp

.PHONY: train test lint bench venv docs

venv: $(DEV_STAMP)

$(PY):
	@echo "make: creating the virtual environment $(VENV) with $$(python3 --version)"
	@python3 -m venv $(VENV)

$(CLI_STAMP): pyproject.toml | $(PY)
	@echo "make: installing ember, NumPy, safetensors, tqdm, matplotlib and Pillow into $(VENV)" \
	  "(a minute or two; log: $(LOG))"
	@$(PY) -m pip install --quiet -e '.[cli]' >>$(LOG) 2>&1 || { tail -n 25 $(LOG); exit 1; }
	@touch $@

$(DEV_STAMP): $(CLI_STAMP)
	@echo "make: installing the test tools (pytest, pytest-xdist, hypothesis, ruff, Sybil) and ember's" \
	  "optional extras (ml_dtypes, mpi4py, mpich, onnx, onnxruntime) into $(VENV)"
	@$(PY) -m pip install --quiet -e '.[dev]' >>$(LOG) 2>&1 || { tail -n 25 $(LOG); exit 1; }
	@touch $@

# A run already in runs/mnist-cnn is continued (or, finished, reported) instead of refused.
train: $(CLI_STAMP)
	@if [ -f $(RUN)/checkpoint.safetensors ]; then \
	  echo "$(VENV)/bin/ember train --out $(RUN) --resume"; \
	  $(VENV)/bin/ember train --out $(RUN) --resume; \
	else \
	  echo "$(VENV)/bin/ember train --dataset mnist --model cnn --epochs 3 --out $(RUN)"; \
	  $(VENV)/bin/ember train --dataset mnist --model cnn --epochs 3 --out $(RUN); \
	fi

# One BLAS thread per test worker: with two workers on two cores, more threads only contend.
# -rs lists why tests were skipped (without PyTorch, the parity tests are). The documentation's
# examples (docs/, README.md) run after the tests, in one process: each page's blocks share one
# namespace and run in order.
test: $(DEV_STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks docs conftest.py _ember_cli.py
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/pytest -n 2 -q -rs \
	  -p no:cacheprovider tests
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VENV)/bin/pytest -q -rs \
	  -p no:cacheprovider -p no:xdist docs README.md

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check ember tests benchmarks docs conftest.py _ember_cli.py

# The documentation site (guide, reference, the command's manual) into site/. --strict: a broken
# link, a missing reference or a missing quoted snippet fails the build.
$(DOCS_STAMP): pyproject.toml $(DEV_STAMP)
	@echo "make: installing MkDocs, Material and mkdocstrings into $(VENV)"
	@$(PY) -m pip install --quiet -e '.[docs]' >>$(LOG) 2>&1 || { tail -n 25 $(LOG); exit 1; }
	@touch $@

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

bench: $(CLI_STAMP)
	$(VENV)/bin/ember bench
