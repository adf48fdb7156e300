"""Matrix products: matmul with PyTorch's 1-D/batched semantics, and the fused linear layer."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["MatMul", "Linear"]


class MatMul(Function):
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a @ b

    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        # View 1-D operands as a row (a) or a column (b), as matmul itself does.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if need_a:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            if b.ndim == 2 and a2.ndim > 2:
                # Fold the batch into rows: one GEMM instead of a batched product and a sum.
                k = a2.shape[-1]
                gb = a2.reshape(-1, k).T @ g2.reshape(-1, g2.shape[-1])
            else:
                gb = np.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


class Linear(Function):
    """y = x @ W.T + b in one op (addmm-style): saves a temporary and a graph node."""

    def forward(ctx, x, weight, bias=None):
        ctx.x, ctx.weight = x, weight
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(ctx, g):
        x, w = ctx.x, ctx.weight
        needs = ctx.needs_input_grad
        gx = g @ w if needs[0] else None
        gw = gb = None
        if needs[1]:
            gw = (g.T @ x) if g.ndim == 2 else g.reshape(-1, g.shape[-1]).T @ x.reshape(
                -1, x.shape[-1])
        if len(needs) > 2 and needs[2]:
            gb = g.sum(axis=tuple(range(g.ndim - 1)))
        return gx, gw, gb
