"""The ember.* functions (torch.* counterparts). Tensor methods of the same names call these.

Primitives come from ember.ops; composite ops (var, std, split, ...) are built from them here.
"""

from __future__ import annotations

import builtins
import collections
import math
from collections.abc import Sequence

import numpy as np

from . import ops
from .creation import tensor
from .promotion import binary_operands, cast_all
from .tensor import Tensor, _make

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _axes(dim):
    """A PyTorch dim argument (None, int, or a sequence) as a NumPy axis argument."""
    if dim is None or isinstance(dim, int):
        return dim
    return tuple(dim)


def _reduced_axes(dim):
    """The axes of sum, mean and var: an empty list of dims reduces them all, as in PyTorch."""
    axes = _axes(dim)
    return None if axes == () else axes


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dim that may be negative as an index into the shape, or PyTorch's IndexError."""
    n = builtins.max(ndim, 1)  # a 0-d tensor accepts dims 0 and -1, as in PyTorch
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _float_only(input: Tensor, op: str) -> None:
    if input.data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {input.dtype.name.capitalize()}")


def _float_input(input: Tensor) -> Tensor:
    """Integer inputs of float-valued functions (exp, sqrt, ...) become float32, as in PyTorch."""
    return input if input.data.dtype.kind == "f" else input.float()


