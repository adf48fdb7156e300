"""ember.linalg: torch.linalg's functions on batches of matrices (the last two dims).

Forward values come from NumPy; gradients are PyTorch's formulas (ember/ops/decompositions.py),
differentiable again (create_graph=True). Failures on the input (a singular matrix, one that is
not positive-definite) raise LinAlgError, a RuntimeError, with PyTorch's messages.
"""

from __future__ import annotations

from functools import reduce

from .._out import takes_out
from ..functions import matmul as _matmul
from ..products import _cross
from ..reductions import sum as _sum
from ..tensor import Tensor
from ._checks import LinAlgError
from ._norms import matrix_norm, norm, vector_norm
from ._solvers import (
    cholesky,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    matrix_power,
    matrix_rank,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)


@takes_out
def matmul(input, other) -> Tensor:
    """The same as ember.matmul."""
    return _matmul(input, other)


@takes_out
def cross(input, other, *, dim=-1) -> Tensor:
    """The cross product of 3-vectors along dim (the last by default); shapes broadcast."""
    return _cross(input, other, dim, "linalg.cross")


@takes_out
def vecdot(x, y, *, dim=-1) -> Tensor:
    """The dot product of vectors along dim, shapes broadcast."""
    return _sum(x * y, dim)


@takes_out
def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices (the first and last may be vectors), left to right."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got "
                           f"{len(tensors)}")
    for k, t in enumerate(tensors):
        allowed = (1, 2) if k in (0, len(tensors) - 1) else (2,)
        if t._data.ndim not in allowed:
            raise RuntimeError(f"multi_dot(): tensor {k} must be "
                               f"{'1D or 2D' if len(allowed) == 2 else '2D'} but got "
                               f"{t._data.ndim}D")
    return reduce(_matmul, tensors)


__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "inv_ex", "solve", "det",
           "slogdet", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh",
           "pinv", "matrix_rank", "matrix_power", "matmul", "cross", "vecdot", "multi_dot"]
