"""Primitive Functions for 2-D convolution on NCHW arrays, and the window view pooling shares.

Every op reads its input through one strided window view (`windows`), never a Python loop over
pixels. The geometry (kernel, stride, dilation, per-side padding, output size) arrives already
checked by ember.nn.functional.conv, which is also where PyTorch's argument rules live.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function

__all__ = ["Convolution", "Separable2d", "windows", "pad_hw", "crop_hw", "padded_shape"]

Pair = tuple[int, int]
Pads = tuple[int, int, int, int]  # top, bottom, left, right


def pad_hw(x: np.ndarray, pads: Pads, value: float) -> np.ndarray:
    """x with its last two dims padded by `value` (x itself when no padding is asked for)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    shape = (n, c, h + top + bottom, w + left + right)
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def crop_hw(xp: np.ndarray, pads: Pads) -> np.ndarray:
    top, bottom, left, right = pads
    return xp[:, :, top:xp.shape[2] - bottom, left:xp.shape[3] - right]


def windows(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair,
            out_hw: Pair) -> np.ndarray:
    """View (N, C, kh, kw, Ho, Wo) of xp: [n, c, i, j, y, x] = xp[n, c, y*sh + i*dh, x*sw + j*dw].

    No copy is made; writing through it writes xp, which is how col2im scatters gradients.
    The caller guarantees that every window lies inside xp.
    """
    n, c = xp.shape[:2]
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(xp, (n, c, kernel[0], kernel[1], out_hw[0], out_hw[1]),
                      (s_n, s_c, s_h * dilation[0], s_w * dilation[1],
                       s_h * stride[0], s_w * stride[1]))


def padded_shape(shape: tuple, pads: Pads) -> tuple:
    n, c, h, w = shape
    return (n, c, h + pads[0] + pads[1], w + pads[2] + pads[3])


class Convolution(Function):
    """2-D cross-correlation as one GEMM per group over an im2col matrix.

    The im2col matrix is laid out (C*kh*kw, N*Ho*Wo): copying the window view into that order
    reads whole output rows at a time, the forward product W @ cols and both gradient products
    are GEMMs on contiguous or transposed operands (cols is never copied again), and groups are
    just a leading batch dimension. The one price is that the product comes out (O, N, Ho, Wo):
    its copy into NCHW is fused with the bias add, and backward transposes g the other way.
    """

    def forward(ctx, x, weight, bias=None, *, stride: Pair, pads: Pads, dilation: Pair,
                groups: int):
        n, c = x.shape[:2]
        o, _, kh, kw = weight.shape
        xp = pad_hw(x, pads, 0)
        ho = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        wo = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        win = windows(xp, (kh, kw), stride, dilation, (ho, wo))
        cols = np.ascontiguousarray(win.transpose(1, 2, 3, 0, 4, 5))  # (C, kh, kw, N, Ho, Wo)
        cols = cols.reshape(groups, -1, n * ho * wo)
        product = np.matmul(weight.reshape(groups, o // groups, -1), cols)  # (G, O/G, N*Ho*Wo)
        product = product.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
        out = np.empty((n, o, ho, wo), dtype=product.dtype)
        if bias is None:
            np.copyto(out, product)
        else:
            np.add(product, bias.reshape(o, 1, 1), out=out)
        ctx.cols, ctx.weight, ctx.x_shape = cols, weight, x.shape
        ctx.geometry = (stride, pads, dilation, groups)
        return out

    def backward(ctx, g):
        needs = ctx.needs_input_grad
        weight, cols = ctx.weight, ctx.cols
        groups = ctx.geometry[3]
        n, o, ho, wo = g.shape
        # (O, N*Ho*Wo), matching the im2col columns; free when g is already laid out that way.
        g_rows = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, o // groups, -1)
        grad_x = grad_w = grad_b = None
        if needs[1]:
            # Computed transposed, as cols @ g.T: OpenBLAS runs this shape ~10% faster than
            # g @ cols.T, and only the small (K, O) result needs reordering.
            grad_w_t = np.matmul(cols, g_rows.transpose(0, 2, 1))  # (G, C/G*kh*kw, O/G)
            grad_w = grad_w_t.transpose(0, 2, 1).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            grad_b = g_rows.reshape(o, -1).sum(axis=1)
        if needs[0]:
            w_t = weight.reshape(groups, o // groups, -1).transpose(0, 2, 1)
            grad_cols = np.matmul(w_t, g_rows)  # (G, C/G*kh*kw, N*Ho*Wo)
            grad_x = ctx.col2im(grad_cols, (ho, wo))
        return grad_x, grad_w, grad_b

    def col2im(ctx, grad_cols: np.ndarray, out_hw: Pair) -> np.ndarray:
        """Scatter-add im2col gradients back onto the input: a loop over kernel offsets only."""
        stride, pads, dilation, _ = ctx.geometry
        n, c = ctx.x_shape[:2]
        kh, kw = ctx.weight.shape[2:]
        grad_cols = grad_cols.reshape(c, kh, kw, n, *out_hw)
        grad_xp = np.zeros(padded_shape(ctx.x_shape, pads), dtype=grad_cols.dtype)
        win = windows(grad_xp, (kh, kw), stride, dilation, out_hw)
        for i in range(kh):
            for j in range(kw):
                target = win[:, :, i, j]
                np.add(target, grad_cols[:, i, j].transpose(1, 0, 2, 3), out=target)
        return crop_hw(grad_xp, pads)


class Separable2d(Function):
    """y = rows @ x @ cols.T on the last two dims: one linear map along H, one along W.

    Adaptive average pooling with uneven windows and the reflect/replicate/circular paddings
    are maps of this form; expressing them as matrices gives their backward for free.
    """

    def forward(ctx, x, rows: np.ndarray, cols: np.ndarray):
        ctx.rows, ctx.cols = rows, cols
        return _separable(x, rows, cols)

    def backward(ctx, g):
        return _separable(g, ctx.rows.T, ctx.cols.T)


def _separable(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    along_w = np.ascontiguousarray(x).reshape(-1, w) @ cols.T  # one GEMM over all rows
    out = np.matmul(rows, along_w.reshape(-1, h, cols.shape[0]))
    return out.reshape(*lead, rows.shape[0], cols.shape[0])