# ---- element-wise ----------------------------------------------------------------------
def add(input, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        other = mul(other, alpha)
    return ops.Add.apply(*binary_operands(input, other))


def _is_bool(x) -> bool:
    return x.__class__ is bool or isinstance(x, Tensor) and x.data.dtype.kind == "b"


def sub(input, other, *, alpha=1) -> Tensor:
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(ops.elementwise.BOOL_SUB)
    if alpha != 1:
        other = mul(other, alpha)
    return ops.Sub.apply(*binary_operands(input, other))


def mul(input, other) -> Tensor:
    return ops.Mul.apply(*binary_operands(input, other))


def div(input, other, *, rounding_mode=None) -> Tensor:
    a, b = binary_operands(input, other, true_division=rounding_mode is None)
    if rounding_mode is None:
        return ops.Div.apply(a, b)
    rounder = {"floor": np.floor_divide, "trunc": lambda x, y: np.trunc(x / y)}[rounding_mode]
    return _make(np.asarray(rounder(a.data, b.data)).astype(a.data.dtype, copy=False), None)


true_divide = divide = div
multiply = mul
subtract = sub


def pow(input, exponent) -> Tensor:  # noqa: A001
    return ops.Pow.apply(*binary_operands(input, exponent))


def neg(input) -> Tensor:
    return ops.Neg.apply(input)


def abs(input) -> Tensor:  # noqa: A001
    return ops.Abs.apply(input)


def exp(input) -> Tensor:
    return ops.Exp.apply(_float_input(input))


def log(input) -> Tensor:
    return ops.Log.apply(_float_input(input))


def sqrt(input) -> Tensor:
    return ops.Sqrt.apply(_float_input(input))


def sin(input) -> Tensor:
    return ops.Sin.apply(_float_input(input))


def cos(input) -> Tensor:
    return ops.Cos.apply(_float_input(input))


def tanh(input) -> Tensor:
    return ops.Tanh.apply(_float_input(input))


def sigmoid(input) -> Tensor:
    return ops.Sigmoid.apply(_float_input(input))


def relu(input) -> Tensor:
    return ops.Relu.apply(input)


def square(input) -> Tensor:
    return ops.Mul.apply(input, input)


def clamp(input, min=None, max=None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input if min is None else maximum(input, min)
        return out if max is None else minimum(out, max)
    if input.data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        input = input.float()  # float bounds make an integer tensor float32, as in PyTorch
    return ops.Clamp.apply(input, min=min, max=max)


clip = clamp


def maximum(input, other) -> Tensor:
    return ops.Maximum.apply(*binary_operands(input, other))


def minimum(input, other) -> Tensor:
    return ops.Minimum.apply(*binary_operands(input, other))


def where(condition, input, other) -> Tensor:
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {cond.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input)  # two scalars: a float one makes float32, as in PyTorch
    a, b = binary_operands(input, other)
    return ops.Where.apply(a, b, condition=cond)


# ---- comparisons and tests (not differentiable) --------------------------------------
def _compare(ufunc, input, other) -> Tensor:
    a, b = binary_operands(input, other)
    try:
        return _make(np.asarray(ufunc(a.data, b.data)), None)
    except ValueError as e:
        raise RuntimeError(
            f"{ufunc.__name__}: {e} (input shapes {tuple(a.data.shape)} and "
            f"{tuple(b.data.shape)})") from None


def eq(input, other) -> Tensor:
    return _compare(np.equal, input, other)


def ne(input, other) -> Tensor:
    return _compare(np.not_equal, input, other)


def lt(input, other) -> Tensor:
    return _compare(np.less, input, other)


def le(input, other) -> Tensor:
    return _compare(np.less_equal, input, other)


def gt(input, other) -> Tensor:
    return _compare(np.greater, input, other)


def ge(input, other) -> Tensor:
    return _compare(np.greater_equal, input, other)


def equal(input, other) -> bool:
    return input.data.shape == other.data.shape and bool((input.data == other.data).all())


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False) -> bool:
    return bool(np.allclose(input.data, other.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isnan(input) -> Tensor:
    return _make(np.isnan(input.data), None)


def isfinite(input) -> Tensor:
    return _make(np.isfinite(input.data), None)


def isinf(input) -> Tensor:
    return _make(np.isinf(input.data), None)


def _arg(fn, input, dim, keepdim) -> Tensor:
    if dim is None:
        out = np.asarray(fn(input.data.reshape(-1)))
        return _make(out.reshape((1,) * input.data.ndim) if keepdim else out, None)
    axis = _wrap_dim(dim, input.data.ndim)
    return _make(np.asarray(fn(input.data, axis=axis, keepdims=keepdim), dtype=np.int64), None)


def argmax(input, dim=None, keepdim=False) -> Tensor:
    return _arg(np.argmax, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False) -> Tensor:
    return _arg(np.argmin, input, dim, keepdim)


def all(input, dim=None, keepdim=False) -> Tensor:  # noqa: A001
    return _make(np.asarray(np.all(input.data, axis=_axes(dim), keepdims=keepdim)), None)


def any(input, dim=None, keepdim=False) -> Tensor:  # noqa: A001
    return _make(np.asarray(np.any(input.data, axis=_axes(dim), keepdims=keepdim)), None)


# ---- reductions ------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:  # noqa: A001
    if dtype is not None:
        input = input.to(dtype)
    elif input.data.dtype.kind in "biu":
        input = input.long()
    return ops.Sum.apply(input, axis=_reduced_axes(dim), keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, "mean")
    return ops.Mean.apply(input, axis=_reduced_axes(dim), keepdim=keepdim)


def _extremum(input, dim, keepdim, largest: bool, name: str):
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return (maximum if largest else minimum)(input, dim)
    if input.data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    if dim is None:
        return ops.Amax.apply(input, axis=None, keepdim=False, largest=largest)
    values = ops.MaxDim.apply(input, axis=dim, keepdim=keepdim, largest=largest)
    idx = (np.argmax if largest else np.argmin)(input.data, axis=dim, keepdims=keepdim)
    return values_indices(values, _make(np.asarray(idx, dtype=np.int64), None))


def max(input, dim=None, keepdim=False):  # noqa: A001
    return _extremum(input, dim, keepdim, True, "max")


def min(input, dim=None, keepdim=False):  # noqa: A001
    return _extremum(input, dim, keepdim, False, "min")


def amax(input, dim=(), keepdim=False) -> Tensor:
    axis = None if dim == () or dim is None else _axes(dim)
    return ops.Amax.apply(input, axis=axis, keepdim=keepdim, largest=True)


def amin(input, dim=(), keepdim=False) -> Tensor:
    axis = None if dim == () or dim is None else _axes(dim)
    return ops.Amax.apply(input, axis=axis, keepdim=keepdim, largest=False)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    _float_only(input, "var")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    axis = _reduced_axes(dim)
    means = mean(input, axis, keepdim=True)
    centered = input - means
    n = input.data.size // builtins.max(means.data.size, 1)
    return sum(centered * centered, axis, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    v = var(input, dim, unbiased, keepdim, correction=correction)
    # As in PyTorch, zero variance gets a zero gradient (not sqrt's Inf times 0, a NaN).
    nonzero = v.data != 0
    return where(nonzero, sqrt(where(nonzero, v, 1.0)), 0.0)


def logsumexp(input, dim, keepdim=False) -> Tensor:
    return ops.LogSumExp.apply(_float_input(input), axis=_axes(dim), keepdim=keepdim)


def softmax(input, dim, dtype=None) -> Tensor:
    input = input.to(dtype) if dtype is not None else _float_input(input)
    return ops.Softmax.apply(input, axis=dim)


def log_softmax(input, dim, dtype=None) -> Tensor:
    input = input.to(dtype) if dtype is not None else _float_input(input)
    return ops.LogSoftmax.apply(input, axis=dim)


# ---- matrix products -------------------------------------------------------------------
def matmul(input, other) -> Tensor:
    a, b = binary_operands(input, other)
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes "
            f"{tuple(a.data.shape)} and {tuple(b.data.shape)}")
    try:
        return ops.MatMul.apply(a, b)
    except RuntimeError:
        why = _matmul_mismatch(a.data.shape, b.data.shape)
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


mm = bmm = matmul


def dot(input, other) -> Tensor:
    return matmul(input, other)


# ---- shapes ----------------------------------------------------------------------------
def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(input, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if shape == input.data.shape:
        return input
    return ops.Reshape.apply(input, shape=shape)


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    shape = input.data.shape
    if not shape:
        return reshape(input, 1)
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                           f"tensor of shape {tuple(shape)}")
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


def squeeze(input, dim=None) -> Tensor:
    shape = input.data.shape
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_wrap_dim(d, len(shape)) for d in ((dim,) if isinstance(dim, int) else dim)}
        dims = {d for d in dims if d < len(shape) and shape[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in dims))


def unsqueeze(input, dim) -> Tensor:
    ndim = input.data.ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor of {ndim} dims "
                         f"(expected to be in range of [{-ndim - 1}, {ndim}])")
    shape = list(input.data.shape)
    shape.insert(dim % (ndim + 1), 1)
    return reshape(input, tuple(shape))


def permute(input, *dims) -> Tensor:
    dims = _shape_arg(dims)
    ndim = input.data.ndim
    if sorted(d % builtins.max(ndim, 1) for d in dims) != list(range(ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {ndim} dims of "
                           f"a tensor of shape {tuple(input.data.shape)}")
    return ops.Permute.apply(input, dims=tuple(d % builtins.max(ndim, 1) for d in dims))


def transpose(input, dim0, dim1) -> Tensor:
    ndim = input.data.ndim
    dim0, dim1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    dims = list(range(ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(input, dims)


swapaxes = swapdims = transpose


def t(input) -> Tensor:
    if input.data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.data.ndim}D")
    return input if input.data.ndim < 2 else transpose(input, 0, 1)


def expand(input, *sizes) -> Tensor:
    sizes = _shape_arg(sizes)
    shape = input.data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shape)})")
    if -1 in sizes[:lead]:
        raise RuntimeError(f"expand: the size -1 is not allowed in a new leading dim (sizes "
                           f"{sizes}, tensor shape {tuple(shape)})")
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ops.Expand.apply(input, shape=target)


