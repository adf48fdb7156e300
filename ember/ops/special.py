"""Special functions NumPy lacks (erf, erfc, erfinv, lgamma, digamma, polygamma), as NumPy
functions, and their primitives.

Methods and measured accuracy (float64, against mpmath at 40 digits, over the whole real line;
other float32 inputs are computed in float64 and rounded, so they are correctly rounded or one ulp
off):

- erf, float32 inputs (GELU's case): erf(x) = x P(x^2) / Q(x^2), P of degree 6 and Q of degree
  5, on x clamped to +-3.92 (past which erf rounds to +-1 in float32), evaluated in float64 in
  blocks of 2^17 elements (the temporaries then reuse malloc's blocks instead of faulting in fresh
  pages): 0.531 ulp of float32 at most over every 16th float32 in [0, 4] and down to 1e-40
  (correctly rounded but where the exact value is within 0.03 ulp of a tie); about 9x faster than
  the float64 path. P/Q was fitted to math.erf by Lawson's iteration (weighted least squares on
  the relative error at 4000 Chebyshev points of [0, 3.92]): 1.8e-9 relative error.
- erf / erfc, float64 (and erfc of float32). |x| <= 2: erf(x) = x P(x^2), a Chebyshev series
  fitted once at import to math.erf; erfc = 1 - erf there. |x| > 2: erfc(x) = exp(-x^2)
  R(2/x) / x, where R(u) = x exp(x^2) erfc(x) is smooth on (0, 1] and fitted the same way (to
  math.erfc, and to its asymptotic series past x = 10); exp(-x^2) is taken as
  exp(-hi^2) exp(-(x - hi)(x + hi)) with hi = x rounded to 24 bits, so that the rounding of x^2
  does not cost up to 2x^2 ulps. erf: 2e-16 relative error; erfc: 3e-14 relative error (worst
  near |x| = 2, where 1 - erf cancels), down to its underflow at 27.
- erfinv: a first guess from Winitzki's closed-form approximation (relative error 2e-3), then
  three Halley steps on erf(x) = y, or on erfc(x) = 1 - y for |y| > 0.5 so that the tails keep
  their precision: 4e-16 relative error.
- lgamma: Python's math.lgamma (the C library's) element by element, with PyTorch's +inf at the
  poles; exact but slow (about 0.2 us per element).
- digamma: the reflection formula below 1/2, the recurrence psi(x) = psi(x + 1) - 1/x up to
  x >= 10 and the asymptotic series with 7 Bernoulli terms: 4e-16 absolute error (relative,
  except near its zero at 1.4616...). polygamma(n, x), n >= 1: the recurrence up to x >= 15 + n
  and the asymptotic series; below 1/2 the reflection formula, whose n-th derivative of
  cot(pi x) is a polynomial in cot(pi x): 1e-14 relative error for n <= 4.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev

from ..autograd import Function

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "Erf", "Erfc", "Erfinv",
           "Lgamma", "Digamma", "Polygamma"]

_SPLIT = 2.0  # erf's series up to here; erfc's tail series past it
_MIDDLE = 0.5  # erfc's middle series from here to _SPLIT; 1 - erf below
_ASYMPTOTIC = 10.0  # past this, R is sampled from its asymptotic series (math.erfc underflows)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _exp_minus_square(x: np.ndarray) -> np.ndarray:
    """exp(-x**2) without the error of rounding x**2 (float64)."""
    hi = x.astype(np.float32).astype(np.float64)  # hi**2 is exact
    return np.exp(-hi * hi) * np.exp(-(x - hi) * (x + hi))


def _erf_over_x(s: np.ndarray) -> np.ndarray:
    """erf(x) / x at x = 2 sqrt((s + 1) / 2), s in [-1, 1]."""
    x = np.sqrt((s + 1) / 2) * _SPLIT
    return np.array([math.erf(v) / v if v > 0 else _TWO_OVER_SQRT_PI for v in x])


def _scaled_erfc_middle(s: np.ndarray) -> np.ndarray:
    """erfc(x) exp(x**2) at x = _MIDDLE .. _SPLIT, linear in s in [-1, 1]."""
    x = (_SPLIT + _MIDDLE) / 2 + (_SPLIT - _MIDDLE) / 2 * s
    return np.array([math.erfc(v) for v in x]) / _exp_minus_square(x)


def _scaled_erfc_tail(s: np.ndarray) -> np.ndarray:
    """R = x exp(x**2) erfc(x) at x = 2 / u, u = (s + 1) / 2 in (0, 1]."""
    out = []
    for v in s:
        u = (v + 1) / 2
        if u == 0:
            out.append(1 / math.sqrt(math.pi))
            continue
        x = _SPLIT / u
        if x < _ASYMPTOTIC:
            out.append(x * math.erfc(x) / float(_exp_minus_square(np.array(x))))
            continue
        total, term = 1.0, 1.0  # 1 - 1/(2x^2) + 3/(2x^2)^2 - ...: far below an ulp by term 40
        for k in range(1, 40):
            term *= -(2 * k - 1) / (2 * x * x)
            total += term
        out.append(total / math.sqrt(math.pi))
    return np.array(out)


_ERF_SERIES = chebyshev.chebinterpolate(_erf_over_x, 18)
_ERFC_MIDDLE_SERIES = chebyshev.chebinterpolate(_scaled_erfc_middle, 20)
_ERFC_TAIL_SERIES = chebyshev.chebinterpolate(_scaled_erfc_tail, 20)


def _erfc_positive(ax: np.ndarray) -> np.ndarray:
    """erfc(ax) for ax >= _MIDDLE, inf included (float64)."""
    middle = ax <= _SPLIT
    out = np.empty_like(ax)
    am = ax[middle]
    out[middle] = _exp_minus_square(am) * chebyshev.chebval(
        (am - (_SPLIT + _MIDDLE) / 2) * (2 / (_SPLIT - _MIDDLE)), _ERFC_MIDDLE_SERIES)
    at = ax[~middle]
    with np.errstate(invalid="ignore", over="ignore"):
        tail = _exp_minus_square(at) * chebyshev.chebval(2 * _SPLIT / at - 1,
                                                          _ERFC_TAIL_SERIES) / at
    out[~middle] = np.where(np.isinf(at), 0.0, tail)
    return out


def _erf_series(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| <= _SPLIT (float64)."""
    return x * chebyshev.chebval(x * x * (2 / _SPLIT**2) - 1, _ERF_SERIES)


