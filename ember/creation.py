"""Tensor factories: tensor, zeros, ones, arange, rand, ... with PyTorch's dtype defaults."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from . import dtypes as _dt
from ._convert import _infer, _to_array
from .devices import check_available
from .random import rng_of
from .tensor import Tensor, _make


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(arr, None)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (a number, nested sequence, ndarray or tensor).

    The dtype is inferred as PyTorch's: Python floats give the default float dtype (float32),
    ints int64, bools bool; NumPy arrays keep theirs. `device` must be the CPU (else the error of
    a PyTorch built without that backend). Raises TypeError for unsupported array dtypes.
    """
    check_available(device)
    return _finish(_to_array(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory with a NumPy array of a supported dtype when possible;
    a tensor with dtype=None is returned as is. Not a leaf that requires grad.
    """
    check_available(device)
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _make(_to_array(data, dtype, copy=False), None)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray` (writes show through both ways), of its dtype.

    Raises TypeError for something other than an ndarray or an unsupported dtype.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray, None)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], Sequence):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _float_dtype(dtype) -> np.dtype:
    return _dt.to_np(dtype) if dtype is not None else _dt.default_float.np


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (ints, or one sequence); default float dtype
    unless `dtype`."""
    check_available(device)
    return _finish(np.zeros(_size(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (ints, or one sequence); default float dtype unless
    `dtype`."""
    check_available(device)
    return _finish(np.ones(_size(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of the given size (ints, or one sequence); default float dtype unless
    `dtype`. Its values are arbitrary.
    """
    check_available(device)
    return _finish(np.empty(_size(size), _float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value`; the dtype is inferred from the value (float ->
    default float dtype, int -> int64, bool -> bool) unless `dtype` is given.
    """
    check_available(device)
    if dtype is None:  # a fill value is a scalar: a NumPy float64 one still gives float32
        value = fill_value.item() if isinstance(fill_value, (np.generic, Tensor)) else fill_value
        np_dtype = _infer(value)[1]
    else:
        np_dtype = _dt.to_np(dtype)
    return _finish(np.full(_size((size,)), fill_value, np_dtype), requires_grad)


def _like(input: Tensor, dtype) -> tuple:
    return input._data.shape, (_dt.to_np(dtype) if dtype is not None else input._data.dtype)


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros with input's shape and (unless `dtype`) its dtype."""
    check_available(device)
    return _finish(np.zeros(*_like(input, dtype)), requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones with input's shape and (unless `dtype`) its dtype."""
    check_available(device)
    return _finish(np.ones(*_like(input, dtype)), requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor with input's shape and (unless `dtype`) its dtype."""
    check_available(device)
    return _finish(np.empty(*_like(input, dtype)), requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """A tensor with input's shape and (unless `dtype`) its dtype, filled with `fill_value`."""
    check_available(device)
    shape, np_dtype = _like(input, dtype)
    return _finish(np.full(shape, fill_value, np_dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False):
    """The 1-D tensor of values from start (default 0) up to, not including, end, by step.

    int64 when start, end and step are all ints, else the default float dtype, unless `dtype`.
    """
    check_available(device)
    if end is None:
        start, end = 0, start
    is_float = builtins.any(isinstance(v, float) for v in (start, end, step))
    np_dtype = _dt.to_np(dtype) if dtype is not None else (
        _dt.default_float.np if is_float else np.dtype(np.int64))
    return _finish(np.arange(start, end, step).astype(np_dtype), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False):
    """The 1-D tensor of `steps` evenly spaced values from start to end, both included;
    default float dtype unless `dtype`."""
    check_available(device)
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False):
    """The 2-D identity-like tensor of shape (n, m) (m defaults to n): ones on the diagonal, zeros
    elsewhere; default float dtype unless `dtype`.
    """
    check_available(device)
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size with values drawn uniformly from [0, 1), from `generator` or the
    global one; default float dtype unless `dtype`.
    """
    check_available(device)
    np_dtype = _float_dtype(dtype)
    arr = rng_of(generator).random(_size(size), dtype=np.float64).astype(np_dtype, copy=False)
    return _finish(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size with values drawn from the standard normal distribution N(0, 1),
    from `generator` or the global one; default float dtype unless `dtype`.
    """
    check_available(device)
    np_dtype = _float_dtype(dtype)
    arr = rng_of(generator).standard_normal(_size(size)).astype(np_dtype, copy=False)
    return _finish(arr, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """A tensor of `size` with integers drawn uniformly from [low, high) (randint(high, size) has
    low=0); int64 unless `dtype`.
    """
    check_available(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    np_dtype = _dt.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    arr = rng_of(generator).integers(low, high, size=tuple(size)).astype(np_dtype, copy=False)
    return _finish(arr, requires_grad)


def randperm(n: int, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 as a 1-D tensor; int64 unless `dtype`."""
    check_available(device)
    np_dtype = _dt.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    return _finish(rng_of(generator).permutation(n).astype(np_dtype, copy=False), requires_grad)


def is_tensor(obj) -> bool:
    """True if obj is an ember Tensor (a Parameter included)."""
    return isinstance(obj, Tensor)


