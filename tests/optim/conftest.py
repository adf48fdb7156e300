"""Harness for optimizer parity tests: the same weights and gradient sequence fed to ember and
to torch.optim (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

SHAPES = [(6, 5), (5,), (3, 2, 2), ()]


def initial_weights(dtype) -> list[np.ndarray]:
    rng = np.random.default_rng(1234)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def gradient_sequence(steps: int, dtype, seed: int = 99) -> list[list[np.ndarray | None]]:
    """Random gradients of varied scale; the third parameter has no gradient at steps 0-2 and 7,
    so lazily created state and skipped parameters are exercised too."""
    rng = np.random.default_rng(seed)
    sequence = []
    for step in range(steps):
        grads = [(rng.standard_normal(shape) * rng.uniform(0.1, 2.0)).astype(dtype)
                 for shape in SHAPES]
        if step in (0, 1, 2, 7):
            grads[2] = None
        sequence.append(grads)
    return sequence


class Harness:
    """Builds parameters and feeds gradients alike for `lib`, the ember or the torch module."""

    gradients = staticmethod(gradient_sequence)

    def params(self, lib, dtype=np.float32) -> list:
        return [lib.tensor(w, requires_grad=True) for w in initial_weights(dtype)]

    def feed(self, lib, params, grads) -> None:
        for p, g in zip(params, grads):
            p.grad = None if g is None else lib.tensor(g.copy())

    def run(self, lib, make, grads, params=None, dtype=np.float32):
        """`make(params)`'s optimizer after one step per entry of `grads`."""
        params = self.params(lib, dtype) if params is None else params
        opt = make(params)
        for step_grads in grads:
            self.feed(lib, params, step_grads)
            opt.step()
        return params, opt


@pytest.fixture
def harness() -> Harness:
    return Harness()
