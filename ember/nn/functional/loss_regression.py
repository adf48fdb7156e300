"""Regression and likelihood losses of torch.nn.functional: smooth_l1_loss, huber_loss, kl_div,
poisson_nll_loss and gaussian_nll_loss.

smooth_l1_loss, huber_loss and kl_div are one fused element-wise primitive each
(ember.ops.loss_pointwise) followed by the reduction; the two likelihood losses are composed of
differentiable ops, as PyTorch composes them.
"""

from __future__ import annotations

import math
import warnings

from ... import creation as _creation
from ...autograd import no_grad
from ...ops.loss_pointwise import KlDiv, SmoothL1
from ...tensor import Tensor
from ._args import check_float
from ._loss_args import check_broadcast, reduce_loss
from .loss import _as_dtype, _reduction, check_target_shape

__all__ = ["smooth_l1_loss", "huber_loss", "kl_div", "poisson_nll_loss", "gaussian_nll_loss"]


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 * d**2 / beta where |d| < beta, else |d| - beta / 2, for d = input - target (the L1
    loss when beta is 0). Shape: input and target broadcast together; 'none' keeps that shape."""
    op = "smooth_l1_loss"
    check_target_shape(input, target, op)
    reduction = _reduction(size_average, reduce, reduction, op)
    dtype = check_float(input, "input", op)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    loss = SmoothL1.apply(input, _as_dtype(target, dtype), beta=beta)
    return reduce_loss(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 * d**2 where |d| < delta, else delta * (|d| - delta / 2); `weight` (of the input's
    shape) scales each element before the reduction."""
    op = "huber_loss"
    check_target_shape(input, target, op)
    reduction = _reduction(None, None, reduction, op)
    dtype = check_float(input, "input", op)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    loss = SmoothL1.apply(input, _as_dtype(target, dtype), beta=delta, huber=True)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError(f"Weights and input must have the same size. ({op}: weight shape "
                             f"{tuple(weight.shape)}, input shape {tuple(input.shape)})")
        loss = loss * weight
    return reduce_loss(loss, reduction)


_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of log-probabilities `input` from `target` (probabilities,
    or log-probabilities with log_target=True): target * (log(target) - input) per element.

    reduction 'batchmean' divides the sum by the batch size (input.shape[0]), which is the
    divergence's definition; 'mean' divides by the element count (and warns, as PyTorch)."""
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction, op)
    elif reduction == "mean":
        warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
    elif reduction not in ("batchmean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError(f"kl_div: Integral inputs not supported. (input {input.dtype}, "
                           f"target {target.dtype})")
    check_broadcast({"input": tuple(input.shape), "target": tuple(target.shape)}, op)
    loss = KlDiv.apply(input, _as_dtype(target, input._data.dtype), log_target=log_target)
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Negative log likelihood of `target` under Poisson(rate): exp(input) - target * input
    (input is the log-rate), or input - target * log(input + eps) with log_input=False; `full`
    adds Stirling's approximation of log(target!) where target > 1."""
    op = "poisson_nll_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (target * (2 * math.pi)).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return reduce_loss(loss, reduction)


def _gaussian_variance(var: Tensor, input: Tensor) -> Tensor:
    """var shaped to broadcast against input, as PyTorch accepts it: the input's shape, that
    shape without its last dimension, or with one dimension of size 1 where the input's
    differs."""
    if var.shape == input.shape:
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)
    if var.ndim == input.ndim and sum(
            v for i, v in zip(input.shape, var.shape, strict=True) if i != v) == 1:
        return var
    raise ValueError(f"var is of incorrect size (var shape {tuple(var.shape)}, input shape "
                     f"{tuple(input.shape)})")


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of `target` under N(input, var):
    0.5 * (log(max(var, eps)) + (input - target)**2 / max(var, eps)) (+ 0.5 * log(2 pi) with
    `full`). var has the input's shape, or one dimension fewer or of size 1 (one variance
    shared along it); a float is one variance for all. The clamp at eps is not
    differentiated, as in PyTorch."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _creation.ones_like(input) * var
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = _gaussian_variance(var, input)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)
