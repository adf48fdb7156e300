"""More element-wise ember.* functions (torch.* counterparts): trigonometric and hyperbolic
functions, exponentials and logarithms in other bases, the special functions (erf, erfinv,
lgamma, digamma, polygamma), rounding (trunc, frac, sign, round with decimals), the binary
hypot, atan2, logaddexp, xlogy, lerp, addcmul and addcdiv, nan_to_num, closeness tests, and the
logical and bitwise families.

Dtypes as PyTorch's: functions with real values (tan, erf, ...) turn integer and bool inputs into
float32; tests (isclose, logical_*, isposinf) give bool; bitwise ops take integers and bools only.
Every function that PyTorch gives `out=` takes it (see ember._out).
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from ._args import _float_input, type_name
from ._out import takes_out
from .functions import _untracked
from .promotion import binary_operands
from .tensor import Tensor, _make


def _tensor_arg(x, fn: str, arg: str = "input", position: int = 1) -> Tensor:
    """x, which PyTorch requires to be a Tensor here; its TypeError otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _not_implemented_for(input: Tensor, fn: str) -> NotImplementedError:
    return NotImplementedError(f'"{fn}_cpu" not implemented for \'{type_name(input)}\'')


# ---- one input, real-valued: integers and bools become float32 --------------------------
def _real_function(name: str, op, doc: str):
    def fn(input) -> Tensor:
        return op.apply(_float_input(_tensor_arg(input, name)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{doc}\n\nShape: the input's. Integer and bool inputs give float32."
    return takes_out(fn)


tan = _real_function("tan", ops.Tan, "tan(input), element-wise.")
asin = _real_function("asin", ops.Asin, "arcsin(input): NaN outside [-1, 1].")
acos = _real_function("acos", ops.Acos, "arccos(input): NaN outside [-1, 1].")
atan = _real_function("atan", ops.Atan, "arctan(input).")
sinh = _real_function("sinh", ops.Sinh, "sinh(input).")
cosh = _real_function("cosh", ops.Cosh, "cosh(input).")
asinh = _real_function("asinh", ops.Asinh, "arsinh(input).")
acosh = _real_function("acosh", ops.Acosh, "arcosh(input): NaN below 1.")
atanh = _real_function("atanh", ops.Atanh, "artanh(input): NaN outside [-1, 1].")
expm1 = _real_function("expm1", ops.Expm1, "exp(input) - 1, accurate near 0.")
exp2 = _real_function("exp2", ops.Exp2, "2 ** input.")
log2 = _real_function("log2", ops.Log2, "The base-2 logarithm.")
log10 = _real_function("log10", ops.Log10, "The base-10 logarithm.")
reciprocal = _real_function("reciprocal", ops.Reciprocal, "1 / input.")
sinc = _real_function("sinc", ops.Sinc, "sin(pi x) / (pi x), 1 at x = 0.")
erf = _real_function("erf", ops.special.Erf, "The error function (see ember.ops.special).")
erfc = _real_function("erfc", ops.special.Erfc, "1 - erf(input), accurate in the tail.")
erfinv = _real_function("erfinv", ops.special.Erfinv,
                        "The inverse of erf: +-inf at +-1, NaN outside [-1, 1].")
lgamma = _real_function("lgamma", ops.special.Lgamma, "log|Gamma(input)|: inf at the poles.")
digamma = _real_function("digamma", ops.special.Digamma,
                         "The logarithmic derivative of Gamma: -inf at +0, NaN at negative "
                         "integers.")
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


@takes_out
def polygamma(n, input) -> Tensor:
    """The n-th derivative of digamma (n >= 0), element-wise."""
    if not isinstance(n, int) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    return ops.special.Polygamma.apply(_float_input(_tensor_arg(input, "polygamma", "input", 2)),
                                       n=n)


@takes_out
def logit(input, eps=None) -> Tensor:
    """log(p / (1 - p)); with eps, p is clamped to [eps, 1 - eps] first (gradient 0 outside)."""
    return ops.Logit.apply(_float_input(_tensor_arg(input, "logit")), eps=eps)


@takes_out
def deg2rad(input) -> Tensor:
    """input * pi / 180, element-wise; integers become the default float dtype."""
    return _float_input(_tensor_arg(input, "deg2rad")) * (math.pi / 180)


@takes_out
def rad2deg(input) -> Tensor:
    """input * 180 / pi, element-wise; integers become the default float dtype."""
    return _float_input(_tensor_arg(input, "rad2deg")) * (180 / math.pi)


@takes_out
def nan_to_num(input, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the
    dtype's largest and lowest finite values). Integer tensors come back unchanged (a copy)."""
    _tensor_arg(input, "nan_to_num")
    if input._data.dtype.kind != "f":
        return input.clone()
    return ops.NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


# ---- rounding: piecewise constant, zero gradient ----------------------------------------
def _sign_array(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "b":
        return a.copy()
    out = np.sign(a)
    if a.dtype.kind == "f":
        out[np.isnan(a)] = 0  # PyTorch: sign(NaN) = 0
    return out


@takes_out
def sign(input) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN and for zeros, as PyTorch); bools stay
    bools."""
    return ops.PiecewiseConstant.apply(_tensor_arg(input, "sign"), ufunc=_sign_array,
                                     name="sign")


sgn = sign  # the same for real tensors


def _rounder(decimals: int):
    """round half to even at `decimals` digits, computed as PyTorch does (x * 10^d, or x / 10^-d
    for negative d, in the input's dtype)."""
    def round_to(a: np.ndarray) -> np.ndarray:
        if decimals >= 0:
            scale = a.dtype.type(10.0**decimals)
            return np.rint(a * scale) / scale
        scale = a.dtype.type(10.0**-decimals)
        return np.rint(a / scale) * scale

    return round_to


@takes_out
def round(input, *, decimals=0) -> Tensor:  # noqa: A001
    """Round half to even, to `decimals` digits after the point (negative: before it)."""
    _tensor_arg(input, "round")
    if input._data.dtype.kind != "f":
        if decimals:
            raise _not_implemented_for(input, "round")
        return input.clone()
    ufunc = np.rint if decimals == 0 else _rounder(int(decimals))
    return ops.PiecewiseConstant.apply(input, ufunc=ufunc)


@takes_out
def trunc(input) -> Tensor:
    """Round toward zero."""
    _tensor_arg(input, "trunc")
    if input._data.dtype.kind == "b":
        raise _not_implemented_for(input, "trunc")
    if input._data.dtype.kind != "f":
        return input.clone()
    return ops.PiecewiseConstant.apply(input, ufunc=np.trunc)


fix = trunc


@takes_out
def frac(input) -> Tensor:
    """input - trunc(input), with the sign of input; gradient 1."""
    _tensor_arg(input, "frac")
    if input._data.dtype.kind != "f":
        raise _not_implemented_for(input, "frac")
    return input - trunc(input)


# ---- two inputs ---------------------------------------------------------------------------
def _float_operands(fn: str, input, other, tensors_only: bool) -> tuple[Tensor, Tensor]:
    """Both as one float dtype, as PyTorch: some ops (hypot, logaddexp) refuse integers and
    scalars, the others turn them into floats."""
    if tensors_only:
        _tensor_arg(input, fn)
        _tensor_arg(other, fn, "other", 2)
    a, b = binary_operands(input, other, true_division=not tensors_only)
    if tensors_only and a._data.dtype.kind != "f":
        raise _not_implemented_for(a, fn)
    return a, b


@takes_out
def hypot(input, other) -> Tensor:
    """sqrt(input^2 + other^2) without overflow. Shape: broadcast of the two."""
    return ops.Hypot.apply(*_float_operands("hypot", input, other, tensors_only=True))


@takes_out
def atan2(input, other) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi]. Shape: broadcast of the two."""
    _tensor_arg(input, "atan2")
    _tensor_arg(other, "atan2", "other", 2)
    return ops.Atan2.apply(*_float_operands("atan2", input, other, tensors_only=False))


arctan2 = atan2


@takes_out
def logaddexp(input, other) -> Tensor:
    """log(exp(input) + exp(other)) without overflow. Shape: broadcast of the two."""
    return ops.LogAddExp.apply(*_float_operands("logaddexp", input, other, tensors_only=True))


@takes_out
def logaddexp2(input, other) -> Tensor:
    """log2(2^input + 2^other) without overflow. Shape: broadcast of the two."""
    a, b = _float_operands("logaddexp2", input, other, tensors_only=True)
    return ops.LogAddExp.apply(a, b, base2=True)


@takes_out
def xlogy(input, other) -> Tensor:
    """input * log(other), 0 where input is 0 (unless other is NaN). Either may be a number."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): expected a Tensor argument, got two numbers")
    return ops.Xlogy.apply(*_float_operands("xlogy", input, other, tensors_only=False))


@takes_out
def lerp(input, end, weight) -> Tensor:
    """input + weight * (end - input); weight a number or a tensor. input, end and a tensor
    weight must share one float dtype (PyTorch's RuntimeError otherwise); shapes broadcast."""
    _tensor_arg(input, "lerp")
    _tensor_arg(end, "lerp", "end", 2)
    for what, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {type_name(input).lower()} for `{what}` but "
                               f"got dtype {type_name(t).lower()}")
    if input._data.dtype.kind != "f":
        raise _not_implemented_for(input, "lerp_kernel_scalar")
    if not isinstance(weight, Tensor):
        weight = _make(np.array(weight, dtype=input._data.dtype), None)
    return ops.Lerp.apply(input, end, weight)


def _scaled(value, dtype: np.dtype):
    """addcmul's `value` as PyTorch applies it: cast to an integer result's dtype."""
    return value if dtype.kind == "f" else int(value)


@takes_out
def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2, shapes broadcast."""
    product = tensor1 * tensor2
    a, b = binary_operands(input, product)
    return a + b * _scaled(value, a._data.dtype) if value != 1 else a + b


@takes_out
def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2, shapes broadcast; integer tensor1 and tensor2 are
    refused, as in PyTorch."""
    if tensor1._data.dtype.kind != "f" and tensor2._data.dtype.kind != "f":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    quotient = tensor1 / tensor2
    return input + quotient * value if value != 1 else input + quotient


# ---- closeness and value tests (bool results, no gradient) ---------------------------------
def _same_dtype(fn: str, input: Tensor, other: Tensor) -> None:
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{fn}: {type_name(input)} did not match {type_name(other)}")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, element-wise (equal infinities are close; NaN
    only with equal_nan). input and other must share a dtype; shapes broadcast."""
    _tensor_arg(input, "isclose")
    _tensor_arg(other, "isclose", "other", 2)
    _same_dtype("isclose", input, other)
    a, b = input._data, other._data
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            close = a == b
            if a.dtype.kind == "f":
                close = close | (np.isfinite(a) & np.isfinite(b) & (
                    np.abs(a - b) <= atol + rtol * np.abs(b)))
                if equal_nan:
                    close = close | (np.isnan(a) & np.isnan(b))
            else:
                diff = np.abs(a.astype(np.float64) - b)
                close = close | (diff <= atol + rtol * np.abs(b.astype(np.float64)))
    except ValueError:
        raise RuntimeError(f"isclose: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                           "broadcast together") from None
    return _make(np.asarray(close), None)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether isclose holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    """True when both have the same shape and the same values (NaN is not equal to itself)."""
    _tensor_arg(input, "equal")
    _tensor_arg(other, "equal", "other", 2)
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


@takes_out
def isposinf(input) -> Tensor:
    """Where input is +inf: a bool tensor of input's shape (all False for integers)."""
    return _make(np.isposinf(_tensor_arg(input, "isposinf")._data), None)


