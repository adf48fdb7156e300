"""Splitting a tensor into views along a dim: tensor_split (into n nearly equal parts, or at
indices), and hsplit, vsplit, dsplit (NumPy's, along dims 1, 0 and 2). (split and chunk, which
cut by size, are in ember/shapes.py.) Each part is a view of the input: gradients flow back
through slicing."""

from __future__ import annotations

import numbers

import numpy as np

from ._args import _wrap_dim, tensor_input
from .tensor import Tensor


def _parts(input: Tensor, dim: int, bounds: list) -> tuple:
    """input[..., a:b, ...] along dim for consecutive (a, b) of bounds (Python slicing: an
    index may count from the end or pass the end)."""
    lead = (slice(None),) * dim
    return tuple(input[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:]))


def _sections_or_indices(value):
    """tensor_split's second argument as an int (sections) or a list of ints (indices)."""
    if isinstance(value, Tensor):
        if value._data.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {value.dtype}")
        if value._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {value._data.ndim} dims")
        return int(value._data) if value._data.ndim == 0 else [int(i) for i in value._data]
    if isinstance(value, numbers.Integral):
        return int(value)
    return [int(i) for i in value]


def tensor_split(input, indices_or_sections, dim=0) -> tuple:
    """input cut along dim into views: with an int n, n parts whose sizes differ by at most one
    (the first ones larger); with a list (or 1-D int64 tensor) of indices, the parts between
    them, as Python slices (input[:i0], input[i0:i1], ..., input[ik:]).

    Errors: RuntimeError for a 0-d input, n < 1, or a tensor argument that is not int64 of at
    most 1 dim.
    """
    tensor_input("tensor_split", input)
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    dim = _wrap_dim(dim, input._data.ndim)
    split = _sections_or_indices(indices_or_sections)
    if isinstance(split, list):
        return _parts(input, dim, [0, *split, None])
    if split < 1:
        raise RuntimeError(f"number of sections must be larger than 0, got {split}")
    size = input._data.shape[dim]
    sizes = [size // split + (k < size % split) for k in range(split)]
    return _parts(input, dim, np.concatenate([[0], np.cumsum(sizes)]).tolist())


def _numpy_split(name: str, input, indices_or_sections, dim: int, min_dims: int) -> tuple:
    tensor_input(name, input)
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {input._data.ndim} dimensions!")
    if isinstance(indices_or_sections, numbers.Integral):
        size, sections = input._data.shape[dim], int(indices_or_sections)
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the "
                               f"split_size {sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 of a 1-D input); n sections must divide the dim.
    Errors: RuntimeError for a 0-d input or n that does not divide the dim."""
    dim = 1 if isinstance(input, Tensor) and input._data.ndim > 1 else 0
    return _numpy_split("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 0 of an input of at least 2 dims; n sections must divide it."""
    return _numpy_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 2 of an input of at least 3 dims; n sections must divide it."""
    return _numpy_split("dsplit", input, indices_or_sections, 2, 3)


__all__ = ["tensor_split", "hsplit", "vsplit", "dsplit"]
