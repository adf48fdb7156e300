"""Argument checks shared by ember.linalg's functions, with PyTorch's messages."""

from __future__ import annotations

from .._args import type_name
from ..tensor import Tensor


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (a singular matrix, one that is not
    positive-definite): torch.linalg.LinAlgError, a RuntimeError."""


def check_matrix(name: str, a, square: bool = True, floating: bool = True) -> Tensor:
    """a as a batch of (square) float matrices, or PyTorch's RuntimeError."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be Tensor, not {type(a).__name__}")
    if a._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if floating and a._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(a)}")
    m, n = a._data.shape[-2:]
    if square and m != n:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {m} by "
                           f"{n} matrices")
    return a


def batch_prefix(flat_index: int, batched: bool) -> str:
    """PyTorch's '(Batch element k): ' for a failure in matrix k (row-major) of a batch."""
    return f"(Batch element {flat_index}): " if batched else ""
