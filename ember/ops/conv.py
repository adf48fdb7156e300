"""Primitive Functions for 2-D convolution on NCHW arrays, and the window view pooling shares.

Every op reads its input through one strided window view (`windows`), never a Python loop over
pixels. The geometry (kernel, stride, dilation, per-side padding, output size) arrives already
checked by ember.nn.functional.conv, which is also where PyTorch's argument rules live.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function

__all__ = ["Convolution", "Im2col", "Col2im", "Separable2d", "windows", "pad_hw", "crop_hw",
           "padded_shape", "conv_out_hw", "im2col"]

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


def conv_out_hw(x_shape: tuple, kernel: Pair, stride: Pair, pads: Pads, dilation: Pair) -> Pair:
    """The output size of a convolution (or pooling) window sweep over an input of x_shape."""
    h, w = x_shape[2] + pads[0] + pads[1], x_shape[3] + pads[2] + pads[3]
    return ((h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1,
            (w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1)


def im2col(x: np.ndarray, kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
           groups: int) -> np.ndarray:
    """The (G, C/G*kh*kw, N*Ho*Wo) im2col matrix of x: column n*Ho*Wo + y*Wo + x holds the
    window of output pixel (y, x) of image n, rows are ordered (channel, i, j)."""
    n = x.shape[0]
    out_hw = conv_out_hw(x.shape, kernel, stride, pads, dilation)
    win = windows(pad_hw(x, pads, 0), kernel, stride, dilation, out_hw)
    cols = np.ascontiguousarray(win.transpose(1, 2, 3, 0, 4, 5))  # (C, kh, kw, N, Ho, Wo)
    return cols.reshape(groups, -1, n * out_hw[0] * out_hw[1])


class Im2col(Function):
    """im2col as an op, for recorded backward passes, where Convolution's weight gradient
    reads it from x; geometry is (kernel, stride, pads, dilation, groups). Col2im is its
    backward, and it is Col2im's."""

    op_name, torch_name = "conv2d", "Im2ColBackward0"

    def forward(ctx, x, geometry=None):
        ctx.x_shape, ctx.geometry = x.shape, geometry
        return im2col(x, *geometry)

    def backward(ctx, g):
        return Col2im.call(g, x_shape=ctx.x_shape, geometry=ctx.geometry)


class Col2im(Function):
    """Scatter-add of im2col columns back onto an input of x_shape: the adjoint of Im2col, and
    Convolution's input gradient. A loop over kernel offsets only."""

    op_name, torch_name = "conv2d", "Col2ImBackward0"

    def forward(ctx, cols, x_shape=None, geometry=None):
        ctx.geometry = geometry
        kernel, stride, pads, dilation, _ = geometry
        n, c = x_shape[:2]
        out_hw = conv_out_hw(x_shape, kernel, stride, pads, dilation)
        cols = cols.reshape(c, kernel[0], kernel[1], n, *out_hw)
        grad_xp = np.zeros(padded_shape(x_shape, pads), dtype=cols.dtype)
        win = windows(grad_xp, kernel, stride, dilation, out_hw)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                target = win[:, :, i, j]
                np.add(target, cols[:, i, j].transpose(1, 0, 2, 3), out=target)
        return crop_hw(grad_xp, pads)

    def backward(ctx, g):
        return Im2col.call(g, geometry=ctx.geometry)


