"""Distances and normalisation (torch.nn.functional's pairwise_distance, cosine_similarity and
normalize), composed of differentiable ops as PyTorch composes them."""

from __future__ import annotations

import numpy as np

from ... import functions as _functions
from ... import reductions as _reductions
from ...autograd import no_grad
from ...promotion import binary_operands
from ...tensor import Tensor

__all__ = ["pairwise_distance", "cosine_similarity", "normalize"]


def _float_pair(x1: Tensor, x2: Tensor, op: str) -> tuple[Tensor, Tensor]:
    """Both operands in their common dtype, which must be floating point."""
    a, b = binary_operands(x1, x2)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected common dtype to be floating point, yet common dtype "
                           f"is {a.dtype} (shapes {tuple(x1.shape)} and {tuple(x2.shape)})")
    return a, b


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last dimension.

    Shape: x1 and x2 broadcast to (*, D); the output is (*), or (*, 1) with keepdim."""
    a, b = _float_pair(x1, x2, "pairwise_distance")
    diff = a - b + eps
    if diff.ndim == 0:
        return _reductions.norm(diff, p, None, keepdim)
    return _reductions.norm(diff, p, diff.ndim - 1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim.

    As PyTorch, each norm is clamped at eps without the clamp being differentiated (its
    gradient is the norm's). Shape: x1 and x2 broadcast to a common shape; dim is removed."""
    a, b = _float_pair(x1, x2, "cosine_similarity")
    try:
        shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise RuntimeError(f"cosine_similarity: shapes {tuple(x1.shape)} and {tuple(x2.shape)} "
                           "cannot be broadcast together") from None
    a, b = a.expand(shape), b.expand(shape)
    norms = []
    for x in (a, b):
        norm = _reductions.norm(x, 2, dim, True).clone()
        with no_grad():
            norm.clamp_(min=eps)
        norms.append(norm)
    return ((a / norms[0]) * (b / norms[1])).sum(dim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p, eps) along dim (the clamp is differentiated).

    Shape: any; the output has the input's shape."""
    denom = _functions.clamp(_reductions.norm(input, p, dim, True), min=eps).expand_as(input)
    result = input / denom
    if out is not None:
        with no_grad():
            out.copy_(result)
        return out
    return result