_ERF32_NUMERATOR = (1.1283791691274463, 0.1851362606393993, 0.05424403332905946,
                     0.0038386527576572066, 0.0003767563608490531, 4.6091383203474e-06,
                     -1.2799364734750185e-08)  # P's coefficients, constant term first
_ERF32_DENOMINATOR = (1.0, 0.49740614511585696, 0.11387409219757774, 0.015430097822060394,
                      0.001301527678790077, 6.239828638971486e-05)  # Q's
_ERF32_CLAMP = 3.92
_ERF32_BLOCK = 1 << 17


def _polynomial(coefficients: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    """sum c_k t^k by Horner's rule, in place on one new array."""
    out = t * coefficients[-1]
    out += coefficients[-2]
    for c in coefficients[-3::-1]:
        out *= t
        out += c
    return out


def _erf_float32(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array through the rational approximation (module docstring)."""
    out = np.empty(x.shape, np.float32)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)  # out is contiguous: a view
    for start in range(0, flat_x.size, _ERF32_BLOCK):
        block = flat_x[start:start + _ERF32_BLOCK].astype(np.float64)
        np.clip(block, -_ERF32_CLAMP, _ERF32_CLAMP, out=block)  # NaN stays NaN, -0.0 stays -0.0
        t = block * block
        ratio = _polynomial(_ERF32_NUMERATOR, t)
        ratio /= _polynomial(_ERF32_DENOMINATOR, t)
        np.multiply(ratio, block, out=flat_out[start:start + _ERF32_BLOCK], casting="same_kind")
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, element-wise, returned in x's dtype: float32 through a rational
    approximation (0.531 ulp), other dtypes computed in float64."""
    if x.dtype == np.float32:
        return _erf_float32(x)
    x64 = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x64)
    small = np.abs(x64) <= _SPLIT
    out[small] = _erf_series(x64[small])
    large = ~small & ~np.isnan(x64)
    out[large] = np.copysign(1 - _erfc_positive(np.abs(x64[large])), x64[large])
    out[np.isnan(x64)] = np.nan
    return out.astype(x.dtype, copy=False)


def erfc(x: np.ndarray) -> np.ndarray:
    """1 - erf(x), accurate in the right tail (down to its underflow at x = 27)."""
    x64 = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x64)
    near = np.abs(x64) < _MIDDLE
    out[near] = 1 - _erf_series(x64[near])
    far = ~near & ~np.isnan(x64)
    xf = x64[far]
    tail = _erfc_positive(np.abs(xf))
    out[far] = np.where(xf > 0, tail, 2 - tail)
    out[np.isnan(x64)] = np.nan
    return out.astype(x.dtype, copy=False)


