"""Activation primitives that ember.ops lacks (GELU, LeakyReLU, SiLU) and the erf they need.

NumPy has no erf, so `erf` evaluates two polynomials fitted once, at import, to Python's math.erf
and math.erfc (Chebyshev interpolation, then converted to powers for Horner's rule); it agrees
with math.erf to about 1e-14 relative error over the whole real line.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev

from ..autograd import Function
from .elementwise import Sigmoid

__all__ = ["erf", "Erf", "Gelu", "LeakyRelu", "Silu"]

# |x| <= _SPLIT: erf(x) = x * P(x**2). |x| > _SPLIT: erf(x) = 1 - exp(-x**2) * Q(1/|x|), where Q is
# erfc(x) * exp(x**2), smooth in 1/x. Past _SATURATE, erfc is below half an ulp of 1.
_SPLIT, _SATURATE = 2.0, 6.0
_SMALL_DEGREE, _LARGE_DEGREE = 18, 20


def _power_coefficients(fn, degree: int) -> np.ndarray:
    """fn on [-1, 1] interpolated at Chebyshev points; power-basis coefficients, highest first."""
    return chebyshev.cheb2poly(chebyshev.chebinterpolate(fn, degree))[::-1].copy()


def _erf_over_x(s: np.ndarray) -> np.ndarray:
    x = np.sqrt((s + 1) / 2) * _SPLIT
    return np.array([math.erf(v) / v if v > 0 else 2 / math.sqrt(math.pi) for v in x])


def _scaled_erfc(s: np.ndarray) -> np.ndarray:
    x = 1 / (1 / _SATURATE + (s + 1) / 2 * (1 / _SPLIT - 1 / _SATURATE))
    return np.array([math.erfc(v) * math.exp(v * v) for v in x])


_SMALL = _power_coefficients(_erf_over_x, _SMALL_DEGREE)
_LARGE = _power_coefficients(_scaled_erfc, _LARGE_DEGREE)


def _horner(coefficients: np.ndarray, s: np.ndarray) -> np.ndarray:
    out = np.full_like(s, coefficients[0])
    for c in coefficients[1:]:
        out *= s
        out += c
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, element-wise, computed in float64 and returned in x's dtype."""
    x64 = x.astype(np.float64, copy=False)
    s = x64 * x64
    s *= 2 / _SPLIT**2
    s -= 1
    out = _horner(_SMALL, s)
    out *= x64
    large = np.abs(x64) > _SPLIT
    if large.any():
        xl = x64[large]
        ax = np.abs(xl)
        t = np.maximum((1 / ax - 1 / _SATURATE) * (2 / (1 / _SPLIT - 1 / _SATURATE)) - 1, -1)
        out[large] = np.copysign(1 - np.exp(-ax * ax) * _horner(_LARGE, t), xl)
    return out.astype(x.dtype, copy=False)


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_TANH_BETA = math.sqrt(2 / math.pi)
_TANH_KAPPA = 0.044715


class Erf(Function):
    """erf as a differentiable op: GELU's backward recomputes Phi(x) with it when the backward
    pass is recorded (create_graph=True)."""

    op_name = "gelu"  # the public op that uses it

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf(x)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (np.exp(-(x * x)) * _TWO_OVER_SQRT_PI)


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
