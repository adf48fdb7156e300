"""Scans along one axis: cumulative sum, product and log-sum-exp.

Each backward runs a scan the other way (a reverse cumulative sum is flip, cumsum, flip), through
the primitives themselves, so the formulas differentiate again under create_graph=True.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["CumSum", "CumProd", "LogCumSumExp"]


def _reverse_cumsum(g, axis: int):
    """sum over j >= k of g[j], for every k along axis."""
    return np.flip(CumSum.call(np.flip(g, axis), axis=axis), axis)


class CumSum(Function):
    op_name, torch_name = "cumsum", "CumsumBackward0"
    saves_nothing = True

    def forward(ctx, a, axis=0):
        ctx.axis = axis
        return np.cumsum(a, axis=axis, dtype=a.dtype)

    def backward(ctx, g):
        return _reverse_cumsum(g, ctx.axis)


class CumProd(Function):
    """Its gradient is exact with zeros in the input, as PyTorch's. Along each line, in O(n):
    elements before the first zero get sum_{j>=k} g_j out_j / a_k (no zero divides there); the
    first zero gets the reverse cumulative sum of g times the product with that zero taken as
    1; elements after it get 0 (every product that holds them also holds the zero). That last
    0 is constant while its derivative is not, so when the backward pass is recorded the
    gradient is the O(n^2) sum over k of sum_{j>=k} g_j prod_{i<=j, i!=k} a_i instead, as in
    PyTorch."""

    op_name, torch_name = "cumprod", "CumprodBackward0"

    def forward(ctx, a, axis=0):
        out = np.cumprod(a, axis=axis, dtype=a.dtype)
        ctx.axis = axis
        ctx.save_for_backward(a, out)
        zero = a == 0
        ctx.has_zero = bool(zero.any())
        if ctx.has_zero:  # which elements come before the first zero of their line, which is it
            zeros_so_far = np.cumsum(zero, axis=axis)
            ctx.before_zero = zeros_so_far == 0
            ctx.first_zero = zero & (zeros_so_far == 1)
        return out

    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if not ctx.has_zero:
            return _reverse_cumsum(g * out, axis) / a
        if not isinstance(g, np.ndarray):  # a Tensor: the backward pass is being recorded
            return _products_without_each(a, g, axis)
        before, first = ctx.before_zero, ctx.first_zero
        grad_before = np.where(before, _reverse_cumsum(g * out, axis) / np.where(before, a, 1), 0)
        zero_as_one = CumProd.call(np.where(first, 1, a), axis=axis)
        grad_first = np.where(first, _reverse_cumsum(g * zero_as_one, axis), 0)
        return grad_before + grad_first


def _products_without_each(a, g, axis: int):
    """For each k along axis, sum_{j>=k} g_j prod_{i<=j, i!=k} a_i: cumprod's gradient as a
    function that differentiates again, zeros or not (one cumprod per position k)."""
    n = a.shape[axis]
    positions = np.arange(n).reshape((n,) + (1,) * (a.ndim - axis - 1))
    grad = None
    for k in range(n):
        at_k = positions == k
        without_k = CumProd.call(np.where(at_k, 1, a), axis=axis)
        total = np.sum(g * without_k * (positions >= k), axis=axis, keepdims=True)
        term = np.where(at_k, total, 0)
        grad = term if grad is None else grad + term
    return grad


def _reverse_logcumsumexp(x, axis: int):
    return np.flip(LogCumSumExp.call(np.flip(x, axis), axis=axis), axis)


class LogCumSumExp(Function):
    """log(cumsum(exp(a))) without overflow (np.logaddexp.accumulate).

    Backward: grad_k = sum_{j>=k} g_j exp(a_k - out_j), computed in log space, with the positive
    and negative parts of g apart (log|g| where g > 0, resp. < 0; the dtype's lowest number
    elsewhere, which exp turns into 0), so nothing overflows: PyTorch's formulation."""

    op_name, torch_name = "logcumsumexp", "LogcumsumexpBackward0"

    def forward(ctx, a, axis=0):
        out = np.logaddexp.accumulate(a, axis=axis)
        ctx.axis, ctx.lowest = axis, np.finfo(a.dtype).min
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis, lowest = ctx.axis, ctx.lowest
        log_abs_g = np.log(np.abs(np.where(g == 0, 1, g)))  # 1 where g == 0: no log(0) to carry
        log_pos = np.where(g > 0, log_abs_g, lowest)
        log_neg = np.where(g < 0, log_abs_g, lowest)
        # Differentiated again, the `lowest` entries overflow in terms that np.where drops.
        with np.errstate(over="ignore", invalid="ignore"):
            return (np.exp(_reverse_logcumsumexp(log_pos - out, axis) + a)
                    - np.exp(_reverse_logcumsumexp(log_neg - out, axis) + a))
