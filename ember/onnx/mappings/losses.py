"""The loss primitives, composed from element-wise ops, LogSoftmax and gathers.

Each computes the per-element (or per-row) loss, then reduces it as ember.ops.loss does: 'sum',
'mean' (over the weights where PyTorch divides by them), or 'none'.
"""

from __future__ import annotations

import numpy as np

from ...ops.loss import (
    BceLoss,
    BceWithLogitsLoss,
    CrossEntropy,
    L1Loss,
    MseLoss,
    NllLoss,
    SoftCrossEntropy,
)
from ..registry import maps


def _reduce(g, loss: str, reduction: str, divisor: str | None = None) -> str:
    """'none', 'sum', or 'mean' (by the element count, or by `divisor` when given)."""
    if reduction == "none":
        return loss
    if reduction == "mean" and divisor is None:
        return g.reduce("ReduceMean", loss, None, False)
    total = g.reduce("ReduceSum", loss, None, False)
    return total if reduction == "sum" else g.op("Div", total, divisor)


def _weighted(g, node, loss: str, mean_over_weight: bool) -> str:
    weight = node.option("weight")
    if weight is None:
        return _reduce(g, loss, node.option("reduction"))
    loss = g.op("Mul", loss, g.ref(weight))
    divisor = None
    if mean_over_weight:
        divisor = g.reduce("ReduceSum", g.op("Add", g.ref(weight), g.op("Mul", loss, g.scalar(
            0, node.output.dtype))), None, False)  # the weights broadcast to the loss's shape
    return _reduce(g, loss, node.option("reduction"), divisor)


@maps(MseLoss)
def mse(g, node):
    diff = g.op("Sub", g.input(node, 0), g.input(node, 1))
    return _weighted(g, node, g.op("Mul", diff, diff), mean_over_weight=True)


@maps(L1Loss)
def l1(g, node):
    return _weighted(g, node, g.op("Abs", g.op("Sub", g.input(node, 0), g.input(node, 1))),
                     mean_over_weight=True)


@maps(BceLoss)
def bce(g, node):
    """-(y (log x - log(1 - x)) + log(1 - x)), each log clamped at -100."""
    x, y, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    floor = g.scalar(-100, dtype)
    log_x = g.op("Max", g.op("Log", x), floor)
    log_1mx = g.op("Max", g.op("Log", g.op("Sub", g.scalar(1, dtype), x)), floor)
    loss = g.op("Neg", g.op("Add", g.op("Mul", y, g.op("Sub", log_x, log_1mx)), log_1mx))
    return _weighted(g, node, loss, mean_over_weight=False)


@maps(BceWithLogitsLoss)
def bce_with_logits(g, node):
    """(1 - y) x + (1 + (pw - 1) y) softplus(-x), softplus(-x) = log1p(exp(-|x|)) + max(-x, 0)."""
    x, y, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    one, zero = g.scalar(1, dtype), g.scalar(0, dtype)
    exp = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    softplus = g.op("Add", g.op("Log", g.op("Add", exp, one)), g.op("Max", g.op("Neg", x), zero))
    pos_weight = node.option("pos_weight")
    if pos_weight is not None:
        scale = g.op("Add", g.op("Mul", g.op("Sub", g.ref(pos_weight), one), y), one)
        softplus = g.op("Mul", scale, softplus)
    loss = g.op("Add", g.op("Mul", g.op("Sub", one, y), x), softplus)
    return _weighted(g, node, loss, mean_over_weight=False)


def _as_rows(g, node, x: str) -> tuple[str, bool]:
    """A (C,) input as (1, C); others keep their (N, C, ...) layout (class axis 1)."""
    if len(node.shape(0)) == 1:
        return g.op("Unsqueeze", x, g.ints([0])), True
    return x, False


def _per_class(g, node, weight) -> str:
    """The class weights shaped (1, C, 1, ...) to scale (N, C, ...) rows."""
    rank = max(len(node.shape(0)), 2)
    return g.op("Reshape", g.ref(weight), g.ints([1, -1] + [1] * (rank - 2)))


