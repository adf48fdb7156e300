"""The embedding lookup: a row gather whose backward is Getitem's scatter-add, adjusted."""

from __future__ import annotations

import numpy as np

from .movement import Getitem

__all__ = ["EmbeddingLookup"]


class EmbeddingLookup(Getitem):
    """weight[indices]. The padding row gets no gradient; with scale_grad_by_freq each row's
    gradient is divided by how often its index occurs in the batch."""

    def forward(ctx, weight, index=None, padding_idx=None, scale_grad_by_freq=False):
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return super().forward(weight, index=index)

    def backward(ctx, g):
        grad = super().backward(g)
        if ctx.scale_grad_by_freq:
            counts = np.bincount(ctx.index.reshape(-1), minlength=grad.shape[0])
            grad /= np.maximum(counts, 1).reshape((-1,) + (1,) * (grad.ndim - 1))
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad
