"""Embedding lookup and one-hot encoding (torch.nn.functional counterparts)."""

from __future__ import annotations

import numpy as np

from ...autograd import no_grad
from ...ops.embedding import EmbeddingLookup
from ...tensor import Tensor, _make

__all__ = ["embedding", "one_hot"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` picked by the integer `input`; output shape input.shape + (dim,)."""
    index = input._data
    rows = weight._data.shape[0]
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected integer indices (ember.int64 or ember.int32), "
                           f"got {input.dtype} (indices shape {tuple(index.shape)})")
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index[(index < 0) | (index >= rows)].flat[0]
        raise IndexError(f"embedding: index {bad} out of range for a weight of {rows} rows "
                         f"(indices shape {tuple(index.shape)}, weight shape "
                         f"{tuple(weight._data.shape)})")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported by ember")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({rows})")
        padding_idx %= rows
    if max_norm is not None:
        _renorm_rows(weight, np.unique(index), max_norm, norm_type)
    return EmbeddingLookup.apply(weight, index=index, padding_idx=padding_idx,
                                 scale_grad_by_freq=scale_grad_by_freq)


@no_grad()
def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the looked-up rows whose norm exceeds max_norm (as PyTorch does)."""
    picked = weight._data[rows]
    norms = np.linalg.norm(picked, ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[rows] = picked * scale[:, None].astype(picked.dtype)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(...,) int64 class indices -> (..., num_classes) int64 one-hot rows."""
    index = tensor._data
    if index.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type ember.int64, got "
                           f"{tensor.dtype}")
    if num_classes == -1:
        if index.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor.")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if index.size and index.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}), got {int(index.max())}.")
    out = np.zeros(index.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return _make(out, None)
