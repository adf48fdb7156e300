"""More element-wise primitives: the trigonometric and hyperbolic family, exp2/expm1/log2/log10,
reciprocal, sinc, logit, nan_to_num, and the binary hypot, atan2, logaddexp(2), xlogy, lerp and
clamp with tensor bounds.

The one-input ops are made from a table: a ufunc and its derivative, written (like every
backward) with operators and ufuncs, so that the same formula runs on arrays and, under
create_graph=True, on Tensors. Each gets its own class, named as PyTorch names its node.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function

_LN2, _LN10 = math.log(2), math.log(10)


def _unary(name: str, ufunc, derivative, of: str = "input") -> type[Function]:
    """A primitive y = ufunc(x) whose backward is g * derivative(v), v the saved input (of=
    "input") or output (of="output"): each saves only what its derivative reads, as PyTorch's."""
    save_output = of == "output"

    def forward(ctx, a):
        out = ufunc(a)
        ctx.save_for_backward(out if save_output else a)
        return out

    def backward(ctx, g):
        v, = ctx.saved_tensors
        return g * derivative(v)

    return type(name, (Function,), {"forward": forward, "backward": backward,
                                    "__doc__": f"{name.lower()}, element-wise."})


Tan = _unary("Tan", np.tan, lambda out: 1 + out * out, of="output")
Asin = _unary("Asin", np.arcsin, lambda a: 1 / np.sqrt(1 - a * a))
Acos = _unary("Acos", np.arccos, lambda a: -1 / np.sqrt(1 - a * a))
Atan = _unary("Atan", np.arctan, lambda a: 1 / (1 + a * a))
Sinh = _unary("Sinh", np.sinh, np.cosh)
Cosh = _unary("Cosh", np.cosh, np.sinh)
Asinh = _unary("Asinh", np.arcsinh, lambda a: 1 / np.sqrt(a * a + 1))
Acosh = _unary("Acosh", np.arccosh, lambda a: 1 / np.sqrt((a - 1) * (a + 1)))
Atanh = _unary("Atanh", np.arctanh, lambda a: 1 / (1 - a * a))
Expm1 = _unary("Expm1", np.expm1, lambda out: out + 1, of="output")
Exp2 = _unary("Exp2", np.exp2, lambda out: out * _LN2, of="output")
Log2 = _unary("Log2", np.log2, lambda a: 1 / (a * _LN2))
Log10 = _unary("Log10", np.log10, lambda a: 1 / (a * _LN10))
Reciprocal = _unary("Reciprocal", np.reciprocal, lambda out: -(out * out), of="output")


def _sinc_derivative(a):
    """(cos(pi a) pi a - sin(pi a)) / (pi a^2), and 0 at a = 0 (its limit), as PyTorch."""
    zero = a == 0
    pa = np.where(zero, 1.0, a) * math.pi
    return np.where(zero, 0.0, (np.cos(pa) * pa - np.sin(pa)) / (pa * pa) * math.pi)


Sinc = _unary("Sinc", np.sinc, _sinc_derivative)


class Logit(Function):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (gradient 0 outside)."""

    def forward(ctx, a, eps=None):
        ctx.save_for_backward(a)
        ctx.eps = eps
        p = a if eps is None else np.clip(a, eps, 1 - eps).astype(a.dtype, copy=False)
        return np.log(p / (1 - p))

    def backward(ctx, g):
        a, = ctx.saved_tensors
        grad = g / (a * (1 - a))
        if ctx.eps is None:
            return grad
        return np.where((a < ctx.eps) | (a > 1 - ctx.eps), 0.0, grad)


class NanToNum(Function):
    """NaN, +inf and -inf replaced by given numbers; the gradient passes where x is finite."""

    op_name, torch_name = "nan_to_num", "NanToNumBackward0"

    def forward(ctx, a, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return np.where(np.isfinite(a), g, 0.0)


class Hypot(Function):
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * a / out if need_a else None), (g * b / out if need_b else None)


class Atan2(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


class LogAddExp(Function):
    """log(exp(a) + exp(b)), or with base 2 (log2(2^a + 2^b)) when base2."""

    def forward(ctx, a, b, base2=False):
        ctx.save_for_backward(a, b)
        ctx.base2 = base2
        return (np.logaddexp2 if base2 else np.logaddexp)(a, b)

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        power = np.exp2 if ctx.base2 else np.exp
        return g / (1 + power(b - a)), g / (1 + power(a - b))


def xlogy(x, y):
    """x * log(y), 0 where x == 0 unless y is NaN: NumPy code, also run on Tensors."""
    return np.where((x == 0) & (y == y), 0.0, x * np.log(y))


class Xlogy(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return xlogy(x, y).astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if need_x:  # as PyTorch: xlogy(g, y), and 0 where x == 0 and y <= 0
            gx = np.where((x == 0) & (y <= 0), 0.0, Xlogy.call(g, y))
        if need_y:
            gy = g * x / y
        return gx, gy


class Lerp(Function):
    """start + weight (end - start), computed from whichever end weight is closer to (as
    PyTorch, so that weight 1 gives `end` exactly)."""

    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        diff = end - start
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    def backward(ctx, g):
        start, end, weight = ctx.saved_tensors
        need_start, need_end, need_weight = ctx.needs_input_grad
        return (g * (1 - weight) if need_start else None, g * weight if need_end else None,
                g * (end - start) if need_weight else None)


class ClampTensor(Function):
    """clamp with tensor bounds (a missing one given as -inf or +inf). The gradient goes to
    the input between the bounds, else to the bound that was taken; when min > max every
    element is max, as in PyTorch."""

    op_name, torch_name = "clamp", "ClampBackward0"

    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        return np.minimum(np.maximum(a, lo), hi)

    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        need_a, need_lo, need_hi = ctx.needs_input_grad
        return (np.where((a >= lo) & (a <= hi), g, 0.0) if need_a else None,
                np.where((a < lo) & (lo < hi), g, 0.0) if need_lo else None,
                np.where((a > hi) | (hi < lo), g, 0.0) if need_hi else None)


__all__ = ["Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Expm1",
           "Exp2", "Log2", "Log10", "Reciprocal", "Sinc", "Logit", "NanToNum", "Hypot", "Atan2",
           "LogAddExp", "Xlogy", "Lerp", "ClampTensor"]
