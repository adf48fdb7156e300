"""The embedding lookup: a row gather whose backward is Getitem's scatter-add, adjusted."""

from __future__ import annotations

import numpy as np

from .indexing import Getitem

__all__ = ["EmbeddingLookup"]


class EmbeddingLookup(Getitem):
    """weight[indices]. The padding row gets no gradient; with scale_grad_by_freq each row's
    gradient is divided by how often its index occurs in the batch."""

    op_name = "embedding"
    torch_name = "EmbeddingBackward0"

    def forward(ctx, weight, index=None, padding_idx=None, scale_grad_by_freq=False):
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        ctx.dtype = weight.dtype
        return super().forward(weight, index=index)

    def backward(ctx, g):
        grad = super().backward(g)
        rows, row_shape = ctx.shape[0], (-1,) + (1,) * (len(ctx.shape) - 1)
        if ctx.scale_grad_by_freq:
            counts = np.bincount(ctx.index.reshape(-1), minlength=rows)
            grad = grad / np.maximum(counts, 1).astype(ctx.dtype).reshape(row_shape)
        if ctx.padding_idx is not None:
            keep = np.ones(rows, dtype=bool)
            keep[ctx.padding_idx] = False
            grad = grad * keep.reshape(row_shape)
        return grad
