"""Element-wise primitives. Gradients may come back broadcast; the engine reduces them."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = [
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Exp", "Log", "Log1p", "Sqrt", "Sin", "Cos",
    "Tanh", "Sigmoid", "stable_sigmoid", "Relu", "PiecewiseConstant", "Clamp", "Maximum",
    "Minimum", "Where", "Cast",
]


class Add(Function):
    def forward(ctx, a, b):
        return a + b

    def backward(ctx, g):
        return g, g


BOOL_SUB = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
             "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_BOOL_NEG = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
             "to invert a mask, use the `~` or `logical_not()` operator instead.")


class Sub(Function):
    def forward(ctx, a, b):
        try:
            return a - b
        except TypeError:  # NumPy refuses bool - bool; PyTorch raises a RuntimeError
            raise RuntimeError(BOOL_SUB) from None

    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a * b

    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g * ctx.b if need_a else None), (g * ctx.a if need_b else None)


class Div(Function):
    def forward(ctx, a, b):
        ctx.b = b
        ctx.out = out = a / b
        return out

    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        ga = g / ctx.b if need_a else None
        gb = -g * ctx.out / ctx.b if need_b else None
        return ga, gb


class Pow(Function):
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        out = a**b
        if out.dtype != a.dtype:  # NumPy's bool ** bool is int8; PyTorch keeps bool
            out = out.astype(a.dtype)
        ctx.out = out
        return out

    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        need_a, need_b = ctx.needs_input_grad
        ga = None
        if need_a:
            # d(a**b)/da = b * a**(b-1), taken as 0 where b == 0 (not 0 * inf at a == 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = g * np.where(b == 0, 0, b * a ** (b - 1))
        gb = None
        if need_b:
            # d(a**b)/db = a**b * log(a), taken as 0 where a == 0 and b >= 0, as PyTorch does.
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a == 0) & (b >= 0), 0, ctx.out * np.log(a))
        return ga, gb


class Neg(Function):
    def forward(ctx, a):
        try:
            return -a
        except TypeError:
            raise RuntimeError(_BOOL_NEG) from None

    def backward(ctx, g):
        return -g


class Abs(Function):
    def forward(ctx, a):
        ctx.a = a
        return np.abs(a)

    def backward(ctx, g):
        return g * np.sign(ctx.a)


class Exp(Function):
    def forward(ctx, a):
        ctx.out = out = np.exp(a)
        return out

    def backward(ctx, g):
        return g * ctx.out


class Log(Function):
    def forward(ctx, a):
        ctx.a = a
        return np.log(a)

    def backward(ctx, g):
        return g / ctx.a


class Log1p(Function):
    def forward(ctx, a):
        ctx.a = a
        return np.log1p(a)

    def backward(ctx, g):
        return g / (1 + ctx.a)


class Sqrt(Function):
    def forward(ctx, a):
        ctx.out = out = np.sqrt(a)
        return out

    def backward(ctx, g):
        return g / (2 * ctx.out)


class Sin(Function):
    def forward(ctx, a):
        ctx.a = a
        return np.sin(a)

    def backward(ctx, g):
        return g * np.cos(ctx.a)


class Cos(Function):
    def forward(ctx, a):
        ctx.a = a
        return np.cos(a)

    def backward(ctx, g):
        return -g * np.sin(ctx.a)


class Tanh(Function):
    def forward(ctx, a):
        ctx.out = out = np.tanh(a)
        return out

    def backward(ctx, g):
        return g * (1 - ctx.out * ctx.out)


def stable_sigmoid(a: np.ndarray, e: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + exp(-a)) without overflow: exp is only taken of -|a|, which callers that
    already hold it pass as `e`."""
    if e is None:
        e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    def forward(ctx, a):
        ctx.out = out = stable_sigmoid(a)
        return out

    def backward(ctx, g):
        out = ctx.out
        return g * out * (1 - out)


class Relu(Function):
    def forward(ctx, a):
        ctx.out = out = np.maximum(a, 0)
        return out

    def backward(ctx, g):
        return g * (ctx.out > 0)


class PiecewiseConstant(Function):
    """sign, round, floor, ceil: flat almost everywhere, so the gradient is zero, as in PyTorch."""

    def forward(ctx, a, ufunc=None):
        return ufunc(a)

    def backward(ctx, g):
        return np.zeros_like(g)


class Clamp(Function):
    def forward(ctx, a, min=None, max=None):  # noqa: A002 - PyTorch's names
        ctx.a, ctx.min, ctx.max = a, min, max
        # NumPy scalar bounds (np.float64) must not widen a float32 tensor
        return np.clip(a, min, max).astype(a.dtype, copy=False)

    def backward(ctx, g):
        a, lo, hi = ctx.a, ctx.min, ctx.max
        if lo is not None and hi is not None:
            return g * ((a >= lo) & (a <= hi))
        return g * (a >= lo) if lo is not None else g * (a <= hi)


def _tie_split(g, win, tie):
    """Gradient share of one operand of maximum/minimum: ties split it half and half."""
    return g * (win + 0.5 * tie).astype(g.dtype, copy=False)


class Maximum(Function):
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return np.maximum(a, b)

    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        tie = a == b
        return _tie_split(g, a > b, tie), _tie_split(g, a < b, tie)


class Minimum(Function):
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return np.minimum(a, b)

    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        tie = a == b
        return _tie_split(g, a < b, tie), _tie_split(g, a > b, tie)


class Where(Function):
    def forward(ctx, a, b, condition=None):
        ctx.condition = condition
        return np.where(condition, a, b)

    def backward(ctx, g):
        cond = ctx.condition
        need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        return (np.where(cond, g, zero) if need_a else None,
                np.where(cond, zero, g) if need_b else None)


class Cast(Function):
    def forward(ctx, a, dtype=None):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    def backward(ctx, g):
        return g.astype(ctx.dtype)
