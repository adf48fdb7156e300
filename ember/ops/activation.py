"""Activation primitives that ember.ops lacks (GELU, LeakyReLU, SiLU). GELU's erf is NumPy-less
too: it comes from ember.ops.special, whose Erf primitive is differentiable again."""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from .elementwise import Sigmoid
from .special import Erf, erf  # noqa: F401 (erf: where tests/nn/test_activations.py finds it)

__all__ = ["Gelu", "LeakyRelu", "Silu"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_BETA = math.sqrt(2 / math.pi)
_TANH_KAPPA = 0.044715


def _normal_cdf(x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, on arrays or (recorded) on Tensors."""
    cdf = Erf.call(x * _SQRT_HALF)
    cdf += 1
    cdf *= 0.5
    return cdf


def _tanh_inner(x):
    """sqrt(2 / pi) * (x + 0.044715 * x**3), the argument of tanh in GELU's approximation, on
    arrays or Tensors (in place on its own temporary)."""
    inner = x * x
    inner *= _TANH_KAPPA
    inner += 1
    inner *= x
    inner *= _TANH_BETA
    return inner


def _tanh_parts(x):
    """(a, r, s) for GELU's tanh approximation x * s, s = (1 + tanh z) / 2 = sigmoid(2z), z =
    _tanh_inner(x): a = exp(-2|z|) (in (0, 1]: no overflow), r = 1 / (1 + a), s = r for z >= 0
    and a r below. s (1 - s) = a r^2 without the cancellation of 1 - s (nor of 1 + tanh z in
    the left tail), so the tails keep full precision in the value and the gradient. In the
    input's dtype, on arrays or (recorded) on Tensors."""
    z = _tanh_inner(x)
    a = np.abs(z) * -2
    a = np.exp(a, out=a) if isinstance(a, np.ndarray) else np.exp(a)
    r = 1 / (1 + a)
    return a, r, np.where(z >= 0, r, a * r)


class Gelu(Function):
    """x * Phi(x) (approximate='none'), or PyTorch's tanh approximation (approximate='tanh'),
    x (1 + tanh z) / 2, computed in the input's dtype as x sigmoid(2z) (see _tanh_parts): half
    the time of a float64 tanh for float32 input, and more precise than the tanh form in the left
    tail (1.4e-5 relative error down to x = -12 in float32, where 1 + tanh z cancels).

    Phi(x), or the sigmoid's parts, is kept for the ordinary backward; a recorded backward
    recomputes it from x, so that it is differentiated too.
    """

    op_name = "gelu"

    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            ctx.parts = _tanh_parts(x)
            return x * ctx.parts[2]
        ctx.cdf = cdf = _normal_cdf(x)
        return x * cdf

    def backward(ctx, g):
        x, = ctx.saved_tensors
        cached = isinstance(x, np.ndarray)
        if ctx.approximate == "tanh":
            # d/dx x s = s + x * 2 s (1 - s) * dz/dx, dz/dx = beta (1 + 3 kappa x^2)
            a, r, s = ctx.parts if cached else _tanh_parts(x)
            slope = x * x
            slope *= 3 * _TANH_KAPPA
            slope += 1
            slope *= x
            slope *= 2 * _TANH_BETA
            slope *= a
            slope *= r
            slope *= r
            slope += s
            return g * slope
        # Phi(x) + x * pdf(x), pdf(x) = exp(-x**2 / 2) / sqrt(2 pi)
        slope = x * x
        slope *= -0.5
        slope = x * np.exp(slope)
        slope *= _INV_SQRT_2PI
        slope += ctx.cdf if cached else _normal_cdf(x)
        return g * slope


class LeakyRelu(Function):
    """The mask x > 0 is a constant of the backward formula, whose own derivative in x is 0."""

    op_name = "leaky_relu"

    def forward(ctx, x, negative_slope=0.01):
        ctx.positive, ctx.slope = x > 0, negative_slope
        return np.where(ctx.positive, x, x * negative_slope)

    def backward(ctx, g):
        return np.where(ctx.positive, g, g * ctx.slope)


class Silu(Function):
    """x * sigmoid(x) in one node; a recorded backward recomputes the sigmoid from x."""

    op_name = "silu"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.sig = sig = Sigmoid.call(x)
        return x * sig

    def backward(ctx, g):
        x, = ctx.saved_tensors
        sig = ctx.sig if isinstance(x, np.ndarray) else Sigmoid.call(x)
        return g * (sig * (1 + x * (1 - sig)))
