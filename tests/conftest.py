"""Shared fixtures. `torch` is the oracle: skipped without it, except under CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import ember

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("EMBER_DATA", REPO.parent / "shared" / "data")).resolve()
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def import_torch():
    """The torch module; a skip when it is missing, a failure when CI=true."""
    try:
        import torch
    except ImportError:
        if IN_CI:
            pytest.fail("CI=true but torch is not installed: the parity tests must run in CI")
        pytest.skip("torch is not installed (parity tests run in CI)")
    torch.set_num_threads(1)
    return torch


@pytest.fixture(scope="session")
def torch():
    return import_torch()


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The directory that holds mnist/ (and where EMBER_DATA points)."""
    if not (DATA / "mnist").is_dir():
        if IN_CI:
            pytest.fail(f"CI=true but the MNIST data is missing under {DATA}")
        pytest.skip(f"MNIST data not found under {DATA}; set EMBER_DATA")
    return DATA


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """Debian's Fashion-MNIST (apt-get install dataset-fashion-mnist), where ember finds it."""
    if not DEBIAN_FASHION.is_dir():
        why = f"{DEBIAN_FASHION} is missing: apt-get install dataset-fashion-mnist"
        if IN_CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    return DEBIAN_FASHION
