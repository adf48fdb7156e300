"""Rounded division with PyTorch's integer semantics: floor_divide, div(rounding_mode=...),
remainder (the sign of the divisor, Python's %) and fmod (the sign of the dividend, C's).

Integer division by zero raises PyTorch's RuntimeError reading "ZeroDivisionError" (NumPy would
return 0 and warn); float division by zero gives inf or nan, as in PyTorch, without NumPy's
RuntimeWarnings (these ops are rare enough for np.errstate's microseconds).
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Function

__all__ = ["FloorDivide", "RoundedDiv", "Remainder", "Fmod"]


def _check_integer_divisor(op: str, a: np.ndarray, b: np.ndarray) -> None:
    if a.dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors")
    if a.dtype.kind in "iu" and not np.all(b):
        raise RuntimeError(f"ZeroDivisionError: {op} of an integer tensor by zero")


def _quiet(forward):
    """forward without NumPy's divide-by-zero and invalid-value warnings."""
    @functools.wraps(forward)
    def quiet_forward(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return forward(*args, **kwargs)
    return quiet_forward


def _trunc_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b rounded toward zero; exact for integers (no trip through floats)."""
    if a.dtype.kind == "f":
        return np.trunc(a / b)
    quotient, rest = np.divmod(a, b)
    # floor and trunc differ where the division is inexact and the signs differ
    return quotient + ((rest != 0) & ((a < 0) != (b < 0)))


class FloorDivide(Function):
    """torch.floor_divide; like PyTorch it has no derivative (its backward raises)."""

    op_name = "floor_divide"

    @_quiet
    def forward(ctx, a, b):
        _check_integer_divisor("floor_divide", a, b)
        return np.floor_divide(a, b)

    def backward(ctx, g):
        raise RuntimeError("derivative for floor_divide is not implemented")


class RoundedDiv(Function):
    """div(rounding_mode="floor" or "trunc"): piecewise constant, so zero gradients, as PyTorch."""

    op_name = "div"

    @_quiet
    def forward(ctx, a, b, rounding_mode=None):
        _check_integer_divisor("div", a, b)
        if rounding_mode == "floor":
            return np.floor_divide(a, b)
        return _trunc_divide(a, b).astype(a.dtype, copy=False)

    def backward(ctx, g):
        return np.zeros_like(g), np.zeros_like(g)


class Remainder(Function):
    """a - b * floor(a / b): d/da = 1, d/db = -floor(a / b)."""

    @_quiet
    def forward(ctx, a, b):
        _check_integer_divisor("remainder", a, b)
        ctx.a, ctx.b = a, b
        if a.dtype.kind != "f":
            return np.remainder(a, b)
        # PyTorch's float remainder: fmod, moved into b's sign (so 7.5 % -7.5 is +0.0, not -0.0)
        mod = np.fmod(a, b)
        return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)

    @_quiet
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = -g * np.floor_divide(ctx.a, ctx.b) if need_b else None
        return (g if need_a else None), gb


class Fmod(Function):
    """a - b * trunc(a / b): d/da = 1, d/db = -trunc(a / b)."""

    @_quiet
    def forward(ctx, a, b):
        _check_integer_divisor("fmod", a, b)
        ctx.a, ctx.b = a, b
        return np.fmod(a, b)

    @_quiet
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = -g * _trunc_divide(ctx.a, ctx.b) if need_b else None
        return (g if need_a else None), gb