class Convolution(Function):
    """2-D cross-correlation as one GEMM per group over an im2col matrix.

    The im2col matrix is laid out (C*kh*kw, N*Ho*Wo): copying the window view into that order
    reads whole output rows at a time, the forward product W @ cols and both gradient products
    are GEMMs on contiguous or transposed operands (cols is never copied again), and groups are
    just a leading batch dimension. The one price is that the product comes out (O, N, Ho, Wo):
    its copy into NCHW is fused with the bias add, and backward transposes g the other way.

    The ordinary backward reuses forward's im2col matrix; a recorded one rebuilds it from x
    (Im2col), so the weight gradient is differentiated in x too.
    """

    op_name = "conv2d"

    def forward(ctx, x, weight, bias=None, *, stride: Pair, pads: Pads, dilation: Pair,
                groups: int):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        n = x.shape[0]
        o, _, kh, kw = weight.shape
        ho, wo = conv_out_hw(x.shape, (kh, kw), stride, pads, dilation)
        cols = im2col(x, (kh, kw), stride, pads, dilation, groups)
        product = np.matmul(weight.reshape(groups, o // groups, -1), cols)  # (G, O/G, N*Ho*Wo)
        product = product.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
        out = np.empty((n, o, ho, wo), dtype=product.dtype)
        if bias is None:
            np.copyto(out, product)
        else:
            np.add(product, bias.reshape(o, 1, 1), out=out)
        ctx.cols = cols if needs[1] else None
        ctx.x_shape, ctx.weight_shape = x.shape, weight.shape
        ctx.geometry = ((kh, kw), stride, pads, dilation, groups)
        return out

    def backward(ctx, g):
        needs = ctx.needs_input_grad
        x, weight = ctx.saved_tensors
        groups = ctx.geometry[-1]
        o = g.shape[1]
        # (O, N*Ho*Wo), matching the im2col columns; free when g is already laid out that way.
        g_rows = np.transpose(g, (1, 0, 2, 3))
        if isinstance(g_rows, np.ndarray):
            # A broadcast g (from sum()) would reshape to a zero-stride view, which NumPy's
            # matmul does not hand to BLAS. (ascontiguousarray would turn a Tensor into an
            # array: NumPy's array constructors do not dispatch on their argument.)
            g_rows = np.ascontiguousarray(g_rows)
        g_rows = np.reshape(g_rows, (groups, o // groups, -1))
        grad_x = grad_w = grad_b = None
        if needs[1]:
            cols = ctx.cols if isinstance(g, np.ndarray) else Im2col.call(x, geometry=ctx.geometry)
            # Computed transposed, as cols @ g.T: OpenBLAS runs this shape ~10% faster than
            # g @ cols.T, and only the small (K, O) result needs reordering.
            grad_w_t = np.matmul(cols, np.swapaxes(g_rows, 1, 2))  # (G, C/G*kh*kw, O/G)
            grad_w = np.reshape(np.swapaxes(grad_w_t, 1, 2), ctx.weight_shape)
        if len(needs) > 2 and needs[2]:
            grad_b = np.sum(np.reshape(g_rows, (o, -1)), axis=1)
        if needs[0]:
            w_t = np.swapaxes(np.reshape(weight, (groups, o // groups, -1)), 1, 2)
            grad_cols = np.matmul(w_t, g_rows)  # (G, C/G*kh*kw, N*Ho*Wo)
            grad_x = Col2im.call(grad_cols, x_shape=ctx.x_shape, geometry=ctx.geometry)
        return grad_x, grad_w, grad_b


class Separable2d(Function):
    """y = rows @ x @ cols.T on the last two dims: one linear map along H, one along W.

    Adaptive average pooling with uneven windows and the reflect/replicate/circular paddings
    are maps of this form; expressing them as matrices gives their backward for free (the
    transposed map, itself a Separable2d).
    """

    op_name = "pad"  # or adaptive_avg_pool2d: their shapes arrive checked, so errors are rare

    def forward(ctx, x, rows: np.ndarray, cols: np.ndarray):
        ctx.rows, ctx.cols = rows, cols
        return _separable(x, rows, cols)

    def backward(ctx, g):
        return Separable2d.call(g, rows=ctx.rows.T, cols=ctx.cols.T)


def _separable(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    along_w = np.ascontiguousarray(x).reshape(-1, w) @ cols.T  # one GEMM over all rows
    out = np.matmul(rows, along_w.reshape(-1, h, cols.shape[0]))
    return out.reshape(*lead, rows.shape[0], cols.shape[0])
