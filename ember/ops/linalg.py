"""Matrix products: matmul with PyTorch's 1-D/batched semantics, and the fused linear layer."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["MatMul", "Linear"]


# --8<-- [start:matmul]
class MatMul(Function):
    op_name = "matmul"
    torch_name = "MmBackward0"

    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = a.ndim, b.ndim
        return a @ b

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_ndim, b_ndim = ctx.ndims
        if a_ndim == 1 and b_ndim == 1:
            return (None if b is None else g * b), (None if a is None else g * a)
        # View 1-D operands as a row (a) or a column (b), as matmul itself does.
        g2 = g
        if a_ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b_ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if b is not None:
            b2 = b[:, None] if b_ndim == 1 else b
            ga = g2 @ np.swapaxes(b2, -1, -2)
            if a_ndim == 1:
                ga = ga[..., 0, :]
        if a is not None:
            a2 = a[None, :] if a_ndim == 1 else a
            if b_ndim == 2 and a_ndim > 2:
                # Fold the batch into rows: one GEMM instead of a batched product and a sum.
                k = a2.shape[-1]
                gb = np.reshape(a2, (-1, k)).T @ np.reshape(g2, (-1, g2.shape[-1]))
            else:
                gb = np.swapaxes(a2, -1, -2) @ g2
            if b_ndim == 1:
                gb = gb[..., 0]
        return ga, gb
# --8<-- [end:matmul]


# --8<-- [start:linear-op]
class Linear(Function):
    """y = x @ W.T + b in one op (addmm-style): saves a temporary and a graph node."""

    torch_name = "AddmmBackward0"

    def forward(ctx, x, weight, bias=None):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        out = _rows_times(x, weight.T)
        if bias is not None:
            out += bias
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = _rows_times(g, w) if needs[0] else None
        gw = gb = None
        if needs[1]:
            gw = (g.T @ x) if g.ndim == 2 else np.reshape(g, (-1, g.shape[-1])).T @ np.reshape(
                x, (-1, x.shape[-1]))
        if len(needs) > 2 and needs[2]:
            batch_axes = 0 if g.ndim == 2 else tuple(range(g.ndim - 1))
            # ufunc.reduce directly on arrays: np.sum adds a Python layer costing a microsecond
            gb = (np.add.reduce(g, axis=batch_axes) if isinstance(g, np.ndarray) else
                  np.sum(g, axis=batch_axes))
        return gx, gw, gb
# --8<-- [end:linear-op]


def _rows_times(a, b):
    """a @ b for a 2-D b, with a's leading dims folded into rows: one GEMM, where NumPy's
    matmul of a 3-D a makes one small GEMM per leading index (2-2.5x slower for the
    (35, 20, 256) @ (256, 10000) decoder of a word-level language model)."""
    if a.ndim <= 2:
        return a @ b
    rows = np.reshape(a, (-1, a.shape[-1])) @ b
    return np.reshape(rows, tuple(a.shape[:-1]) + (b.shape[-1],))
