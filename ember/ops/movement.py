"""Shape primitives: views where NumPy gives views (ember/views.py makes them tensor views), and
joins and splits. Indexing lives in ops/indexing.py."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function

__all__ = ["Reshape", "Permute", "Expand", "Cat", "Stack", "Pad", "Flip", "Roll", "Diagonal",
           "DiagonalScatter"]


class Reshape(Function):
    op_name = "reshape"
    torch_name = "ViewBackward0"

    def forward(ctx, a, shape=None):
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(ctx, g):
        return np.reshape(g, ctx.shape)


class Permute(Function):
    def forward(ctx, a, dims=None):
        ctx.inverse = tuple(np.argsort(dims))
        return a.transpose(dims)

    def backward(ctx, g):
        return np.transpose(g, ctx.inverse)


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


class Pad(Function):
    op_name = "pad"
    torch_name = "ConstantPadNdBackward0"

    def forward(ctx, a, widths=None, value=0.0):
        ctx.crop = tuple(slice(lo, a.shape[i] + lo) for i, (lo, _) in enumerate(widths))
        return np.pad(a, widths, mode="constant", constant_values=value)

    def backward(ctx, g):
        return g[ctx.crop]


class Flip(Function):
    def forward(ctx, a, dims=None):
        ctx.dims = dims
        return np.flip(a, dims).copy()  # a copy, as in PyTorch (NumPy flips by a view)

    def backward(ctx, g):
        return np.flip(g, ctx.dims)


class Roll(Function):
    """Elements shifted along axes, wrapping around (np.roll); a copy."""

    def forward(ctx, a, shifts=(), axes=()):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(a, shifts, axes)

    def backward(ctx, g):
        return Roll.call(g, shifts=tuple(-s for s in ctx.shifts), axes=ctx.axes)


def diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """A writable view of a's diagonal in the (dim1, dim2) planes, as the last dim (NumPy's
    np.diagonal gives the same elements, read-only)."""
    start = [0] * a.ndim
    start[dim2 if offset >= 0 else dim1] = abs(offset)
    length = max(0, min(a.shape[dim1] - start[dim1], a.shape[dim2] - start[dim2]))
    corner = a[tuple(slice(min(s, n), None) for s, n in zip(start, a.shape))]
    rest = [i for i in range(a.ndim) if i not in (dim1, dim2)]
    return as_strided(corner, tuple(a.shape[i] for i in rest) + (length,),
                      tuple(a.strides[i] for i in rest) + (a.strides[dim1] + a.strides[dim2],))


class Diagonal(Function):
    def forward(ctx, a, offset=0, dim1=0, dim2=1):
        ctx.shape, ctx.where = a.shape, (offset, dim1, dim2)
        return diagonal_view(a, offset, dim1, dim2)

    def backward(ctx, g):
        return DiagonalScatter.call(g, shape=ctx.shape, where=ctx.where)


class DiagonalScatter(Function):
    """Zeros of `shape` with g on the diagonal: Diagonal's backward."""

    op_name = "diagonal"

    def forward(ctx, g, shape=None, where=(0, 0, 1)):
        ctx.where = where
        out = np.zeros(shape, dtype=g.dtype)
        diagonal_view(out, *where)[...] = g
        return out

    def backward(ctx, gg):
        offset, dim1, dim2 = ctx.where
        return Diagonal.call(gg, offset=offset, dim1=dim1, dim2=dim2)