def broadcast_to(input, shape) -> Tensor:
    return expand(input, tuple(shape))


def expand_as(input, other) -> Tensor:
    return expand(input, other.data.shape)


def flip(input, dims) -> Tensor:
    return ops.Flip.apply(input, dims=_axes(dims))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    return ops.Cat.apply(*cast_all(tensors), axis=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    return ops.Stack.apply(*cast_all(tensors), axis=dim)


def split(tensor, split_size_or_sections, dim=0) -> tuple[Tensor, ...]:
    dim = _wrap_dim(dim, tensor.data.ndim)
    n = tensor.data.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {step} for a dim of "
                               f"size {n}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if np.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    lead = (slice(None),) * dim
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(tensor[lead + (slice(int(s), int(s) + k),)] for s, k in zip(starts, sizes))


def chunk(input, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    return split(input, math.ceil(input.data.shape[dim] / chunks), dim)


def unbind(input, dim=0) -> tuple[Tensor, ...]:
    lead = (slice(None),) * (dim % input.data.ndim)
    return tuple(input[lead + (i,)] for i in range(input.data.shape[dim]))


def narrow(input, dim, start, length) -> Tensor:
    lead = (slice(None),) * (dim % input.data.ndim)
    return input[lead + (slice(start, start + length),)]


def pad(input, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad: `pad` lists (left, right) pairs starting from the last dim, as in PyTorch."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    if len(pad) % 2 or len(pad) // 2 > input.data.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most twice the "
                           f"number of dims of a tensor of shape {tuple(input.data.shape)}")
    if builtins.min(pad, default=0) < 0:
        raise NotImplementedError("pad: negative padding is not supported")
    widths = [(0, 0)] * input.data.ndim
    for i in range(len(pad) // 2):
        widths[-1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return ops.Pad.apply(input, widths=tuple(widths), value=0.0 if value is None else value)


def numel(input) -> int:
    return input.data.size


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
