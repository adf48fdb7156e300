"""Helpers of the `ember` command's tests; pytest puts this folder on sys.path."""

from __future__ import annotations

import contextlib
import csv
import itertools
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import ember
import ember.cli.trainer as trainer_module
from ember.cli.trainer import Trainer

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist


@dataclass
class Result:
    code: int
    out: str
    err: str


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit status 1 and a single `ember: error: ...` line naming each fragment."""
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ember: error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def weights(checkpoint: Path) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in ember.load(checkpoint)["model"].items()}


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        assert wa[name].dtype == wb[name].dtype
        assert np.array_equal(wa[name], wb[name]), f"{name} differs"


def read_metrics(out: Path) -> list[dict[str, str]]:
    with open(out / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


@contextlib.contextmanager
def sigint_after_step(*steps: int):
    """Send this process a real SIGINT right after the given training steps (counted from 1)."""
    original, count = Trainer._train_step, itertools.count(1)

    def step(self, x, y):
        result = original(self, x, y)
        if next(count) in steps:
            os.kill(os.getpid(), signal.SIGINT)
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Trainer, "_train_step", step)
        yield


@contextlib.contextmanager
def sigint_on_call(name: str, call: int):
    """A real SIGINT when the trainer calls its `name` function for the `call`-th time."""
    original, count = getattr(trainer_module, name), itertools.count(1)

    def wrapper(*args, **kwargs):
        if next(count) == call:
            os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer_module, name, wrapper)
        yield
