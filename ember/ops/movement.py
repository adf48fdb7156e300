"""Shape and indexing primitives: views where NumPy gives views, scatters on the way back."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Reshape", "Permute", "Expand", "Cat", "Stack", "Getitem", "Pad", "Flip"]


class Reshape(Function):
    def forward(ctx, a, shape=None):
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    def forward(ctx, a, dims=None):
        ctx.inverse = np.argsort(dims)
        return a.transpose(dims)

    def backward(ctx, g):
        return g.transpose(ctx.inverse)


class Expand(Function):
    def forward(ctx, a, shape=None):
        return np.broadcast_to(a, shape)

    def backward(ctx, g):
        return g  # the engine sums the broadcast dims away


class Cat(Function):
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(ctx, g):
        return tuple(np.split(g, ctx.bounds, axis=ctx.axis))


class Stack(Function):
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.axis, 0))


class Getitem(Function):
    def forward(ctx, a, index=None):
        ctx.shape, ctx.index = a.shape, index
        ctx.advanced = _is_advanced(index)
        return a[index]

    def backward(ctx, g):
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.advanced:
            np.add.at(grad, ctx.index, g)  # repeated indices accumulate
        else:
            grad[ctx.index] = g
        return grad


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class Pad(Function):
    def forward(ctx, a, widths=None, value=0.0):
        ctx.crop = tuple(slice(lo, a.shape[i] + lo) for i, (lo, _) in enumerate(widths))
        return np.pad(a, widths, mode="constant", constant_values=value)

    def backward(ctx, g):
        return g[ctx.crop]


class Flip(Function):
    def forward(ctx, a, dims=None):
        ctx.dims = dims
        return np.flip(a, dims)

    def backward(ctx, g):
        return np.flip(g, ctx.dims)
