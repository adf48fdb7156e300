"""Tensor indexing with PyTorch's rules: t[index] and t[index] = value.

A basic index (ints, slices, None, Ellipsis) gives a view; anything with an integer or boolean
tensor, array or list is advanced indexing and gives a copy. Assignment through a basic index
is copy_ into that view, which rewrites the tensor's history as PyTorch's CopySlices does;
through an advanced index it is index_put_.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import ops
from .inplace import inplace
from .ops.indexing import is_advanced
from .promotion import _constant
from .tensor import Tensor, _make
from .views import view_of


def to_numpy_index(index):
    """The index with tensors as arrays and lists as integer (or boolean) arrays. A list that
    holds a sequence, tensor, slice, Ellipsis or None is read as a tuple, as PyTorch still does
    (with its deprecation warning): `a[[[0, 1], [1, 2]]]` is `a[[0, 1], [1, 2]]`."""
    if _sequence_as_tuple(index):
        warnings.warn(_SEQUENCE_AS_TUPLE, UserWarning, stacklevel=3)
        index = tuple(index)
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


_SEQUENCE_AS_TUPLE = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")


def _sequence_as_tuple(index) -> bool:
    """PyTorch's rule (treatSequenceAsTuple in python_variable_indexing.cpp) for a list."""
    return isinstance(index, list) and len(index) < 32 and any(
        isinstance(i, (Tensor, list, tuple, slice)) or i is None or i is Ellipsis for i in index)


def _index_item(index):
    if isinstance(index, Tensor):
        if index._data.ndim == 0 and index._data.dtype.kind in "iu":
            return int(index._data)  # an integer, as PyTorch reads it: a view, not a copy
        return index._data
    if isinstance(index, (list, tuple)):
        values = np.asarray([_index_item(i) for i in index])
        # an empty list is an empty integer index; nested lists of nothing too ([[]])
        return values.astype(np.int64) if values.size == 0 else values
    if isinstance(index, range):  # a sequence of integers, as PyTorch reads it (advanced)
        return np.asarray(index, dtype=np.int64)
    if isinstance(index, slice) and index.step is not None and index.step <= 0:
        raise ValueError("step must be greater than zero")
    return index


def getitem(self: Tensor, index) -> Tensor:
    index = to_numpy_index(index)
    return _getitem(self, index)


def _getitem(self: Tensor, index) -> Tensor:
    out = ops.Getitem.apply(self, index=index)
    if is_advanced(index):
        return out
    return view_of(self, out, lambda base: _getitem(base, index))


def setitem(self: Tensor, index, value) -> None:
    index = to_numpy_index(index)
    value = _as_value(value, self)
    if is_advanced(index):
        inplace(self, "index_put_", lambda old: ops.IndexPut.apply(old, value, index=index))
        return
    target = _getitem(self, index)
    try:
        np.broadcast_shapes(value._data.shape, target._data.shape)
    except ValueError:
        raise RuntimeError(f"__setitem__: shape mismatch: value tensor of shape "
                           f"{tuple(value._data.shape)} cannot be broadcast to indexing result of "
                           f"shape {tuple(target._data.shape)} (tensor shape "
                           f"{tuple(self._data.shape)})") from None
    copy_(target, value)


def _as_value(value, like: Tensor) -> Tensor:
    """A value to write into `like`: a tensor of like's dtype (Python numbers and arrays too)."""
    if isinstance(value, Tensor):
        return value if value._data.dtype == like._data.dtype else value.to(like.dtype)
    if isinstance(value, (bool, int, float)):
        return _constant(value, like._data.dtype)
    return _make(np.asarray(value, dtype=like._data.dtype), None)


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy src (broadcast to self's shape, cast to self's dtype) into self."""
    src = src if isinstance(src, Tensor) else Tensor(np.asarray(src))
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
    except ValueError:
        raise RuntimeError(f"copy_: the source of shape {list(src._data.shape)} cannot be "
                           f"broadcast to the destination's shape {list(self._data.shape)}"
                           ) from None
    return inplace(self, "copy_", lambda old: ops.Copy.apply(old, src))


def fill_(self: Tensor, value) -> Tensor:
    """Fills the tensor with `value` (a number or a 0-d tensor) in place and returns it.

    The old values get no gradient; a value tensor gets the gradient summed.

    Raises RuntimeError for a value tensor with dims.
    """
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    return inplace(self, "fill_", lambda old: ops.Fill.apply(old, _as_value(value, old)))


def zero_(self: Tensor) -> Tensor:
    """Fills the tensor with zeros in place and returns it."""
    return fill_(self, 0)
