"""Argument checks shared by the functions of ember.nn.functional."""

from __future__ import annotations

import numpy as np

from ...inplace import inplace as _inplace
from ...tensor import Tensor

IntPair = int | tuple[int, int]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def pair(value, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as a pair, each at least `minimum`."""
    return ntuple(value, 2, name, op, minimum)


def ntuple(value, n: int, name: str, op: str, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of n ints (one per spatial dim) as a tuple, each at least `minimum`."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        what = "a pair of ints" if n == 2 else f"a tuple of {n} int{'s' * (n > 1)}"
        raise TypeError(f"{op}: {name} must be an int or {what}, got {value!r}")
    if min(values) < minimum:
        raise RuntimeError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def apply_maybe_inplace(input: Tensor, inplace: bool, name: str, fn) -> Tensor:
    """fn(input); with inplace=True (PyTorch's flag) the result is written back into input, as
    the in-place op `name`, and input is returned."""
    if inplace:
        return _inplace(input, name, fn)
    return fn(input)


def check_float(t: Tensor, what: str, op: str) -> np.dtype:
    """t's dtype; a TypeError unless t is a Tensor, a RuntimeError unless it is floating point."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be an ember.Tensor, got {type(t).__name__}")
    if t._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point {what}, got {t.dtype} (shape "
                           f"{tuple(t._data.shape)})")
    return t._data.dtype


# The layout of a batched input with 1, 2 or 3 spatial dims, as errors name it.
LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def batched(input: Tensor, op: str, spatial: int = 2) -> tuple[Tensor, bool]:
    """A batched view (N, C, *spatial) of a batched or unbatched (C, *spatial) input, and whether
    it was unbatched."""
    check_float(input, "input", op)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: expected input with {spatial + 2} dims {LAYOUTS[spatial]} (or "
                           f"{spatial + 1} without the batch dim), got shape "
                           f"{tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == spatial + 1 else (input, False)


def unbatched(out: Tensor, was_unbatched: bool) -> Tensor:
    return out.squeeze(0) if was_unbatched else out
