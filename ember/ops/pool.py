"""Primitive Functions for 2-D pooling on NCHW arrays, read through ember.ops.conv's window view.

The geometry (kernel, stride, dilation, per-side padding, output size) arrives already checked by
ember.nn.functional.pool.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .conv import Pads, Pair, crop_hw, pad_hw, padded_shape, windows

__all__ = ["MaxPool2D", "AvgPool2D", "max_pool_with_argmax"]


class MaxPool2D(Function):
    """Max over each window. Ties go to the first maximum in row-major window order (as in
    PyTorch); NaN propagates to the output. Padding is -inf, so it never wins."""

    def forward(ctx, x, kernel: Pair, stride: Pair, dilation: Pair, pads: Pads, out_hw: Pair):
        out, ctx.argmax = max_pool_with_argmax(x, kernel, stride, dilation, pads, out_hw)
        ctx.geometry = (kernel, stride, dilation, pads, x.shape)
        return out

    def backward(ctx, g):
        kernel, stride, dilation, pads, x_shape = ctx.geometry
        grad_xp = np.zeros(padded_shape(x_shape, pads), dtype=g.dtype)
        win = windows(grad_xp, kernel, stride, dilation, g.shape[2:])
        # Windows that do not overlap (the usual stride == kernel) own their input elements, so
        # the gradient can be written instead of accumulated. (Masked ufuncs, where=, are
        # several times slower than this multiply by the hit mask.)
        disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        hit = np.empty(g.shape, dtype=bool)
        routed = np.empty_like(g)
        for k in range(kernel[0] * kernel[1]):
            target = win[:, :, k // kernel[1], k % kernel[1]]
            np.equal(ctx.argmax, k, out=hit)
            if disjoint:
                np.multiply(g, hit, out=target)
            else:
                np.multiply(g, hit, out=routed)
                np.add(target, routed, out=target)
        return crop_hw(grad_xp, pads)


def max_pool_with_argmax(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pads: Pads,
                         out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and, per output, the winning kernel offset k = i*kw + j."""
    win = windows(pad_hw(x, pads, -np.inf), kernel, stride, dilation, out_hw)
    out = win[:, :, 0, 0].copy()
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(kernel[0] * kernel[1] - 1))
    better = np.empty(out.shape, dtype=bool)
    offset = np.empty_like(argmax)
    for k in range(1, kernel[0] * kernel[1]):
        candidate = win[:, :, k // kernel[1], k % kernel[1]]
        np.greater(candidate, out, out=better)
        # k exceeds every offset stored so far, so max(argmax, better * k) sets argmax to k
        # exactly where the candidate is better (a masked copy, where=, is far slower).
        np.multiply(better, argmax.dtype.type(k), out=offset)
        np.maximum(argmax, offset, out=argmax)
        np.maximum(out, candidate, out=out)
    return out, argmax


class AvgPool2D(Function):
    """Window sums divided by `divisor`: a (Ho, Wo) array, as the divisor differs per window
    at the borders (count_include_pad, ceil_mode) following PyTorch's rules."""

    def forward(ctx, x, kernel: Pair, stride: Pair, pads: Pads, out_hw: Pair,
                divisor: np.ndarray):
        win = windows(pad_hw(x, pads, 0), kernel, stride, (1, 1), out_hw)
        out = win[:, :, 0, 0].copy()
        for k in range(1, kernel[0] * kernel[1]):
            np.add(out, win[:, :, k // kernel[1], k % kernel[1]], out=out)
        out /= divisor
        ctx.geometry = (kernel, stride, pads, x.shape)
        ctx.divisor = divisor
        return out

    def backward(ctx, g):
        kernel, stride, pads, x_shape = ctx.geometry
        share = g / ctx.divisor
        grad_xp = np.zeros(padded_shape(x_shape, pads), dtype=g.dtype)
        win = windows(grad_xp, kernel, stride, (1, 1), g.shape[2:])
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                target = win[:, :, i, j]
                np.add(target, share, out=target)
        return crop_hw(grad_xp, pads)
