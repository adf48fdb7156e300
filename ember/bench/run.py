"""Run one row: build each library's step, check that they compute the same thing, time them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .rows import LIBS, Row
from .timing import Budget, Timing, measure
from .workloads import Framework

# How far ember and torch may stray from the NumPy floor on the first call (relative to the
# result's largest magnitude): these are different summation orders, not different math.
_TOLERANCE = {np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-9}


@dataclass
class RowResult:
    row: Row
    timings: dict[str, Timing] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _as_array(value) -> np.ndarray:
    if hasattr(value, "detach"):  # an ember or torch tensor
        value = value.detach().numpy()
    return np.asarray(value)


def run_row(row: Row, frameworks: dict[str, Framework], dtype: np.dtype,
            budget: Budget) -> RowResult:
    result = RowResult(row)
    steps, outputs = {}, {}
    for lib in LIBS:
        if lib != "numpy" and lib not in frameworks or lib == "numpy" and not row.workload.numpy:
            continue
        try:
            if lib == "numpy":
                step = row.workload.numpy(dtype)
            else:
                step = row.workload.framework(frameworks[lib], dtype)
            outputs[lib] = _as_array(step())
        except Exception as e:  # one library lacking a feature must not end the run
            result.errors[lib] = f"{type(e).__name__}: {e}"
            continue
        steps[lib] = step
    reference = outputs.get("numpy")
    if reference is not None and row.workload.compare:
        for lib, out in outputs.items():
            problem = _disagreement(out, reference, dtype)
            if problem:
                result.errors[lib] = f"result differs from NumPy's: {problem}"
                del steps[lib]
    if steps:
        result.timings = measure(steps, budget)
    return result


def _disagreement(out: np.ndarray, reference: np.ndarray, dtype: np.dtype) -> str | None:
    if out.shape != reference.shape or out.dtype != reference.dtype:
        return (f"shape {out.shape} dtype {out.dtype}, expected shape {reference.shape} dtype "
                f"{reference.dtype}")
    scale = float(np.abs(reference).max(initial=0.0)) + 1.0
    worst = float(np.abs(out.astype(np.float64) - reference).max(initial=0.0))
    if not worst <= _TOLERANCE[np.dtype(dtype)] * scale:
        return f"max abs difference {worst:.3g}"
    return None
