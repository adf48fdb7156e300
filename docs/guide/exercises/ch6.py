"""Chapter 6's exercises: an unfused linear layer, and timing by the minimum."""

from __future__ import annotations

import time
from collections.abc import Callable

import ember


def linear_unfused(x: ember.Tensor, weight: ember.Tensor, bias: ember.Tensor) -> ember.Tensor:
    """x @ weight.T + bias as three recorded ops (a transpose view, a matmul, an add)."""
    return x @ weight.t() + bias


def best_time(fn: Callable[[], object], repeats: int = 5) -> float:
    """The least time over `repeats` calls of fn, in seconds. Load from other processes only
    ever adds time, so the minimum is the run least disturbed by it; a mean mixes the noise in."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