def _class_loss(g, node, logp: str, smoothing: float) -> str:
    """The NLL of class-index targets on log-probabilities (N, C, ...), with weights, ignored
    targets and label smoothing, reduced."""
    dtype = node.output.dtype
    target = g.ref(node.option("target"))
    if len(node.shape(0)) == 1:
        target = g.op("Unsqueeze", target, g.ints([0]))
    ignore = node.option("ignore_index")
    if "ignore_index" in node.varying:  # ember passes None when no target equals it
        ignore = next(v for v in node.varying["ignore_index"] if v is not None)
    valid = None
    if ignore is not None:
        valid = g.op("Not", g.op("Equal", target, g.scalar(ignore, np.int64)))
        target = g.op("Where", valid, target, g.scalar(0, np.int64))
    picked = g.op("GatherElements", logp, g.op("Unsqueeze", target, g.ints([1])), axis=1)
    loss = g.op("Neg", g.op("Squeeze", picked, g.ints([1])))
    weight = node.option("weight")
    row_weight = None
    if weight is not None:
        row_weight = g.op("Gather", g.ref(weight), target, axis=0)
    if valid is not None:
        mask = g.cast(valid, dtype)
        row_weight = mask if row_weight is None else g.op("Mul", row_weight, mask)
    if row_weight is not None:
        loss = g.op("Mul", loss, row_weight)
    if smoothing:
        classes = node.shape(0)[0 if len(node.shape(0)) == 1 else 1]
        weighted = logp if weight is None else g.op("Mul", logp, _per_class(g, node, weight))
        smooth = g.op("Neg", g.reduce("ReduceSum", weighted, [1], False))
        if valid is not None:
            smooth = g.op("Mul", smooth, g.cast(valid, dtype))
        loss = g.op("Add", g.op("Mul", loss, g.scalar(1 - smoothing, dtype)),
                    g.op("Mul", smooth, g.scalar(smoothing / classes, dtype)))
    if len(node.shape(0)) == 1:
        loss = g.op("Squeeze", loss, g.ints([0]))
    reduction = node.option("reduction")
    divisor = None
    if reduction == "mean" and row_weight is not None:
        divisor = g.reduce("ReduceSum", row_weight, None, False)
    return _reduce(g, loss, reduction, divisor)


@maps(CrossEntropy, dynamic=("ignore_index",))
def cross_entropy(g, node):
    x, _ = _as_rows(g, node, g.input(node, 0))
    logp = g.op("LogSoftmax", x, axis=1)
    return _class_loss(g, node, logp, float(node.option("label_smoothing")))


@maps(NllLoss, dynamic=("ignore_index",))
def nll(g, node):
    x, _ = _as_rows(g, node, g.input(node, 0))
    return _class_loss(g, node, x, 0.0)


@maps(SoftCrossEntropy)
def soft_cross_entropy(g, node):
    """-sum_c w_c y'_c log_softmax(x)_c per row, y' = (1 - eps) y + eps / C."""
    dtype, smoothing = node.output.dtype, float(node.option("label_smoothing"))
    x, _ = _as_rows(g, node, g.input(node, 0))
    y, _ = _as_rows(g, node, g.input(node, 1))
    classes = node.shape(0)[0 if len(node.shape(0)) == 1 else 1]
    if smoothing:
        y = g.op("Add", g.op("Mul", y, g.scalar(1 - smoothing, dtype)),
                 g.scalar(smoothing / classes, dtype))
    weight = node.option("weight")
    if weight is not None:
        y = g.op("Mul", y, _per_class(g, node, weight))
    loss = g.op("Neg", g.reduce("ReduceSum", g.op("Mul", y, g.op("LogSoftmax", x, axis=1)),
                                [1], False))
    if len(node.shape(0)) == 1:
        loss = g.op("Squeeze", loss, g.ints([0]))
    return _reduce(g, loss, node.option("reduction"))

