"""The window view of N-d arrays (N, C, *spatial) that convolution and pooling read through, and
im2col / col2im over it (F.unfold and F.fold as ops).

Sizes are tuples with one entry per spatial dim; padding is flat, (before, after) per dim in
order, so a 2-D one reads (top, bottom, left, right).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function

__all__ = ["Im2col", "Col2im", "windows", "pad_spatial", "crop_spatial", "padded_shape",
           "conv_out_size", "im2col", "col2im", "kernel_offsets", "Sizes", "Pads", "Pair"]

Sizes = tuple[int, ...]  # one entry per spatial dim
Pads = tuple[int, ...]  # (before, after) per spatial dim, flat
Pair = tuple[int, int]


def pad_spatial(x: np.ndarray, pads: Pads, value: float) -> np.ndarray:
    """x with its spatial dims padded by `value` (x itself when no padding is asked for)."""
    if not any(pads):
        return x
    out = np.full(padded_shape(x.shape, pads), value, x.dtype)
    out[_inside(x.shape, pads)] = x
    return out


def crop_spatial(xp: np.ndarray, pads: Pads) -> np.ndarray:
    """The part of a padded array that is not padding (a view)."""
    if not any(pads):
        return xp
    return xp[_inside(xp.shape, pads, padded=True)]


def _inside(shape: tuple, pads: Pads, padded: bool = False) -> tuple:
    spatial = shape[2:]
    return (slice(None), slice(None)) + tuple(
        slice(before, before + size - (before + after if padded else 0))
        for size, before, after in zip(spatial, pads[0::2], pads[1::2]))


def padded_shape(shape: tuple, pads: Pads) -> tuple:
    return tuple(shape[:2]) + tuple(s + b + a for s, b, a in zip(shape[2:], pads[0::2],
                                                                 pads[1::2]))


def windows(xp: np.ndarray, kernel: Sizes, stride: Sizes, dilation: Sizes,
            out_size: Sizes) -> np.ndarray:
    """View (N, C, *kernel, *out_size) of xp: in 2-D, [n, c, i, j, y, x] = xp[n, c, y*sh + i*dh,
    x*sw + j*dw].

    No copy is made; writing through it writes xp, which is how col2im scatters gradients.
    The caller guarantees that every window lies inside xp.
    """
    s_n, s_c, *s_spatial = xp.strides
    return as_strided(xp, (*xp.shape[:2], *kernel, *out_size),
                      (s_n, s_c, *(s * d for s, d in zip(s_spatial, dilation)),
                       *(s * st for s, st in zip(s_spatial, stride))))


def conv_out_size(x_shape: tuple, kernel: Sizes, stride: Sizes, pads: Pads,
                  dilation: Sizes) -> Sizes:
    """The output size of a convolution (or pooling) window sweep over an input of x_shape."""
    padded = padded_shape(x_shape, pads)[2:]
    return tuple((size - d * (k - 1) - 1) // s + 1
                 for size, k, s, d in zip(padded, kernel, stride, dilation))


def kernel_offsets(kernel: Sizes):
    """Index tuples of every kernel offset, in row-major order (i, j, ...)."""
    return list(np.ndindex(*kernel))


def im2col(x: np.ndarray, kernel: Sizes, stride: Sizes, pads: Pads, dilation: Sizes,
           groups: int, batch_major: bool = False) -> np.ndarray:
    """The (G, C/G*K, N*L) im2col matrix of x (K kernel offsets, L output positions): column
    n*L + l holds the window of output position l of image n, rows are ordered (channel, kernel
    offset). With batch_major, F.unfold's (N, C*K, L) instead."""
    n, d = x.shape[0], len(kernel)
    out_size = conv_out_size(x.shape, kernel, stride, pads, dilation)
    win = windows(pad_spatial(x, pads, 0), kernel, stride, dilation, out_size)
    if batch_major:
        return np.ascontiguousarray(win).reshape(n, -1, math.prod(out_size))
    # (C, *kernel, N, *out): copying in this order reads whole output rows at a time
    cols = np.ascontiguousarray(win.transpose(1, *range(2, 2 + d), 0, *range(2 + d, 2 + 2 * d)))
    return cols.reshape(groups, -1, n * math.prod(out_size))


def col2im(cols: np.ndarray, x_shape: tuple, kernel: Sizes, stride: Sizes, pads: Pads,
           dilation: Sizes, batch_major: bool = False) -> np.ndarray:
    """The adjoint of im2col: each column entry added back onto the input position it was read
    from. One strided add per kernel offset, the windows of all output positions at once."""
    n, c = x_shape[:2]
    out_size = conv_out_size(x_shape, kernel, stride, pads, dilation)
    if batch_major:
        cols = cols.reshape(n, c, *kernel, *out_size)
    else:  # (C, *kernel, N, *out) as a view ordered like the windows: (N, C, *kernel, *out)
        d = len(kernel)
        cols = cols.reshape(c, *kernel, n, *out_size)
        cols = cols.transpose(1 + d, 0, *range(1, 1 + d), *range(2 + d, 2 + 2 * d))
    grad_xp = np.zeros(padded_shape(x_shape, pads), dtype=cols.dtype)
    win = windows(grad_xp, kernel, stride, dilation, out_size)
    if all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation)):
        np.copyto(win, cols)  # disjoint windows: each input position is written at most once
    else:
        for offset in kernel_offsets(kernel):
            index = (slice(None), slice(None), *offset)
            target = win[index]
            np.add(target, cols[index], out=target)
    return crop_spatial(grad_xp, pads)


class Im2col(Function):
    """im2col as an op: F.unfold (batch_major), and the windows of the input that Convolution's
    weight gradient reads in a recorded backward. geometry is (kernel, stride, pads, dilation,
    groups). Col2im is its backward, and it is Col2im's."""

    op_name, torch_name = "unfold", "Im2ColBackward0"

    def forward(ctx, x, geometry=None, batch_major=False):
        ctx.x_shape, ctx.geometry, ctx.batch_major = x.shape, geometry, batch_major
        return im2col(x, *geometry, batch_major=batch_major)

    def backward(ctx, g):
        return Col2im.call(g, x_shape=ctx.x_shape, geometry=ctx.geometry,
                           batch_major=ctx.batch_major)


class Col2im(Function):
    """Sum of im2col columns back onto an input of x_shape: F.fold (batch_major), the adjoint of
    Im2col."""

    op_name, torch_name = "fold", "Col2ImBackward0"

    def forward(ctx, cols, x_shape=None, geometry=None, batch_major=False):
        ctx.geometry, ctx.batch_major = geometry, batch_major
        kernel, stride, pads, dilation, _ = geometry
        return col2im(cols, x_shape, kernel, stride, pads, dilation, batch_major)

    def backward(ctx, g):
        return Im2col.call(g, geometry=ctx.geometry, batch_major=ctx.batch_major)