@takes_out
def isneginf(input) -> Tensor:
    """Where input is -inf: a bool tensor of input's shape (all False for integers)."""
    return _make(np.isneginf(_tensor_arg(input, "isneginf")._data), None)


# ---- logical and bitwise ------------------------------------------------------------------
def _logical(ufunc, name: str):
    def fn(input, other) -> Tensor:
        _tensor_arg(input, name)
        _tensor_arg(other, name, "other", 2)
        try:
            return _untracked(ufunc, input, other)
        except ValueError as e:
            raise RuntimeError(f"{name}: {e} (shapes {tuple(input._data.shape)} and "
                               f"{tuple(other._data.shape)})") from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name} of the truth values of two tensors (bool result, shapes broadcast)."
    return takes_out(fn)


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


@takes_out
def logical_not(input) -> Tensor:
    """not input, element-wise (bool result)."""
    return _untracked(np.logical_not, _tensor_arg(input, "logical_not"))


def _integer_operands(name: str, input, other) -> tuple[Tensor, Tensor]:
    a, b = binary_operands(input, other)
    if a._data.dtype.kind not in "biu":
        raise _not_implemented_for(a, name)
    return a, b


def _bitwise(ufunc, name: str):
    def fn(input, other) -> Tensor:
        a, b = _integer_operands(name, input, other)
        try:
            return _untracked(ufunc, a, b)
        except ValueError as e:
            raise RuntimeError(f"{name}: {e} (shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)})") from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name} of integer or bool tensors (or a tensor and a number)."
    return takes_out(fn)


def _shift_left(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a << b, 0 where b is negative or at least the bit width (PyTorch's answer; NumPy's is
    the CPU's, which wraps the count)."""
    bits = a.dtype.itemsize * 8
    out = np.left_shift(a, np.clip(b, 0, bits - 1).astype(a.dtype))
    return np.where((b < 0) | (b >= bits), np.zeros((), a.dtype), out)


def _shift_right(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a >> b (arithmetic); past the bit width (or for a negative count) -1 for negative a, else
    0, as PyTorch."""
    bits = a.dtype.itemsize * 8
    out = np.right_shift(a, np.clip(b, 0, bits - 1).astype(a.dtype))
    beyond = np.where(a < 0, np.array(-1).astype(a.dtype), np.zeros((), a.dtype))
    return np.where((b < 0) | (b >= bits), beyond, out)


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(_shift_left, "bitwise_left_shift")
bitwise_right_shift = _bitwise(_shift_right, "bitwise_right_shift")


@takes_out
def bitwise_not(input) -> Tensor:
    """~input: bit inversion of integers, logical not of bools."""
    _tensor_arg(input, "bitwise_not")
    if input._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _untracked(np.invert, input)


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
