"""Element-wise primitives. Gradients may come back broadcast; the engine reduces them.

Each backward is NumPy code that also runs on Tensors (see ember/autograd/function.py), so it
uses operators, ufuncs and np.where, never array methods such as .astype or .sum.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = [
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Exp", "Log", "Log1p", "Sqrt", "Sin", "Cos",
    "Tanh", "Sigmoid", "stable_sigmoid", "Relu", "PiecewiseConstant", "Clamp", "Maximum",
    "Minimum", "Where", "Cast", "NoGrad",
]


class Add(Function):
    saves_nothing = True

    def forward(ctx, a, b):
        return a + b

    def backward(ctx, g):
        return g, g


BOOL_SUB = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
             "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_BOOL_NEG = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
             "to invert a mask, use the `~` or `logical_not()` operator instead.")


class Sub(Function):
    saves_nothing = True

    def forward(ctx, a, b):
        try:
            return a - b
        except TypeError:  # NumPy refuses bool - bool; PyTorch raises a RuntimeError
            raise RuntimeError(BOOL_SUB) from None

    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


# --8<-- [start:mul]
class Mul(Function):
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (None if b is None else g * b), (None if a is None else g * a)
# --8<-- [end:mul]


class Div(Function):
    def forward(ctx, a, b):
        out = a / b
        ctx.save_for_backward(b, out if ctx.needs_input_grad[1] else None)
        return out

    def backward(ctx, g):
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * out / b if need_b else None)


class Pow(Function):
    def forward(ctx, a, b):
        out = a**b
        if out.dtype != a.dtype:  # NumPy's bool ** bool is int8; PyTorch keeps bool
            out = out.astype(a.dtype)
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                # d(a**b)/da = b * a**(b-1), taken as 0 where b == 0 (not 0 * inf at a == 0)
                ga = g * np.where(b == 0, 0, b * a ** (b - 1))
            if need_b:
                # d(a**b)/db = a**b * log(a), taken as 0 where a == 0 and b >= 0, as PyTorch.
                gb = g * np.where((a == 0) & (b >= 0), 0, out * np.log(a))
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
        ctx.save_for_backward(a)
        return np.abs(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.sign(a)


class Exp(Function):
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class Log(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / a


class Log1p(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (1 + a)


class Sqrt(Function):
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g / (2 * out)


class Sin(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.cos(a)


class Cos(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * np.sin(a)


class Tanh(Function):
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (1 - out * out)


def stable_sigmoid(a: np.ndarray, e: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + exp(-a)) without overflow: exp is only taken of -|a|, which callers that
    already hold it pass as `e`."""
    if e is None:
        e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    def forward(ctx, a):
        out = stable_sigmoid(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Function):
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (out > 0)


class PiecewiseConstant(Function):
    """sign, round, floor, ceil: flat almost everywhere, so the gradient is zero, as in PyTorch."""

    op_name = "sign"  # or round, floor, ceil: NumPy's errors never reach these

    def forward(ctx, a, ufunc=None, name=None):
        """ufunc(a); `name` (default: the ufunc's) names the node as PyTorch's."""
        ctx.torch_name = (name or ufunc.__name__).capitalize() + "Backward0"
        return ufunc(a)

    def backward(ctx, g):
        return np.zeros_like(g)


class Clamp(Function):
    torch_name = "ClampBackward1"

    def forward(ctx, a, min=None, max=None):  # noqa: A002 - PyTorch's names
        ctx.save_for_backward(a)
        ctx.min, ctx.max = min, max
        # NumPy scalar bounds (np.float64) must not widen a float32 tensor
        return np.clip(a, min, max).astype(a.dtype, copy=False)

    def backward(ctx, g):
        (a,), lo, hi = ctx.saved_tensors, ctx.min, ctx.max
        if lo is not None and hi is not None:
            return g * ((a >= lo) & (a <= hi))
        return g * (a >= lo) if lo is not None else g * (a <= hi)


def _tie_split(g, win, tie):
    """Gradient share of one operand of maximum/minimum: ties split it half and half."""
    return g * win + (g * tie) * 0.5


class Maximum(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        tie = a == b
        return _tie_split(g, a > b, tie), _tie_split(g, a < b, tie)


class Minimum(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        tie = a == b
        return _tie_split(g, a < b, tie), _tie_split(g, a > b, tie)


class Where(Function):
    def forward(ctx, a, b, condition=None):
        ctx.condition = condition
        return np.where(condition, a, b)

    def backward(ctx, g):
        cond = ctx.condition
        need_a, need_b = ctx.needs_input_grad
        return (np.where(cond, g, 0) if need_a else None,
                np.where(cond, 0, g) if need_b else None)


class Cast(Function):
    op_name = "to"
    torch_name = "ToCopyBackward0"

    def forward(ctx, a, dtype=None, order="K"):
        ctx.dtype = a.dtype
        return a.astype(dtype, order=order)

    def backward(ctx, g):
        return Cast.call(g, dtype=ctx.dtype)


class NoGrad(Function):
    """An op without a gradient (a comparison, a logical or bitwise op, isnan): `ufunc` on the
    arrays. These run outside autograd (ember.functions._untracked); they reach Function.apply
    only while an export trace records ops, so that masks made from the inputs reach the graph."""

    op_name = "eq"  # or the other comparisons, logical ops and tests: errors never reach it
    saves_nothing = True

    def forward(ctx, *arrays, ufunc=None):
        return np.asarray(ufunc(*arrays))

    def backward(ctx, g):
        raise RuntimeError(f"{ctx.name()}: this op has no gradient")
