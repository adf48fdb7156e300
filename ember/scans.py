"""Scans along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp, and diff.

A 0-d tensor is scanned along its dim 0 or -1 as a line of one element. Integer and bool inputs
of cumsum and cumprod give int64, as in PyTorch (or `dtype=`).
"""

from __future__ import annotations

import numpy as np

from . import ops
from ._args import _wrap_dim, tensor_input
from ._out import write_out
from .selection import _index_tensor, _values_indices
from .shapes import cat, narrow
from .tensor import Tensor


def _scan(op: type, name: str, input: Tensor, dim: int, dtype, out) -> Tensor:
    tensor_input(name, input)
    axis = _wrap_dim(dim, input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.long()
    if out is not None and out._data.dtype != input._data.dtype and dtype is None:
        input = input.to(out.dtype)  # PyTorch scans in out's dtype
    if input._data.ndim == 0:
        return write_out(name, input.clone(), out, cast=True)
    return write_out(name, op.apply(input, axis=axis), out, cast=True)


def cumsum(input, dim, *, dtype=None, out=None) -> Tensor:
    """Running sums along dim. Shape: input's."""
    return _scan(ops.CumSum, "cumsum", input, dim, dtype, out)


def cumprod(input, dim, *, dtype=None, out=None) -> Tensor:
    """Running products along dim; the gradient is exact with zeros in the input."""
    return _scan(ops.CumProd, "cumprod", input, dim, dtype, out)


def logcumsumexp(input, dim, *, out=None) -> Tensor:
    """log(cumsum(exp(input))) along dim, computed without overflow. Floating point only."""
    if not tensor_input("logcumsumexp", input).is_floating_point():
        raise NotImplementedError(f"logcumsumexp(): not implemented for {input.dtype} input "
                                  "(floating point only, as in PyTorch)")
    axis = _wrap_dim(dim, input._data.ndim)
    result = input.clone() if input._data.ndim == 0 else ops.LogCumSumExp.apply(input, axis=axis)
    return write_out("logcumsumexp", result, out)


def _running_extremum(name: str, input, dim, out, largest: bool):
    """(values, indices) of the running max or min; a tie takes the later index, as PyTorch."""
    tensor_input(name, input)
    axis = _wrap_dim(dim, input._data.ndim)
    line = input.reshape(1) if input._data.ndim == 0 else input
    a = line._data
    n = a.shape[axis]
    positions = np.arange(n).reshape((n,) + (1,) * (a.ndim - axis - 1))
    running = (np.fmax if largest else np.fmin).accumulate(a, axis=axis) if n else a
    if a.dtype.kind == "f":  # a NaN stays once reached, as in PyTorch
        running = np.where(np.logical_or.accumulate(np.isnan(a), axis=axis), np.nan, running)
    reaches = (a == running) | (np.isnan(a) if a.dtype.kind == "f" else False)
    index = np.maximum.accumulate(np.where(reaches, positions, 0), axis=axis) if n else (
        np.zeros(a.shape, np.int64))
    values = ops.Gather.apply(line, index=index, axis=axis)
    indices = _index_tensor(index)
    if input._data.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return write_out(name, _values_indices(name)(values, indices), out)


def cummax(input, dim, *, out=None):
    """(values, indices) of the running maximum along dim; its gradient goes to the element
    each running maximum is taken from."""
    return _running_extremum("cummax", input, dim, out, largest=True)


def cummin(input, dim, *, out=None):
    """(values, indices) of the running minimum along dim."""
    return _running_extremum("cummin", input, dim, out, largest=False)


def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None) -> Tensor:
    """The n-th forward difference along dim (of prepend, input and append joined there);
    bool tensors give their logical xor. Shape: input's with n fewer elements along dim."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    axis = _wrap_dim(dim, input._data.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    for p in parts:
        if not isinstance(p, Tensor):
            raise TypeError(f"diff(): argument 'prepend'/'append' must be Tensor, not "
                            f"{type(p).__name__}")
        if p._data.ndim != input._data.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as "
                               f"input (got {p._data.ndim} and {input._data.ndim} dims)")
    result = cat(parts, axis) if len(parts) > 1 else input
    for _ in range(n):
        length = result._data.shape[axis]
        if length == 0:
            break
        later, earlier = narrow(result, axis, 1, length - 1), narrow(result, axis, 0, length - 1)
        result = later ^ earlier if result._data.dtype == np.bool_ else later - earlier
    return write_out("diff", result, out, cast=True)


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
