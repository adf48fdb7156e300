"""More reductions (torch.* counterparts): prod, aminmax, std_mean and var_mean, the NaN-skipping
nansum and nanmean, and count_nonzero."""

from __future__ import annotations

import collections

import numpy as np

from . import ops
from . import reductions as _reductions
from ._args import _reduced_axes, _wrap_dim, type_name
from ._out import takes_out
from .functions import isnan, where
from .tensor import Tensor, _make

min_max = collections.namedtuple("aminmax", ["min", "max"])


@takes_out
def prod(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """The product of all elements, or along one dim. Integer and bool inputs give int64 (as
    sum). Shape: input's without `dim` (kept as size 1 with keepdim); 0-d without dim."""
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not "
                        f"{type(dim).__name__} (prod reduces one dim, or all of them)")
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.long()
    axis = None if dim is None else _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        axis = None
    return ops.Prod.apply(input, axis=axis, keepdim=keepdim and dim is not None)


@takes_out
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (all elements when None), a named tuple; ties share the gradient."""
    if input._data.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    return min_max(_reductions.amin(input, dim, keepdim), _reductions.amax(input, dim, keepdim))


@takes_out
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, as var and mean compute them (a tuple)."""
    return (_reductions.var(input, dim, unbiased, keepdim, correction=correction),
            _reductions.mean(input, dim, keepdim))


@takes_out
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim (a tuple)."""
    return (_reductions.std(input, dim, unbiased, keepdim, correction=correction),
            _reductions.mean(input, dim, keepdim))


def _nan_as_zero(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "f":
        return input
    return where(isnan(input), 0.0, input)


@takes_out
def nansum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """sum, with NaN counted as 0 (its gradient there is 0)."""
    return _reductions.sum(_nan_as_zero(input), dim, keepdim, dtype=dtype)


@takes_out
def nanmean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """mean over the elements that are not NaN (NaN where all are). Float inputs only."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {type_name(input)}")
    count = np.sum(~np.isnan(input._data), axis=_reduced_axes(dim, input._data.ndim),
                   keepdims=keepdim)
    return nansum(input, dim, keepdim) / _make(np.asarray(count, input._data.dtype), None)


def count_nonzero(input, dim=None) -> Tensor:
    """The number of non-zero elements over dim (an int or a tuple; all when None), int64."""
    axis = _reduced_axes(dim, input._data.ndim)
    if isinstance(axis, tuple):
        axis = tuple(_wrap_dim(d, input._data.ndim) for d in axis)
    elif axis is not None:
        axis = _wrap_dim(axis, input._data.ndim)
    return _make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64), None)


__all__ = ["prod", "aminmax", "var_mean", "std_mean", "nansum", "nanmean", "count_nonzero"]