_WINITZKI = 0.147


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse of erf on [-1, 1]: +-inf at +-1, NaN outside."""
    y64 = np.asarray(y, dtype=np.float64)
    ay = np.abs(y64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.log1p(-ay * ay)
        first = 2 / (math.pi * _WINITZKI) + log_term / 2
        x = np.sqrt(np.sqrt(first * first - log_term / _WINITZKI) - first)
        tail = ay > 0.5
        one_minus = 1 - ay  # exact for ay in [0.5, 1]
        for _ in range(3):
            # Halley's step for f(x) = erf(x) - |y| (computed as (1 - |y|) - erfc(x) in the tail):
            # x -= u / (1 + x u) with u = f / f', f' = 2/sqrt(pi) exp(-x^2), f''/f' = -2x.
            residual = np.where(tail, one_minus - erfc(x), erf(x) - ay)
            u = residual / (_TWO_OVER_SQRT_PI * _exp_minus_square(x))
            x = np.where(np.isfinite(u), x - u / (1 + x * u), x)
    out = np.copysign(x, y64)
    out = np.where(ay == 1, np.copysign(np.inf, y64), out)
    out = np.where((ay > 1) | np.isnan(y64), np.nan, out)
    return out.astype(y.dtype, copy=False)


_lgamma_scalar = np.frompyfunc(math.lgamma, 1, 1)


def lgamma(x: np.ndarray) -> np.ndarray:
    """log|Gamma(x)|: +inf at 0 and the negative integers (math.lgamma raises there)."""
    x64 = np.asarray(x, dtype=np.float64)
    pole = (x64 <= 0) & (x64 == np.floor(x64))
    out = np.full(x64.shape, np.inf)
    fine = ~pole
    if fine.any():
        out[fine] = _lgamma_scalar(x64[fine]).astype(np.float64)
    return out.astype(x.dtype, copy=False)


# Bernoulli numbers B_2, B_4, ..., B_20 for the asymptotic series
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330]


def _shift_up(x: np.ndarray, threshold: float, term) -> tuple[np.ndarray, np.ndarray]:
    """(x + k, sum of term(x + j) for j < k), with k the steps that bring every x past
    threshold (x >= 1/2 here, so at most threshold steps)."""
    total = np.zeros_like(x)
    x = x.copy()
    low = x < threshold
    while low.any():
        total[low] += term(x[low])
        x[low] += 1
        low = x < threshold
    return x, total


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    x, shift = _shift_up(x, 10.0, lambda v: 1 / v)
    inv2 = 1 / (x * x)
    series = np.zeros_like(x)
    power = inv2.copy()
    for k, b in enumerate(_BERNOULLI[:7], start=1):
        series += b / (2 * k) * power
        power *= inv2
    return np.log(x) - 0.5 / x - series - shift


def _polygamma_positive(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) for x >= 1/2, n >= 1."""
    sign = 1.0 if n % 2 else -1.0  # (-1)^(n+1)
    n_fact = math.factorial(n)
    x, shift = _shift_up(x, 15.0 + n, lambda v: v ** -(n + 1.0))
    series = math.factorial(n - 1) / x**n + n_fact / (2 * x ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / x ** (2 * k + n)
    return sign * (series + n_fact * shift)


def _cot_derivative(n: int, x: np.ndarray) -> np.ndarray:
    """d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)), P_0(c) = c, P_{k+1}(c) = -(1 + c^2) P_k'(c).
    cot has period pi: it is taken of pi (x - round(x)), x - round(x) exact, so that |x| far
    from 0, or close to an integer, keeps its precision."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    one_plus_square = np.polynomial.Polynomial([1.0, 0.0, 1.0])
    for _ in range(n):
        poly = -one_plus_square * poly.deriv()
    cot = 1 / np.tan(math.pi * (x - np.round(x)))
    return math.pi**n * poly(cot)


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma (n = 0: digamma itself), element-wise, with PyTorch's
    values at the poles: digamma(+-0) = -+inf, NaN at the negative integers and -inf; for
    n >= 1, (-1)^(n+1) inf at the non-positive integers."""
    x64 = np.asarray(x, dtype=np.float64)
    out = np.full(x64.shape, np.nan)
    finite = np.isfinite(x64)
    pole = finite & (x64 <= 0) & (x64 == np.floor(x64))
    right = finite & ~pole & (x64 >= 0.5)
    left = finite & ~pole & (x64 < 0.5)
    value = _digamma_positive if n == 0 else (lambda v: _polygamma_positive(n, v))
    if right.any():
        out[right] = value(x64[right])
    if left.any():
        # psi^(n)(1 - x) + (-1)^(n+1) psi^(n)(x) = (-1)^n pi d^n/dx^n cot(pi x), so
        # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x)
        xl = x64[left]
        sign = -1.0 if n % 2 else 1.0
        out[left] = sign * value(1 - xl) - math.pi * _cot_derivative(n, xl)
    if n == 0:
        out[x64 == np.inf] = np.inf
        zero = x64 == 0
        out[zero] = np.copysign(np.inf, -x64[zero])
    else:
        out[x64 == np.inf] = 0.0
        out[pole] = np.inf if n % 2 else -np.inf
    return out.astype(x.dtype, copy=False)


def digamma(x: np.ndarray) -> np.ndarray:
    return polygamma(0, x)


# ---- primitives ---------------------------------------------------------------------------
class Erf(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (_TWO_OVER_SQRT_PI * np.exp(-a * a))


class Erfc(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erfc(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (-_TWO_OVER_SQRT_PI * np.exp(-a * a))


class Erfinv(Function):
    def forward(ctx, a):
        out = erfinv(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * ((math.sqrt(math.pi) / 2) * np.exp(out * out))


class Lgamma(Function):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return lgamma(a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * Polygamma.call(a, n=0)


class Polygamma(Function):
    """polygamma(n, x); n = 0 is digamma. Its derivative is polygamma(n + 1, x)."""

    def forward(ctx, a, n=0):
        ctx.save_for_backward(a)
        ctx.n = n
        return polygamma(n, a)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * Polygamma.call(a, n=ctx.n + 1)


class Digamma(Polygamma):
    """polygamma(0, x), under PyTorch's name."""
