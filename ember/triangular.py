"""Triangles and diagonals of matrices: tril, triu (and their indices), diag, diag_embed, trace,
and Tensor.fill_diagonal_. (diagonal, a view, is in ember/shapes.py.)"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from . import ops
from ._args import _wrap_dim, tensor_input
from ._out import write_out
from .devices import check_available
from .inplace import inplace
from .masked import masked_fill
from .reductions import sum as _sum
from .shapes import diagonal, reshape
from .tensor import Tensor, _make


def _triangle(name: str, input, diagonal: int, lower: bool, out) -> Tensor:
    a = tensor_input(name, input)._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (got shape "
                           f"{list(a.shape)})")
    rows, cols = a.shape[-2:]
    keep = np.tri(rows, cols, k=diagonal, dtype=bool)
    if not lower:
        keep = ~np.tri(rows, cols, k=diagonal - 1, dtype=bool)
    zero = _make(np.zeros((), a.dtype), None)
    # where, not a product with the mask: inf outside the triangle becomes 0, not NaN
    return write_out(name, ops.Where.apply(input, zero, condition=keep), out)


def tril(input, diagonal=0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims (j <= i + diagonal), zeros above."""
    return _triangle("tril", input, diagonal, True, out)


def triu(input, diagonal=0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims (j >= i + diagonal), zeros below."""
    return _triangle("triu", input, diagonal, False, out)


def _indices(op: str, row: int, col: int, offset: int, dtype, device) -> Tensor:
    check_available(device)
    for name, size in (("row", row), ("col", col)):
        if size < 0:
            raise RuntimeError(f"{op}: {name} must be non-negative, got {size}")
    np_dtype = _dt.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    if np_dtype not in (np.int32, np.int64):
        raise NotImplementedError(f"\"{op}\" not implemented for {_dt.to_dtype(dtype)} (int32 "
                                  "and int64 only)")
    found = (np.tril_indices if op == "tril_indices" else np.triu_indices)(row, offset, col)
    return _make(np.stack(found).astype(np_dtype).reshape(2, -1), None)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row x col matrix, row by
    row. Dtype: int64 unless given (int32 or int64). Errors: RuntimeError for a negative size,
    NotImplementedError for another dtype."""
    return _indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a row x col matrix, as
    tril_indices."""
    return _indices("triu_indices", row, col, offset, dtype, device)


def diag(input, diagonal=0, *, out=None) -> Tensor:
    """A 1-D input as the `diagonal`-th diagonal of a square matrix (zeros elsewhere); a 2-D
    input's `diagonal`-th diagonal, as a 1-D copy."""
    ndim = input._data.ndim
    if ndim == 1:
        size = input._data.shape[0] + abs(diagonal)
        result = ops.DiagonalScatter.apply(input, shape=(size, size), where=(diagonal, 0, 1))
    elif ndim == 2:
        result = diagonal_copy(input, diagonal)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return write_out("diag", result, out)


def diagonal_copy(input, offset=0, dim1=0, dim2=1) -> Tensor:
    """diagonal(input, offset, dim1, dim2) as a new tensor rather than a view."""
    return diagonal(input, offset, dim1, dim2).clone()


def diagflat(input, offset=0) -> Tensor:
    """A square matrix with input's elements (flattened) on its diagonal number `offset` (above
    the main one for offset > 0), zeros elsewhere. Shape: (n + |offset|, n + |offset|) for n
    elements."""
    return diag(reshape(tensor_input("diagflat", input), -1), offset)


def diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """Tensors whose (dim1, dim2) planes have input's last dim on their `offset`-th diagonal,
    zeros elsewhere. Shape: input's leading dims, with dims dim1 and dim2 (of the result) of
    size input.shape[-1] + |offset| inserted."""
    ndim = input._data.ndim + 1
    dim1, dim2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diag_embed(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    size = (input._data.shape[-1] if input._data.ndim else 1) + abs(offset)
    lead = iter(input._data.shape[:-1])
    shape = tuple(size if d in (dim1, dim2) else next(lead) for d in range(ndim))
    line = input.reshape(1) if input._data.ndim == 0 else input
    return ops.DiagonalScatter.apply(line, shape=shape, where=(offset, dim1, dim2))


def trace(input) -> Tensor:
    """The sum of a matrix's main diagonal (int64 for integer matrices). Errors:
    RuntimeError unless input is 2-D; NotImplementedError for bool, as PyTorch."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return _sum(diagonal(input))


def _diagonal_positions(shape: tuple, wrap: bool) -> np.ndarray:
    """The bool mask of the elements fill_diagonal_ writes: those whose indices are all equal
    (a[i, i, ...]); with wrap, a tall matrix's diagonal starts again every cols + 1 rows, as
    PyTorch's (which steps through the flat elements by cols + 1)."""
    if len(shape) < 2:
        raise RuntimeError("fill_diagonal_: dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, "
                           f"got shape {list(shape)}")
    size = int(np.prod(shape))
    step = sum(int(np.prod(shape[d + 1:])) for d in range(len(shape)))  # a[i+1, i+1, ...]
    end = size if wrap and len(shape) == 2 else min(shape) * step
    mask = np.zeros(size, dtype=bool)
    mask[:end:step] = True
    return mask.reshape(shape)


def fill_diagonal_(self, fill_value, wrap=False) -> Tensor:
    """Writes fill_value (a number) into the main diagonal of this tensor (2-D, or with all
    dims equal) and returns it; wrap: a tall matrix's diagonal starts again below the square.
    Errors: RuntimeError for fewer than 2 dims, unequal dims beyond 2, or a value the dtype
    cannot hold."""
    mask = _make(_diagonal_positions(tuple(self._data.shape), wrap), None)
    return inplace(self, "fill_diagonal_", lambda old: masked_fill(old, mask, fill_value))


# (the in-place fill_diagonal_ is Tensor's only, as in PyTorch)
__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_") and not name.endswith("_")]
