"""Multi-class margin loss primitives on (N, C) scores: one loss per sample, one node each.

The functions of ember.nn.functional check the targets and reduce the per-sample losses. Class
targets are held as constant one-hot masks, so that picking x[n, target[n]] is a product and a
sum, which backward can repeat on Tensors (second derivatives).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["MultiMargin", "MultiLabelMargin"]


def _one_hot(index: np.ndarray, classes: int) -> np.ndarray:
    """(N,) class indices -> (N, C) bool mask."""
    return index[:, None] == np.arange(classes)


class MultiMargin(Function):
    """loss_n = sum over i != y_n of max(0, margin - x[n, y_n] + x[n, i])**p * w[y_n] / C,
    for p = 1 or 2 (PyTorch's multi_margin_loss, before its reduction)."""

    op_name, torch_name = "multi_margin_loss", "MultiMarginLossBackward0"

    def forward(ctx, x, target=None, p=1, margin=1.0, weight=None):
        classes = x.shape[1]
        ctx.picked = picked = _one_hot(target, classes)
        ctx.p, ctx.margin = p, margin
        ctx.scale = (1.0 / classes if weight is None else weight[target][:, None] / classes)
        ctx.save_for_backward(x)
        z = margin - np.sum(np.where(picked, x, 0), axis=1, keepdims=True) + x
        ctx.active = active = (z > 0) & ~picked
        h = np.where(active, z if p == 1 else z * z, 0)
        return np.sum(h * ctx.scale, axis=1)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        active, picked = ctx.active, ctx.picked
        if ctx.p == 1:
            slope = active * ctx.scale
        else:
            z = ctx.margin - np.sum(x * picked, axis=1, keepdims=True) + x
            slope = np.where(active, 2 * z, 0) * ctx.scale
        per_class = np.reshape(g, (-1, 1)) * slope
        return per_class - picked * np.sum(per_class, axis=1, keepdims=True)


class MultiLabelMargin(Function):
    """loss_n = sum over targets j of sum over non-targets i of max(0, 1 - (x[n, j] - x[n, i]))
    / C; each row of `target` lists class indices up to its first -1 (PyTorch's
    multilabel_margin_loss, before its reduction).

    The loss is piecewise linear, so its gradient is a constant matrix times the incoming
    gradient; forward computes that matrix."""

    op_name, torch_name = "multilabel_margin_loss", "MultilabelMarginLossBackward0"
    saves_nothing = True

    def forward(ctx, x, target=None):
        n, classes = x.shape
        listed = np.cumprod(target != -1, axis=1).astype(bool)  # entries before the first -1
        index = np.where(listed, target, 0)
        rows = np.arange(n)[:, None]
        is_target = np.zeros((n, classes), dtype=bool)
        is_target[np.broadcast_to(rows, index.shape)[listed], index[listed]] = True
        loss = np.zeros(n, dtype=x.dtype)
        slope = np.zeros((n, classes), dtype=x.dtype)
        for k in range(int(listed.sum(axis=1).max(initial=0))):
            # the k-th listed target of every row against every non-target class
            z = 1 - x[rows[:, 0], index[:, k]][:, None] + x
            active = (z > 0) & ~is_target & listed[:, k:k + 1]
            loss += np.sum(np.where(active, z, 0), axis=1)
            slope += active
            np.add.at(slope, (rows[:, 0], index[:, k]), -np.sum(active, axis=1).astype(x.dtype))
        ctx.slope = slope / classes
        ctx.is_target = is_target
        return loss / classes

    def backward(ctx, g):
        return np.reshape(g, (-1, 1)) * ctx.slope
