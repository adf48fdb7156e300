"""The element-wise ember.* functions, comparisons and matrix products (torch.* counterparts).

Tensor methods of the same names call these. Primitives come from ember.ops; composite ops are
built from them. Reductions and shape functions live in ember.reductions and ember.shapes.
"""

from __future__ import annotations

import numpy as np

from . import ops
from ._args import _float_input
from ._out import takes_out, write_out
from .autograd import _mode
from .creation import tensor
from .gather_scatter import nonzero
from .promotion import binary_operands
from .tensor import Tensor, _make


# ---- element-wise ----------------------------------------------------------------------
@takes_out
def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other, element-wise, broadcast together; either may be a Python number.

    The result has the promoted dtype of the operands (PyTorch's type promotion). Raises
    RuntimeError when the shapes do not broadcast.
    """
    if alpha != 1:
        other = other * alpha  # a Tensor op, or plain arithmetic on a number
    return ops.Add.apply(*binary_operands(input, other))


def _is_bool(x) -> bool:
    return x.__class__ is bool or isinstance(x, Tensor) and x._data.dtype.kind == "b"


@takes_out
def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other, element-wise, broadcast together; either may be a Python number.

    Raises RuntimeError for bool operands (use `~` or logical_not), as PyTorch, and when the
    shapes do not broadcast.
    """
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(ops.elementwise.BOOL_SUB)
    if alpha != 1:
        other = other * alpha  # a Tensor op, or plain arithmetic on a number
    return ops.Sub.apply(*binary_operands(input, other))


@takes_out
def mul(input, other) -> Tensor:
    """input * other, element-wise, broadcast together, in the promoted dtype."""
    return ops.Mul.apply(*binary_operands(input, other))


@takes_out
def div(input, other, *, rounding_mode=None) -> Tensor:
    """input / other, element-wise, broadcast together.

    rounding_mode=None is true division (integer inputs give float32); "trunc" rounds the
    quotient toward zero and "floor" rounds it down, keeping the promoted dtype. Raises
    RuntimeError for another rounding_mode.
    """
    if rounding_mode not in (None, "floor", "trunc"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {rounding_mode!r}")
    a, b = binary_operands(input, other, true_division=rounding_mode is None)
    if rounding_mode is None:
        return ops.Div.apply(a, b)
    return ops.RoundedDiv.apply(a, b, rounding_mode=rounding_mode)


@takes_out
def floor_divide(input, other) -> Tensor:
    """input // other, rounded down (Python's and PyTorch's //). Integer division by zero raises
    RuntimeError("ZeroDivisionError ..."); no gradient, as in PyTorch."""
    return ops.FloorDivide.apply(*binary_operands(input, other))


@takes_out
def remainder(input, other) -> Tensor:
    """input % other with the sign of `other` (Python's and PyTorch's %)."""
    return ops.Remainder.apply(*binary_operands(input, other))


@takes_out
def fmod(input, other) -> Tensor:
    """The remainder of input / other with the sign of `input` (C's fmod)."""
    if not isinstance(input, Tensor):  # unlike remainder, PyTorch's fmod needs a tensor input
        raise TypeError(f"fmod(): argument 'input' must be Tensor, not {type(input).__name__}")
    return ops.Fmod.apply(*binary_operands(input, other))


true_divide = divide = div
multiply = mul
subtract = sub


@takes_out
def pow(input, exponent) -> Tensor:  # noqa: A001
    """input ** exponent, element-wise; either may be a Python number (broadcast, promoted
    dtype)."""
    return ops.Pow.apply(*binary_operands(input, exponent))


@takes_out
def neg(input) -> Tensor:
    """-input, element-wise."""
    return ops.Neg.apply(input)


@takes_out
def abs(input) -> Tensor:  # noqa: A001
    """The absolute value of input, element-wise, same dtype as input."""
    return ops.Abs.apply(input)


@takes_out
def exp(input) -> Tensor:
    """e ** input, element-wise; integer and bool inputs give float32."""
    return ops.Exp.apply(_float_input(input))


@takes_out
def log(input) -> Tensor:
    """The natural logarithm of input, element-wise; integer inputs give float32 (-inf at 0, nan
    below)."""
    return ops.Log.apply(_float_input(input))


@takes_out
def log1p(input) -> Tensor:
    """log(1 + input), element-wise, accurate for small input; integer inputs give float32."""
    return ops.Log1p.apply(_float_input(input))


@takes_out
def rsqrt(input) -> Tensor:
    """1 / sqrt(input), element-wise; integer inputs give float32."""
    return 1 / sqrt(input)


@takes_out
def sqrt(input) -> Tensor:
    """The square root of input, element-wise; integer inputs give float32 (nan below 0)."""
    return ops.Sqrt.apply(_float_input(input))


@takes_out
def sin(input) -> Tensor:
    """The sine of input (radians), element-wise; integer inputs give float32."""
    return ops.Sin.apply(_float_input(input))


@takes_out
def cos(input) -> Tensor:
    """The cosine of input (radians), element-wise; integer inputs give float32."""
    return ops.Cos.apply(_float_input(input))


@takes_out
def tanh(input) -> Tensor:
    """The hyperbolic tangent of input, element-wise; integer inputs give float32."""
    return ops.Tanh.apply(_float_input(input))


@takes_out
def sigmoid(input) -> Tensor:
    """1 / (1 + exp(-input)), element-wise; integer inputs give float32."""
    return ops.Sigmoid.apply(_float_input(input))


def relu(input) -> Tensor:
    """max(input, 0), element-wise, same shape and dtype as input."""
    return ops.Relu.apply(input)


@takes_out
def square(input) -> Tensor:
    """input * input, element-wise; a bool input gives int64, as in PyTorch."""
    if input._data.dtype.kind == "b":
        input = input.long()  # as PyTorch: the square of a bool tensor is int64
    return ops.Mul.apply(input, input)


@takes_out
def clamp(input, min=None, max=None) -> Tensor:  # noqa: A002
    """input with each element limited to [min, max]; a bound may be None, a number or a tensor.

    Tensor bounds are broadcast with input and promoted to one dtype; a float bound makes an
    integer input float32. Raises RuntimeError when both bounds are None.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    if input._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        input = input.float()  # float bounds make an integer tensor float32, as in PyTorch
    return ops.Clamp.apply(input, min=min, max=max)


clip = clamp


def _clamp_tensor(input, min, max) -> Tensor:  # noqa: A002
    """clamp with a tensor bound (the other a number, a tensor or None): input and bounds
    promoted to one dtype and broadcast; a missing bound is the dtype's -inf or +inf (its
    extremes for integers)."""
    a = input
    for bound in (min, max):
        if bound is not None:
            a, _ = binary_operands(a, bound)
    dt = a._data.dtype
    extremes = (-np.inf, np.inf) if dt.kind == "f" else (np.iinfo(dt).min, np.iinfo(dt).max)
    lo, hi = (_make(np.array(extreme, dt), None) if bound is None else binary_operands(a, bound)[1]
              for bound, extreme in zip((min, max), extremes))
    return ops.ClampTensor.apply(a, lo, hi)


@takes_out
def maximum(input, other) -> Tensor:
    """The element-wise maximum of input and other (broadcast, promoted dtype; nan propagates)."""
    return ops.Maximum.apply(*binary_operands(input, other))


@takes_out
def minimum(input, other) -> Tensor:
    """The element-wise minimum of input and other (broadcast, promoted dtype; nan propagates)."""
    return ops.Minimum.apply(*binary_operands(input, other))


def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition is True, of other elsewhere (broadcast together);
    where(condition) alone is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return write_out("where", _where(condition, input, other), out, cast=True)


def _where(condition, input, other) -> Tensor:
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {cond.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input)  # two scalars: a float one makes float32, as in PyTorch
    a, b = binary_operands(input, other)
    return ops.Where.apply(a, b, condition=cond)


def _piecewise_constant(ufunc, doc: str):
    def fn(input) -> Tensor:
        return ops.PiecewiseConstant.apply(input, ufunc=ufunc)

    fn.__name__ = ufunc.__name__
    fn.__doc__ = doc
    return fn


floor = takes_out(_piecewise_constant(
    np.floor, "The largest integer <= each element of input, in input's dtype (zero gradient)."))
ceil = takes_out(_piecewise_constant(
    np.ceil, "The smallest integer >= each element of input, in input's dtype (zero gradient)."))


# ---- comparisons and tests (not differentiable) --------------------------------------
def _untracked(ufunc, *inputs: Tensor) -> Tensor:
    """`ufunc` of the inputs' arrays, outside autograd; while an export trace records ops (in
    no-grad mode), run again as the NoGrad op, so the trace sees it (errors come from the plain
    run, as always)."""
    out = _make(np.asarray(ufunc(*[t._data for t in inputs])), None)
    if _mode.tracer is not None and not _mode.enabled:
        return ops.NoGrad.apply(*inputs, ufunc=ufunc)
    return out


def _compare(ufunc, input, other) -> Tensor:
    a, b = binary_operands(input, other)
    try:
        return _untracked(ufunc, a, b)
    except ValueError as e:
        raise RuntimeError(
            f"{ufunc.__name__}: {e} (input shapes {tuple(a._data.shape)} and "
            f"{tuple(b._data.shape)})") from None


@takes_out
def eq(input, other) -> Tensor:
    """input == other, element-wise (broadcast): a bool tensor, not differentiable.

    Raises RuntimeError naming both shapes when they do not broadcast.
    """
    return _compare(np.equal, input, other)


@takes_out
def ne(input, other) -> Tensor:
    """input != other, element-wise (broadcast): a bool tensor, not differentiable."""
    return _compare(np.not_equal, input, other)


@takes_out
def lt(input, other) -> Tensor:
    """input < other, element-wise (broadcast): a bool tensor, not differentiable."""
    return _compare(np.less, input, other)


@takes_out
def le(input, other) -> Tensor:
    """input <= other, element-wise (broadcast): a bool tensor, not differentiable."""
    return _compare(np.less_equal, input, other)


@takes_out
def gt(input, other) -> Tensor:
    """input > other, element-wise (broadcast): a bool tensor, not differentiable."""
    return _compare(np.greater, input, other)


@takes_out
def ge(input, other) -> Tensor:
    """input >= other, element-wise (broadcast): a bool tensor, not differentiable."""
    return _compare(np.greater_equal, input, other)


def isnan(input) -> Tensor:
    """A bool tensor, True where input is nan; same shape as input."""
    return _untracked(np.isnan, input)


def isfinite(input) -> Tensor:
    """A bool tensor, True where input is neither inf, -inf nor nan; same shape as input."""
    return _untracked(np.isfinite, input)


def isinf(input) -> Tensor:
    """A bool tensor, True where input is inf or -inf; same shape as input."""
    return _untracked(np.isinf, input)


# ---- matrix products -------------------------------------------------------------------
@takes_out
def matmul(input, other) -> Tensor:
    """The matrix product of two tensors, as `input @ other`: dot product (1-D by 1-D),
    matrix-vector, matrix-matrix, and batched with broadcast batch dims; a 1-D operand gets a
    dim of size 1 added for the product and removed from the result.

    Shape: (*, n, k) @ (*, k, m) -> (*, n, m). Raises RuntimeError naming both shapes when
    they cannot be multiplied or an operand is 0-d.
    """
    a, b = binary_operands(input, other)
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes "
            f"{tuple(a._data.shape)} and {tuple(b._data.shape)}")
    try:
        return ops.MatMul.apply(a, b)
    except RuntimeError:
        why = _matmul_mismatch(a._data.shape, b._data.shape)
        if why is None:
            raise
        raise RuntimeError(why) from None


def _matmul_mismatch(sa: tuple, sb: tuple) -> str | None:
    """What makes shapes sa @ sb incompatible, in words (None if they are compatible)."""
    k_a, k_b = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if k_a != k_b:
        return (f"matmul: shapes {sa} and {sb} cannot be multiplied (the last dim of the first, "
                f"{k_a}, must match the {'only' if len(sb) == 1 else 'second-to-last'} dim of "
                f"the second, {k_b})")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return (f"matmul: the batch dims of shapes {sa} and {sb} cannot be broadcast together "
                f"({sa[:-2]} and {sb[:-2]})")
    return None


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
