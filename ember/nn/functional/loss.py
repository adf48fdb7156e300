"""The loss functions of ember.nn.functional: argument checks, then one fused primitive each."""

from __future__ import annotations

import warnings

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
from ...tensor import Tensor
from ._args import check_float

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(size_average, reduce, reduction: str, op: str) -> str:
    """The reduction, honouring PyTorch's deprecated size_average / reduce flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction "
                         f"(expected one of {', '.join(_REDUCTIONS)})")
    return reduction


def _shape(t: Tensor) -> tuple:
    return tuple(t._data.shape)


def _weight_array(weight: Tensor | None, dtype: np.dtype, shape: tuple | None, what: str,
                  op: str) -> np.ndarray | None:
    """weight's array in the input's dtype; `shape`, when given, is the one it must have."""
    if weight is None:
        return None
    if shape is not None and weight._data.shape != shape:
        raise RuntimeError(f"{op}: {what} should have shape {shape}, got {_shape(weight)}")
    return weight._data.astype(dtype, copy=False)


def _as_dtype(target: Tensor, dtype: np.dtype) -> Tensor:
    return target if target._data.dtype == dtype else target.to(dtype)


_INT64, _UINT64 = np.dtype(np.int64), np.dtype(np.uint64)


def _class_targets(input: Tensor, target: Tensor, ignore_index: int,
                   op: str) -> tuple[np.ndarray, int | None]:
    """The checked class-index array for an input of shape (C,), (N, C) or (N, C, d1, ...), and
    ignore_index, or None when no target equals it (which spares the ops a comparison)."""
    x, t = input._data.shape, target._data
    if len(x) == 2 and t.dtype is _INT64 and t.shape == x[:1]:
        n_classes = x[1]  # the common case, (N, C) logits and (N,) int64 targets, checked
    else:
        n_classes = _check_class_targets(x, t, target, op)
        t = t.astype(np.int64, copy=False)
    if not t.size:
        return t, None
    # Viewed as unsigned, negative targets become huge: one reduction checks both bounds.
    if np.maximum.reduce(t.view(_UINT64), axis=None) < n_classes:
        return t, (ignore_index if 0 <= ignore_index < n_classes else None)
    lo, hi = t.min(), t.max()
    if lo < 0 or hi >= n_classes:
        bad = t[((t < 0) | (t >= n_classes)) & (t != ignore_index)]
        if bad.size:
            raise IndexError(f"Target {bad.flat[0]} is out of bounds. ({op}: input shape {x} has "
                             f"{n_classes} classes, target shape {t.shape}, ignore_index "
                             f"{ignore_index})")
    return t, (ignore_index if lo <= ignore_index <= hi else None)


def _check_class_targets(x: tuple, t: np.ndarray, target: Tensor, op: str) -> int:
    """The number of classes of an input of shape x, once the target array t fits it."""
    if x == () or (len(x) == 1 and t.ndim != 0):
        raise ValueError(f"{op}: input of shape {x} needs shape (C,) with a 0-d target, or "
                         f"(N, C, ...), got target shape {t.shape}")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte (ember.int64 or "
                           f"ember.uint8), but got {target.dtype} (input shape {x}, target "
                           f"shape {t.shape})")
    if len(x) > 1 and x[0] != (t.shape[0] if t.ndim else None):
        raise ValueError(f"{op}: Expected input batch_size ({x[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 'none: 0-d target'}); input shape {x}, "
                         f"target shape {t.shape}")
    expected = () if len(x) == 1 else x[:1] + x[2:]
    if t.shape != expected:
        raise RuntimeError(f"{op}: Expected target size {list(expected)}, got {list(t.shape)} "
                           f"(input shape {x})")
    return x[0] if len(x) == 1 else x[1]


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross entropy of logits (C,), (N, C) or (N, C, d1, ...) against class indices
    or, when target is floating point with the input's shape, class probabilities."""
    op = "cross_entropy"
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = check_float(input, "input", op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0. Got: "
                         f"{label_smoothing}")
    w = None
    if weight is not None:
        x = input._data
        n_classes = x.shape[1 if x.ndim > 1 else 0] if x.ndim else 0
        w = _weight_array(weight, dtype, (n_classes,), "weight (one per class)", op)
    if target._data.dtype.kind == "f":
        if target._data.shape != input._data.shape:
            raise RuntimeError(f"{op}: class-probability targets must have the input's shape "
                               f"{_shape(input)}, got {_shape(target)}")
        return SoftCrossEntropy.apply(input, _as_dtype(target, dtype), weight=w,
                                      reduction=reduction, label_smoothing=label_smoothing)
    t, ignore_index = _class_targets(input, target, ignore_index, op)
    return CrossEntropy.apply(input, target=t, weight=w, ignore_index=ignore_index,
                              reduction=reduction, label_smoothing=label_smoothing)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities (C,), (N, C) or (N, C, d1, ...)."""
    op = "nll_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = check_float(input, "input", op)
    n_classes = input._data.shape[1 if input._data.ndim > 1 else 0] if input._data.ndim else 0
    w = _weight_array(weight, dtype, (n_classes,), "weight (one per class)", op)
    t, ignore_index = _class_targets(input, target, ignore_index, op)
    return NllLoss.apply(input, target=t, weight=w, ignore_index=ignore_index,
                         reduction=reduction)


def check_target_shape(input: Tensor, target: Tensor, op: str, stacklevel: int = 4) -> None:
    """A target that broadcasts to the input's shape, with PyTorch's warning when it differs."""
    if target._data.shape != input._data.shape:
        try:
            np.broadcast_shapes(input._data.shape, target._data.shape)
        except ValueError:
            raise RuntimeError(f"{op}: input shape {_shape(input)} and target shape "
                               f"{_shape(target)} cannot be broadcast together") from None
        warnings.warn(f"{op}: Using a target size {_shape(target)} that is different to the "
                      f"input size {_shape(input)}. This will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.",
                      stacklevel=stacklevel)


def _regression(fn, op: str, input: Tensor, target: Tensor, size_average, reduce,
                reduction: str, weight: Tensor | None) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = check_float(input, "input", op)
    check_target_shape(input, target, op, stacklevel=4)
    if weight is not None and weight._data.shape != input._data.shape:
        raise ValueError(f"{op}: Weights and input must have the same size, got weight shape "
                         f"{_shape(weight)} and input shape {_shape(input)}")
    return fn.apply(input, _as_dtype(target, dtype), reduction=reduction,
                    weight=_weight_array(weight, dtype, None, "weight", op))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """The squared error (input - target)**2, element-wise, reduced by `reduction` ("mean", "sum" or
    "none"); `weight` (input's shape) scales each element's error.

    Shape: input (*), target broadcastable to it (PyTorch's warning when the shapes differ);
    the output is a scalar, or input's shape for reduction="none". Raises RuntimeError for a
    non-floating input or shapes that do not broadcast, ValueError for a bad reduction or weight.
    """
    return _regression(MseLoss, "mse_loss", input, target, size_average, reduce, reduction,
                       weight)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """The absolute error |input - target|, element-wise, reduced by `reduction` ("mean", "sum" or
    "none"); `weight` (input's shape) scales each element's error.

    Shape: input (*), target broadcastable to it (PyTorch's warning when the shapes differ);
    the output is a scalar, or input's shape for reduction="none". Raises RuntimeError for a
    non-floating input or shapes that do not broadcast, ValueError for a bad reduction or weight.
    """
    return _regression(L1Loss, "l1_loss", input, target, size_average, reduce, reduction,
                       weight)


def _binary_checks(input: Tensor, target: Tensor, weight: Tensor | None, op: str) -> np.dtype:
    dtype = check_float(input, "input", op)
    if target._data.shape != input._data.shape:
        raise ValueError(f"{op}: Target size {_shape(target)} must be the same as input size "
                         f"{_shape(input)}")
    _check_broadcasts_to(weight, "weight", input, op)
    return dtype


def _check_broadcasts_to(t: Tensor | None, name: str, input: Tensor, op: str) -> None:
    if t is None:
        return
    try:
        np.broadcast_shapes(t._data.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(f"{op}: {name} of shape {_shape(t)} cannot be broadcast to the "
                           f"input's shape {_shape(input)}") from None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities in [0, 1]; logs are clamped at -100."""
    op = "binary_cross_entropy"
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = _binary_checks(input, target, weight, op)
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1 or np.isnan(x).any()):
        raise RuntimeError(f"{op}: all elements of input should be between 0 and 1 (input "
                           f"shape {_shape(input)}); pass logits to "
                           "binary_cross_entropy_with_logits instead")
    return BceLoss.apply(input, _as_dtype(target, dtype), reduction=reduction,
                         weight=_weight_array(weight, dtype, None, "weight", op))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy fused, stable for logits of any size."""
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = _binary_checks(input, target, weight, op)
    _check_broadcasts_to(pos_weight, "pos_weight", input, op)
    return BceWithLogitsLoss.apply(
        input, _as_dtype(target, dtype), reduction=reduction,
        weight=_weight_array(weight, dtype, None, "weight", op),
        pos_weight=_weight_array(pos_weight, dtype, None, "pos_weight", op))
