"""Margin and embedding losses of torch.nn.functional.

multi_margin_loss, multilabel_margin_loss and soft_margin_loss are fused primitives
(ember.ops.loss_margin, ember.ops.loss_pointwise), as PyTorch's are; the embedding and ranking
losses are composed of differentiable ops exactly as PyTorch composes them, so their gradients
(and second derivatives) follow.
"""

from __future__ import annotations

import numpy as np

from ... import functions as _functions
from ...ops.loss_margin import MultiLabelMargin, MultiMargin
from ...ops.loss_pointwise import SoftMargin
from ...tensor import Tensor
from ._args import check_float
from ._loss_args import check_broadcast, reduce_loss, refuse_grad
from .activation_pointwise import logsigmoid
from .distance import pairwise_distance
from .loss import _as_dtype, _reduction

__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
           "multi_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss"]

_EPSILON = 1e-12  # added to the squared magnitudes in cosine_embedding_loss, as PyTorch


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1.

    Shape: inputs (N, D) with target (N,), or (D,) with a 0-d target."""
    reduction = _reduction(size_average, reduce, reduction, "cosine_embedding_loss")
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = 2 if target.ndim == 1 else 1
    if input1.ndim != expected or input2.ndim != expected:
        raise RuntimeError(f"{target.ndim}D target tensor expects {expected}D input tensors, "
                           f"but found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    dim = target.ndim
    product = (input1 * input2).sum(dim)
    magnitude1 = (input1 * input1).sum(dim) + _EPSILON
    magnitude2 = (input2 * input2).sum(dim) + _EPSILON
    cos = product / (magnitude1 * magnitude2).sqrt()
    check_broadcast({"cosine": tuple(cos.shape), "target": tuple(target.shape)},
                    "cosine_embedding_loss")
    positive = _functions.where(target == 1, 1 - cos, 0.0)
    negative = _functions.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return reduce_loss(positive + negative, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (x1 - x2) + margin): target 1 asks x1 to rank above x2, -1 below.

    Shape: the three tensors have one number of dimensions and broadcast together."""
    reduction = _reduction(size_average, reduce, reduction, "margin_ranking_loss")
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {_size(input1)}, input2: {_size(input2)}, "
                           f"target: {_size(target)} ")
    check_broadcast({"input1": tuple(input1.shape), "input2": tuple(input2.shape),
                     "target": tuple(target.shape)}, "margin_ranking_loss")
    return reduce_loss((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def _size(t: Tensor) -> str:
    return f"ember.Size({list(t.shape)})"


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1 (x: distances)."""
    reduction = _reduction(size_average, reduce, reduction, "hinge_embedding_loss")
    check_broadcast({"input": tuple(input.shape), "target": tuple(target.shape)},
                    "hinge_embedding_loss")
    beyond_margin = _functions.where(target != 1, (margin - input).clamp(min=0), 0.0)
    kept = _functions.where(target != -1, input, 0.0)
    return reduce_loss(beyond_margin + kept, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)) per element, target in {1, -1}. Unlike PyTorch's, it stays
    finite where -target * input is too large for exp. The target gets no gradient."""
    op = "soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = check_float(input, "input", op)
    refuse_grad(target, "target", op)
    check_broadcast({"input": tuple(input.shape), "target": tuple(target.shape)}, op)
    return reduce_loss(SoftMargin.apply(input, _as_dtype(target, dtype)), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross entropy of each class's logit against its 0/1 target, averaged over the
    classes (the last dimension): one loss per sample. weight (C,) scales the classes."""
    reduction = _reduction(size_average, reduce, reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return reduce_loss(loss, reduction)


def _scores_as_rows(input: Tensor, op: str) -> Tensor:
    """Scores (C,) or (N, C) as (N, C)."""
    check_float(input, "input", op)
    if input.ndim not in (1, 2) or (input.ndim == 2 and input.shape[1] == 0) or (
            input.ndim == 1 and input.shape[0] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    return input.reshape(1, -1) if input.ndim == 1 else input


def _long_target(target: Tensor, op: str, input: Tensor) -> np.ndarray:
    if target._data.dtype != np.int64:
        kind = target.dtype.legacy_name.removesuffix("Tensor")
        raise RuntimeError(f"expected scalar type Long but found {kind} ({op}: input shape "
                           f"{list(input.shape)}, target shape {list(target.shape)})")
    return target._data


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Hinge loss of every listed target class against every other class. Each row of target
    lists class indices and ends at its first -1.

    Shape: input (C,) or (N, C); target of the same shape, int64; 'none' gives (N,) or ()."""
    op = "multilabel_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    scores = _scores_as_rows(input, op)
    t = _long_target(target, op, input)
    if t.shape != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(input.shape)}")
    if t.size and (t.min() < -1 or t.max() >= scores.shape[1]):
        raise RuntimeError(f"argument #2 'target' is out of range ({op}: class indices must be "
                           f"in [-1, {scores.shape[1]}))")
    loss = MultiLabelMargin.apply(scores, target=t.reshape(scores.shape))
    return reduce_loss(loss.reshape(tuple(input.shape[:-1])), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over classes i != y of max(0, margin - x[y] + x[i])**p / C,
    times weight[y]; p is 1 or 2.

    Shape: input (C,) or (N, C); target (N,) (or () / (1,) for one sample), int64; weight (C,).
    'none' gives the target's shape."""
    op = "multi_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    w = None
    if weight is not None:
        if weight.ndim != 1:
            raise ValueError("weight must be one-dimensional")
        refuse_grad(weight, "weight", op)
    scores = _scores_as_rows(input, op)
    classes = scores.shape[1]
    if weight is not None:
        if weight.numel() != classes:
            raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                               f"{list(weight.shape)}")
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected scalar type {_kind(input)} but found {_kind(weight)}")
        w = weight._data
    t = _long_target(target, op, input)
    if t.size != scores.shape[0] or (t.ndim > 1) or (input.ndim == 2 and t.ndim != 1):
        raise RuntimeError(f"{op}: target tensor should be 1-D with size equal to the number of "
                           f"input samples (batch size). Expected target size "
                           f"[{scores.shape[0]}], but got {list(t.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    flat = t.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= classes):
        raise RuntimeError(f"target out of range ({op}: {classes} classes)")
    loss = MultiMargin.apply(scores, target=flat, p=p, margin=margin, weight=w)
    return reduce_loss(loss.reshape(t.shape), reduction)


def _kind(t: Tensor) -> str:
    return t.dtype.legacy_name.removesuffix("Tensor")


def _same_ndim(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.ndim}D, positive "
                           f"{positive.ndim}D, and negative {negative.ndim}D inputs")


def _triplet(distance, anchor: Tensor, positive: Tensor, negative: Tensor, margin: float,
             swap: bool, reduction: str) -> Tensor:
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = _functions.minimum(negative_distance, distance(positive, negative))
    return reduce_loss((margin + positive_distance - negative_distance).clamp(min=0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-norm distance; `swap` uses
    min(d(a, n), d(p, n)) for the negative distance.

    Shape: (N, D) or (D,) each; 'none' gives (N,) or ()."""
    reduction = _reduction(size_average, reduce, reduction, "triplet_margin_loss")
    _same_ndim(anchor, positive, negative)
    return _triplet(lambda x, y: pairwise_distance(x, y, p, eps), anchor, positive, negative,
                    margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance_function(x, y) (default: pairwise_distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _same_ndim(anchor, positive, negative)
    distance = distance_function if distance_function is not None else pairwise_distance
    return _triplet(distance, anchor, positive, negative, margin, swap, reduction)
