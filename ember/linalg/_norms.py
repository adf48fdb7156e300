"""ember.linalg's norms: vector_norm, matrix_norm and norm, with torch.linalg's signatures,
dims and errors. Vector norms are the Norm primitive (ember.ops.reduction); the spectral and
nuclear matrix norms come from the singular values, the others from sums of |A|."""

from __future__ import annotations

import math

from .. import reductions
from .._args import _reduced_axes, type_name
from .._out import takes_out
from ..tensor import Tensor
from ._solvers import singular_value_norm


@takes_out
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None) -> Tensor:  # noqa: A002
    """(sum |x|^ord)^(1/ord) over dim (all elements when None); ord inf/-inf give max/min |x|,
    ord 0 the number of non-zeros. Float inputs only."""
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' must be Number, not str")
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(x)}")
    return reductions.norm(x, ord, _reduced_axes(dim), keepdim)


_MATRIX_ORDERS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


@takes_out
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None) -> Tensor:  # noqa: A002
    """The matrix norm over the two dims `dim`: 'fro' (Frobenius), 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of |A|),
    inf / -inf (max / min row sum). Shape: A's without those dims (kept as 1 with keepdim)."""
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(A)}")
    if isinstance(dim, int):
        raise TypeError("linalg_matrix_norm(): argument 'dim' must be tuple of ints, not int")
    if len(dim) != 2:
        got = " ".join(str(d) for d in dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    if ord not in _MATRIX_ORDERS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    ndim = A._data.ndim
    rows, cols = (d % ndim for d in dim)
    if ord == "fro":
        return reductions.norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        reduce = {"nuc": "sum", 2: "amax", -2: "amin"}[ord]
        return singular_value_norm(A, (rows, cols), reduce, keepdim)
    summed, across = (rows, cols) if abs(ord) == 1 else (cols, rows)
    extremum = reductions.amax if ord > 0 else reductions.amin
    sums = reductions.sum(A.abs(), summed, keepdim=True)
    result = extremum(sums, across, keepdim=True)
    return result if keepdim else result.squeeze((rows, cols))


@takes_out
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None) -> Tensor:  # noqa: A002
    """A vector norm (dim an int, or A 1-D) or a matrix norm (dim a 2-tuple, or A 2-D with an
    ord); with neither ord nor dim, the 2-norm of all elements."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A._data.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: Order {ord} not supported.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


__all__ = ["vector_norm", "matrix_norm", "norm"]
