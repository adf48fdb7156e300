"""PairwiseDistance and CosineSimilarity: Modules over ember.nn.functional.distance."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class PairwiseDistance(Module):
    """The p-norm of x1 - x2 + eps over the last dimension. Shape: (N, D) or (D,) inputs give
    (N,) or () (with keepdim, (N, 1) or (1,))."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """F.pairwise_distance. Shape: x1, x2 (N, D) or (D,), broadcastable; output (N,) or ()
        ((N, 1) or (1,) with keepdim)."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """The cosine of the angle between x1 and x2 along dim. Shape: inputs broadcast together;
    dim is removed."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """F.cosine_similarity along dim. Shape: x1, x2 broadcastable, (*1, D, *2); output (*1,
        *2)."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
