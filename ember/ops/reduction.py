"""Reductions and the fused, numerically stable softmax family."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Sum", "Mean", "MaxDim", "Amax", "LogSumExp", "Softmax", "LogSoftmax"]


def _expand_back(g, shape, axis, keepdim):
    """A reduced gradient, broadcast back over the input's shape (a read-only view)."""
    if axis is not None and not keepdim:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


class Sum(Function):
    def forward(ctx, a, axis=None, keepdim=False):
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        return a.sum(axis=axis, keepdims=keepdim)

    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axis, ctx.keepdim)


class Mean(Function):
    def forward(ctx, a, axis=None, keepdim=False):
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        out = a.mean(axis=axis, keepdims=keepdim)
        ctx.count = a.size // max(out.size, 1) if a.size else 1
        return out

    def backward(ctx, g):
        return _expand_back(g / ctx.count, ctx.shape, ctx.axis, ctx.keepdim)


class MaxDim(Function):
    """max/min along one dim: the gradient goes to the index that was picked, as in PyTorch."""

    def forward(ctx, a, axis=0, keepdim=False, largest=True):
        idx = np.expand_dims((a.argmax if largest else a.argmin)(axis=axis), axis)
        ctx.shape, ctx.axis, ctx.keepdim, ctx.indices = a.shape, axis, keepdim, idx
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    def backward(ctx, g):
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(grad, ctx.indices, g if ctx.keepdim else np.expand_dims(g, ctx.axis),
                          axis=ctx.axis)
        return grad


class Amax(Function):
    """max/min over several dims (or all): ties share the gradient evenly, as in PyTorch."""

    def forward(ctx, a, axis=None, keepdim=False, largest=True):
        out = (np.max if largest else np.min)(a, axis=axis, keepdims=True)
        ctx.a, ctx.out, ctx.axis = a, out, axis
        return out if keepdim or axis is None and a.ndim == 0 else np.squeeze(out, axis)

    def backward(ctx, g):
        mask = ctx.a == ctx.out
        count = mask.sum(axis=ctx.axis, keepdims=True)
        g = g.reshape(ctx.out.shape)
        return (g / count) * mask


class LogSumExp(Function):
    def forward(ctx, a, axis=None, keepdim=False):
        m = np.max(a, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
        ctx.a, ctx.out = a, out
        return out if keepdim else np.squeeze(out, axis)

    def backward(ctx, g):
        return g.reshape(ctx.out.shape) * np.exp(ctx.a - ctx.out)


class Softmax(Function):
    def forward(ctx, a, axis=-1):
        e = a - a.max(axis=axis, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=axis, keepdims=True)
        ctx.out, ctx.axis = e, axis
        return e

    def backward(ctx, g):
        y = ctx.out
        gy = g * y
        gy -= y * gy.sum(axis=ctx.axis, keepdims=True)
        return gy


class LogSoftmax(Function):
    def forward(ctx, a, axis=-1):
        shifted = a - a.max(axis=axis, keepdims=True)
        shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.out, ctx.axis = shifted, axis
        return shifted

    def backward(ctx, g):
        return g - np.exp(ctx.out) * g.sum(axis=ctx.axis, keepdims=True)
