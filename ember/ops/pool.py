"""Primitive Functions for 2-D pooling on NCHW arrays, read through ember.ops.windows' window view,
and the gathers and scatters at flat positions of each (H, W) plane that adaptive max pooling and
max unpooling are.

The geometry (kernel, stride, dilation, per-side padding, output size) arrives already checked by
ember.nn.functional.pool. (1-D pooling is 2-D pooling of height 1, as in PyTorch.)
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from .windows import Pads, Pair, crop_spatial, pad_spatial, padded_shape, windows

__all__ = ["MaxPool2D", "ArgmaxScatter", "ArgmaxGather", "AvgPool2D", "WindowSpread",
           "max_pool_with_argmax", "PlaneGather", "PlaneScatter", "AdaptiveMaxPool2D",
           "MaxUnpool2D"]


class MaxPool2D(Function):
    """Max over each window. Ties go to the first maximum in row-major window order (as in
    PyTorch); NaN propagates to the output. Padding is -inf, so it never wins.

    The backward routes each output's gradient to the input element that won its window
    (ArgmaxScatter); the winners are constants, so that routing is linear in the gradient."""

    op_name, torch_name = "max_pool2d", "MaxPool2DWithIndicesBackward0"

    def forward(ctx, x, kernel: Pair, stride: Pair, dilation: Pair, pads: Pads, out_hw: Pair):
        out, ctx.argmax = max_pool_with_argmax(x, kernel, stride, dilation, pads, out_hw)
        ctx.geometry = (kernel, stride, dilation, pads, x.shape)
        return out

    def backward(ctx, g):
        return ArgmaxScatter.call(g, argmax=ctx.argmax, geometry=ctx.geometry)


class ArgmaxScatter(Function):
    """Zeros of the pooled input's shape with each g[n, c, y, x] added where window (y, x)
    took its maximum: MaxPool2D's backward. Its own backward is ArgmaxGather.
    geometry: (kernel, stride, dilation, pads, input shape)."""

    op_name, torch_name = "max_pool2d", "MaxPool2DWithIndicesBackwardBackward0"

    def forward(ctx, g, argmax=None, geometry=None):
        ctx.argmax, ctx.geometry = argmax, geometry
        kernel, stride, dilation, pads, x_shape = geometry
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
            np.equal(argmax, k, out=hit)
            if disjoint:
                np.multiply(g, hit, out=target)
            else:
                np.multiply(g, hit, out=routed)
                np.add(target, routed, out=target)
        return crop_spatial(grad_xp, pads)

    def backward(ctx, gg):
        return ArgmaxGather.call(gg, argmax=ctx.argmax, geometry=ctx.geometry)


class ArgmaxGather(Function):
    """x's element at each window's recorded maximum: max pooling with the winners fixed,
    ArgmaxScatter's backward (and ArgmaxScatter is its own)."""

    op_name = "max_pool2d"

    def forward(ctx, x, argmax=None, geometry=None):
        ctx.argmax, ctx.geometry = argmax, geometry
        kernel, stride, dilation, pads, _ = geometry
        win = windows(pad_spatial(x, pads, 0), kernel, stride, dilation, argmax.shape[2:])
        out = np.zeros(argmax.shape, dtype=x.dtype)
        for k in range(kernel[0] * kernel[1]):
            np.copyto(out, win[:, :, k // kernel[1], k % kernel[1]], where=argmax == k)
        return out

    def backward(ctx, g):
        return ArgmaxScatter.call(g, argmax=ctx.argmax, geometry=ctx.geometry)


def max_pool_with_argmax(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, pads: Pads,
                         out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and, per output, the winning kernel offset k = i*kw + j."""
    win = windows(pad_spatial(x, pads, -np.inf), kernel, stride, dilation, out_hw)
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
    at the borders (count_include_pad, ceil_mode) following PyTorch's rules. Linear in x: its
    backward is WindowSpread, whose backward is AvgPool2D again."""

    op_name = "avg_pool2d"

    def forward(ctx, x, kernel: Pair, stride: Pair, pads: Pads, out_hw: Pair,
                divisor: np.ndarray):
        win = windows(pad_spatial(x, pads, 0), kernel, stride, (1, 1), out_hw)
        out = win[:, :, 0, 0].copy()
        for k in range(1, kernel[0] * kernel[1]):
            np.add(out, win[:, :, k // kernel[1], k % kernel[1]], out=out)
        out /= divisor
        ctx.geometry = dict(kernel=kernel, stride=stride, pads=pads, divisor=divisor)
        ctx.x_shape = x.shape
        return out

    def backward(ctx, g):
        return WindowSpread.call(g, x_shape=ctx.x_shape, **ctx.geometry)


class WindowSpread(Function):
    """Each g[n, c, y, x] / divisor[y, x] added to every input element of window (y, x): the
    adjoint of AvgPool2D, which is in turn its backward."""

    op_name, torch_name = "avg_pool2d", "AvgPool2DBackwardBackward0"

    def forward(ctx, g, x_shape=None, kernel=(1, 1), stride=(1, 1), pads=(0, 0, 0, 0),
                divisor=None):
        ctx.geometry = dict(kernel=kernel, stride=stride, pads=pads, divisor=divisor)
        ctx.out_hw = g.shape[2:]
        share = g / divisor
        grad_xp = np.zeros(padded_shape(x_shape, pads), dtype=g.dtype)
        win = windows(grad_xp, kernel, stride, (1, 1), g.shape[2:])
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                target = win[:, :, i, j]
                np.add(target, share, out=target)
        return crop_spatial(grad_xp, pads)

    def backward(ctx, gg):
        return AvgPool2D.call(gg, out_hw=ctx.out_hw, **ctx.geometry)


def _flat_positions(indices: np.ndarray, plane_size: int) -> np.ndarray:
    """indices (..., oh, ow) into each plane as positions in the whole array (..., *plane)."""
    planes = math.prod(indices.shape[:-2])
    offsets = np.arange(planes, dtype=np.int64)[:, None] * plane_size
    return (indices.reshape(planes, -1) + offsets).ravel()


class PlaneGather(Function):
    """out[..., i, j] = x[...].flat[indices[..., i, j]]: x's values at given positions of each
    (H, W) plane (the last two dims). Its backward is PlaneScatter (summing), whose backward it
    is."""

    op_name = "adaptive_max_pool2d"

    def forward(ctx, x, indices=None):
        ctx.indices, ctx.plane = indices, x.shape[-2:]
        flat = np.ascontiguousarray(x).reshape(-1)
        return flat[_flat_positions(indices, math.prod(ctx.plane))].reshape(indices.shape)

    def backward(ctx, g):
        return PlaneScatter.call(g, indices=ctx.indices, plane=ctx.plane)


class PlaneScatter(Function):
    """Zeros of shape (..., *plane) with each g[..., i, j] added at position
    indices[..., i, j] of its plane (accumulate=False: written, the last write winning)."""

    op_name = "adaptive_max_pool2d"
    accumulate = True

    def forward(ctx, g, indices=None, plane=()):
        ctx.indices = indices
        size = math.prod(plane)
        positions = _flat_positions(indices, size)
        total = math.prod(g.shape[:-2]) * size
        if ctx.accumulate:
            out = np.bincount(positions, weights=g.reshape(-1), minlength=total).astype(g.dtype)
        else:
            out = np.zeros(total, dtype=g.dtype)
            out[positions] = g.reshape(-1)
        return out.reshape(*g.shape[:-2], *plane)

    def backward(ctx, gg):
        return PlaneGather.call(gg, indices=ctx.indices)


class MaxUnpool2D(PlaneScatter):
    """F.max_unpool2d: each value written at its index in a zero plane; the gradient is read
    back from there (PlaneGather)."""

    op_name, torch_name = "max_unpool2d", "MaxUnpool2DBackward0"
    accumulate = False


class AdaptiveMaxPool2D(PlaneGather):
    """The maximum of each adaptive window, read at the positions (indices into each plane)
    that ember.nn.functional.pool found; the gradient goes back to them (PlaneScatter)."""

    op_name, torch_name = "adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0"
