"""Fixtures for the `ember` command's tests: running it in-process, and models trained once per
session with the recipes the accuracy tests check (the predict and evaluate tests reuse them)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from cli_helpers import FASHION_DIR, Result
from cli_recipes import RECIPES

import ember.data.datasets as datasets
from ember.cli.main import main
from ember.data import MNIST


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Train on one BLAS thread. OpenBLAS's threads spin-wait for each other, so on a machine
    whose cores are all busy (pytest -n 2 on 2 cores) two threads per process run several
    times slower than one; the results are the same bit for bit."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def mnist_env(data_root, monkeypatch) -> Path:
    monkeypatch.setenv("EMBER_DATA", str(data_root))
    return data_root


@pytest.fixture
def no_mnist_anywhere(tmp_path, monkeypatch) -> Path:
    """Every place MNIST could be found is empty; downloads go to a port nobody listens on.
    Returns the folder EMBER_DATA points to."""
    monkeypatch.setenv("EMBER_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(datasets, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(datasets, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    monkeypatch.setattr(MNIST, "download_retries", 1)
    return tmp_path / "empty"


@pytest.fixture
def cli(capsys, mnist_env):
    """Run `ember ARGS...` in this process: its exit status, stdout and stderr."""

    def run(*args: object) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@contextlib.contextmanager
def exclusive(lock_file: Path):
    """Hold an exclusive lock on `lock_file` (between pytest-xdist workers; POSIX only)."""
    try:
        import fcntl
    except ImportError:  # Windows: no workers sharing runs there
        yield
        return
    with open(lock_file, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def trained(tmp_path_factory, data_root):
    """trained(dataset, model) -> the --out directory of that recipe's finished run.

    Each recipe trains once per test session, even with pytest-xdist: the workers share the
    runs through their common temp directory, the first to need one trains it under a lock.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the directory above the workers' own ones

    def get(dataset: str, model: str) -> Path:
        if dataset == "fashion-mnist" and not FASHION_DIR.is_dir():
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI=true but Fashion-MNIST is missing from {FASHION_DIR}")
            pytest.skip("Fashion-MNIST is missing: apt-get install dataset-fashion-mnist")
        out = shared / f"trained-{dataset}-{model}"
        with exclusive(shared / f"trained-{dataset}-{model}.lock"):
            if not (out / "finished").exists():
                shutil.rmtree(out, ignore_errors=True)  # a run that failed half-way
                with pytest.MonkeyPatch.context() as mp:
                    mp.setenv("EMBER_DATA", str(data_root))
                    code = main(["train", "--dataset", dataset, "--model", model,
                                 "--out", str(out), "--no-progress", "--no-download",
                                 *RECIPES[dataset, model]])
                assert code == 0
                (out / "finished").touch()
        return out

    return get
