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


class Gelu(Function):
    """x * Phi(x) (approximate='none'), or PyTorch's tanh approximation (approximate='tanh').

    Phi(x), or the tanh, is kept for the ordinary backward; a recorded backward recomputes it
    from x, so that it is differentiated too.
    """

    op_name = "gelu"

    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            # float64 tanh: NumPy's float32 tanh is off by an ulp near +-1, which the
            # derivative 1 - t**2 magnifies in the tails
            inner = _tanh_inner(x).astype(np.float64, copy=False)
            ctx.t = t = np.tanh(inner).astype(x.dtype, copy=False)
            half_x = x * 0.5
            return half_x + half_x * t
        ctx.cdf = cdf = _normal_cdf(x)
        return x * cdf

    def backward(ctx, g):
        x, = ctx.saved_tensors
        cached = isinstance(x, np.ndarray)
        if ctx.approximate == "tanh":
            t = ctx.t if cached else np.tanh(_tanh_inner(x))
            inner_d = (1 - t * t) * (_TANH_BETA * (1 + 3 * _TANH_KAPPA * (x * x)))
            return g * (0.5 * (1 + t) + 0.5 * x * inner_d)
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
