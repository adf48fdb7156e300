"""Reductions: sum, mean, max/min, var/std, logsumexp, softmax, and the arg- and all/any tests."""

from __future__ import annotations

import builtins
import collections

import numpy as np

from . import functions as elementwise
from . import ops
from ._args import _axes, _float_input, _float_only, _reduced_axes, _wrap_dim
from ._out import takes_out
from .tensor import Tensor, _make

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


@takes_out
def sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:  # noqa: A001
    """The sum of input's elements over dim (an int or a tuple of ints; all elements if None).

    Integer and bool inputs sum in int64 unless `dtype` is given (input is cast to it first).
    keepdim=True keeps the reduced dims with size 1. Raises IndexError for a dim out of range.
    """
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.long()
    return ops.Sum.apply(input, axis=_reduced_axes(dim, input._data.ndim), keepdim=keepdim)


@takes_out
def mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """The mean of input's elements over dim (an int or a tuple of ints; all elements if None).

    Raises RuntimeError for an integer or bool input (without a floating `dtype`), as PyTorch.
    An empty reduction gives nan.
    """
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, "mean")
    return ops.Mean.apply(input, axis=_reduced_axes(dim, input._data.ndim), keepdim=keepdim)


def _extremum(input, dim, keepdim, largest: bool, name: str):
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return (elementwise.maximum if largest else elementwise.minimum)(input, dim)
    if input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    if dim is None:
        return ops.Amax.apply(input, axis=None, keepdim=False, largest=largest)
    if input._data.ndim == 0:  # along its dim 0 or -1: the element itself, at index 0
        _wrap_dim(dim, 0)
        values = ops.MaxDim.apply(input.reshape(1), axis=0, keepdim=False, largest=largest)
        return values_indices(values, _make(np.zeros((), np.int64), None))
    values = ops.MaxDim.apply(input, axis=dim, keepdim=keepdim, largest=largest)
    idx = (np.argmax if largest else np.argmin)(input._data, axis=dim, keepdims=keepdim)
    return values_indices(values, _make(np.asarray(idx, dtype=np.int64), None))


@takes_out
def max(input, dim=None, keepdim=False):  # noqa: A001
    """max(input): the largest element (0-d); max(input, dim): the named tuple (values, indices)
    of the largest elements along dim (indices int64); max(input, other): maximum(input, other).

    Raises RuntimeError for an empty input without dim, IndexError for a dim out of range.
    """
    return _extremum(input, dim, keepdim, True, "max")


@takes_out
def min(input, dim=None, keepdim=False):  # noqa: A001
    """min(input): the smallest element (0-d); min(input, dim): the named tuple (values, indices)
    of the smallest elements along dim (indices int64); min(input, other): minimum(input, other).

    Raises RuntimeError for an empty input without dim, IndexError for a dim out of range.
    """
    return _extremum(input, dim, keepdim, False, "min")


@takes_out
def amax(input, dim=(), keepdim=False) -> Tensor:
    """The largest elements over dim (an int or a tuple of ints; all dims by default), without
    indices; the gradient is shared evenly among tied maxima, as in PyTorch.
    """
    axis = _reduced_axes(dim, input._data.ndim)
    return ops.Amax.apply(input, axis=axis, keepdim=keepdim, largest=True)


@takes_out
def amin(input, dim=(), keepdim=False) -> Tensor:
    """The smallest elements over dim (an int or a tuple of ints; all dims by default), without
    indices; the gradient is shared evenly among tied minima, as in PyTorch.
    """
    axis = _reduced_axes(dim, input._data.ndim)
    return ops.Amax.apply(input, axis=axis, keepdim=keepdim, largest=False)


@takes_out
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """The variance over dim: sum((x - mean)**2) / (N - correction), all elements if dim is None.

    correction defaults to 1 (Bessel's correction); unbiased=False means correction=0. Raises
    RuntimeError for an integer or bool input.
    """
    _float_only(input, "var")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    axis = _reduced_axes(dim, input._data.ndim)
    means = mean(input, axis, keepdim=True)
    centered = input - means
    n = input._data.size // builtins.max(means._data.size, 1)
    return sum(centered * centered, axis, keepdim=keepdim) / builtins.max(n - correction, 0)


