"""Argument checks shared by the functions of ember.nn.functional."""

from __future__ import annotations

import numpy as np

from ...inplace import inplace as _inplace
from ...tensor import Tensor

IntPair = int | tuple[int, int]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def pair(value, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as a pair, each at least `minimum`."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise RuntimeError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


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


def batched(input: Tensor, op: str) -> tuple[Tensor, bool]:
    """A 4-D view of an (N, C, H, W) or unbatched (C, H, W) input, and whether it was unbatched."""
    check_float(input, "input", op)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected input with 4 dims (N, C, H, W) (or 3 without the "
                           f"batch dim), got shape {tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


def unbatched(out: Tensor, was_unbatched: bool) -> Tensor:
    return out.squeeze(0) if was_unbatched else out