@takes_out
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """The standard deviation over dim: sqrt(var(input, dim, correction=...)); see var.

    Where the variance is 0 the gradient is 0, as in PyTorch.
    """
    v = var(input, dim, unbiased, keepdim, correction=correction)
    # As in PyTorch, zero variance gets a zero gradient (not sqrt's Inf times 0, a NaN).
    nonzero = v != 0  # a tensor op, so an export trace records the mask
    where = elementwise.where
    return where(nonzero, elementwise.sqrt(where(nonzero, v, 1.0)), 0.0)


@takes_out
def logsumexp(input, dim, keepdim=False) -> Tensor:
    """log(sum(exp(input))) over dim, computed stably (the max subtracted first); integer inputs
    give float32."""
    return ops.LogSumExp.apply(_float_input(input), axis=_axes(dim), keepdim=keepdim)


def _softmax(op, input, dim, dtype) -> Tensor:
    input = input.to(dtype) if dtype is not None else _float_input(input)
    if input._data.ndim == 0:  # along its dim 0 or -1: a line of one element
        _wrap_dim(dim, 0)
        return op.apply(input.reshape(1), axis=0).reshape(())
    return op.apply(input, axis=dim)


def softmax(input, dim, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim: the result sums to 1 along dim, same shape as input.

    Integer inputs give float32; `dtype` casts the input first.
    """
    return _softmax(ops.Softmax, input, dim, dtype)


def log_softmax(input, dim, dtype=None) -> Tensor:
    """log(softmax(input, dim)), computed stably; same shape as input.

    Integer inputs give float32; `dtype` casts the input first.
    """
    return _softmax(ops.LogSoftmax, input, dim, dtype)


@takes_out
def norm(input, p="fro", dim=None, keepdim=False, dtype=None) -> Tensor:
    """The vector p-norm over dim (all elements by default); 'fro' is the 2-norm, 'nuc' the
    nuclear norm of matrices. Its gradient is finite everywhere PyTorch's is (0 for a zero
    vector)."""
    if dtype is not None:
        input = input.to(dtype)
    _float_only(input, "norm")
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":  # the sum of the singular values of the matrices in dims (-2, -1) or `dim`
        from .linalg._solvers import singular_value_norm  # ember.linalg builds on this module

        return singular_value_norm(input, (-2, -1) if dim is None else dim, "sum", keepdim)
    if isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is not supported; use a number, inf, 'fro' or 'nuc'")
    return ops.Norm.apply(input, p=float(p), axis=_reduced_axes(dim, input._data.ndim),
                          keepdim=keepdim)


def dist(input, other, p=2) -> Tensor:
    """The p-norm of input - other."""
    return norm(input - other, p)


def _arg(fn, input, dim, keepdim) -> Tensor:
    if dim is None:
        out = np.asarray(fn(input._data.reshape(-1)))
        return _make(out.reshape((1,) * input._data.ndim) if keepdim else out, None)
    axis = _wrap_dim(dim, input._data.ndim)
    return _make(np.asarray(fn(input._data, axis=axis, keepdims=keepdim), dtype=np.int64), None)


@takes_out
def argmax(input, dim=None, keepdim=False) -> Tensor:
    """The int64 index of the largest element along dim (of the flattened input if dim is None)."""
    return _arg(np.argmax, input, dim, keepdim)


@takes_out
def argmin(input, dim=None, keepdim=False) -> Tensor:
    """The int64 index of the smallest element along dim (of the flattened input if dim is None)."""
    return _arg(np.argmin, input, dim, keepdim)


@takes_out
def all(input, dim=None, keepdim=False) -> Tensor:  # noqa: A001
    """A bool tensor: whether every element over dim (all dims if None) is nonzero; not
    differentiable."""
    return _make(np.asarray(np.all(input._data, axis=_axes(dim), keepdims=keepdim)), None)


@takes_out
def any(input, dim=None, keepdim=False) -> Tensor:  # noqa: A001
    """A bool tensor: whether any element over dim (all dims if None) is nonzero; not
    differentiable."""
    return _make(np.asarray(np.any(input._data, axis=_axes(dim), keepdims=keepdim)), None)


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
