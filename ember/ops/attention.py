"""Scaled dot-product attention as one primitive: softmax(q k^T * scale + mask) v.

Forward keeps the attention probabilities p for backward, whose closed form is
dv = p^T g, dp = g v^T, ds = p (dp - rowsum(dp p)), dq = ds k * scale, dk = ds^T q * scale,
d(mask) = ds, instead of the graph of a dozen nodes the composition records (matmul, mul, add,
amax, sub, exp, sum, div, dropout, matmul) and their temporaries. Causal attention of
(16, 4, 64, 32), forward and backward in float32 on one thread: 9.3 ms, against 13.9 ms composed
of ember's primitives and 12.6 ms in PyTorch (minimum of 9 interleaved rounds on the project's
busy 2-core machine, benchmarks/sequence.py; the medians are closer: 19, 22 and 23 ms).

On arrays each step after the first product writes into that product's array (`_into`): one
score-sized allocation in forward instead of five, and two fewer in backward. In CPU time
(minimum of 60 interleaved rounds) that took the same causal attention from 4.7 to 4.2 ms
forward and backward (PyTorch: 4.8), and the forward alone from 2.3 to 1.9 ms (PyTorch: 1.2; its
flash kernel skips the masked half of the scores).

The softmax subtracts each row's maximum (a constant: softmax does not depend on it), and a row
that is masked everywhere attends to nothing (zeros out, zero gradients), as PyTorch's.

Grouped-query attention (enable_gqa): q has `groups` times as many heads as k and v; query head
h reads key/value head h // groups. The heads are viewed as (kv_heads, groups) so k and v are
broadcast, never copied; their gradients are summed over the groups.

Backward is written once: on arrays it reuses p; when the engine records a backward pass it
recomputes p from the saved inputs with ember's ops, so the gradient is itself differentiable.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["ScaledDotProductAttention"]


def _split_heads(x, groups: int):
    """(..., H, L, E) as (..., H // groups, groups, L, E) (a view)."""
    shape = tuple(x.shape)
    return np.reshape(x, shape[:-3] + (shape[-3] // groups, groups) + shape[-2:])


def _merge_heads(x):
    """The inverse of _split_heads."""
    shape = tuple(x.shape)
    return np.reshape(x, shape[:-4] + (shape[-4] * shape[-3],) + shape[-2:])


class ScaledDotProductAttention(Function):
    """Inputs q (..., L, E), k (..., S, E), v (..., S, Ev) and an optional additive float mask
    broadcastable to (..., L, S). Options: scale, causal (the mask j <= i built here),
    groups = (q heads per k head, q heads per v head), (1, 1) but for grouped-query attention
    (see the module docstring), and keep (the dropout multiplier, 0 or 1 / (1 - p), shaped as
    the scores, or None)."""

    op_name = "scaled_dot_product_attention"

    def forward(ctx, q, k, v, mask=None, *, scale=1.0, causal=False, groups=(1, 1), keep=None):
        ctx.scale, ctx.causal, ctx.groups, ctx.keep = scale, causal, groups, keep
        ctx.dtype = q.dtype
        ctx.save_for_backward(q, k, v, mask)
        ctx.p = p = ctx.probabilities(q, k, mask)
        return _grouped_product(p if keep is None else p * keep, v, groups[1])

    def probabilities(ctx, q, k, mask):
        """softmax(q k^T * scale + mask + causal mask) over the last dim."""
        scores = _grouped_product(q * ctx.scale, np.swapaxes(k, -1, -2), ctx.groups[0])
        if mask is not None:
            scores = _into(np.add, scores, mask)
        if ctx.causal:
            rows, cols = scores.shape[-2], scores.shape[-1]
            above = np.triu(np.ones((rows, cols), dtype=bool), 1)
            scores = _into(np.add, scores, np.where(above, -np.inf, 0).astype(ctx.dtype))
        # Shift by the row maximum: a constant array (np.max of a Tensor is NumPy's, on its
        # data), which softmax does not depend on. Rows masked everywhere get p = 0.
        shift = np.max(scores, axis=-1, keepdims=True)
        empty = ~np.isfinite(shift)
        shift = np.where(empty, 0, shift).astype(ctx.dtype)
        shifted = _into(np.subtract, scores, shift)
        exps = np.exp(shifted, out=shifted) if isinstance(shifted, np.ndarray) else np.exp(
            shifted)
        total = np.sum(exps, axis=-1, keepdims=True) + empty.astype(ctx.dtype)
        return _into(np.divide, exps, total)

    def backward(ctx, g):
        q, k, v, mask = ctx.saved_tensors
        p = ctx.p if isinstance(g, np.ndarray) else ctx.probabilities(q, k, mask)
        keep, (groups_k, groups_v) = ctx.keep, ctx.groups
        needs = ctx.needs_input_grad
        dq = dk = dv = dmask = None
        if needs[2]:
            weights = p if keep is None else p * keep
            dv = _grouped_transposed_product(weights, g, groups_v)
        if needs[0] or needs[1] or len(needs) > 3 and needs[3]:
            dp = _grouped_product(g, np.swapaxes(v, -1, -2), groups_v)
            if keep is not None:
                dp = _into(np.multiply, dp, keep)
            row_sums = np.sum(dp * p, axis=-1, keepdims=True)
            ds = _into(np.multiply, _into(np.subtract, dp, row_sums), p)
            if needs[0]:
                dq = _into(np.multiply, _grouped_product(ds, k, groups_k), ctx.scale)
            if needs[1]:
                dk = _into(np.multiply, _grouped_transposed_product(ds, q, groups_k), ctx.scale)
            dmask = ds
        return (dq, dk, dv) if len(needs) == 3 else (dq, dk, dv, dmask)


def _into(ufunc, a, b):
    """ufunc(a, b), written into a when a is an array of the result's shape: every a given
    here is a temporary of this op (a product, or the previous _into), so the forward and the
    ordinary backward allocate no score-sized array but the first. On Tensors (a recorded
    backward) a new Tensor."""
    if isinstance(a, np.ndarray) and isinstance(b, (np.ndarray, float, int)) and (
            np.broadcast_shapes(a.shape, np.shape(b)) == a.shape):
        return ufunc(a, b, out=a)
    return ufunc(a, b)


def _grouped_product(a, b, groups: int):
    """a @ b where a has `groups` heads (dim -3) for each head of b."""
    if groups == 1:
        return a @ b
    return _merge_heads(_split_heads(a, groups) @ np.expand_dims(b, -3))


def _grouped_transposed_product(a, b, groups: int):
    """a^T @ b summed over each group of `groups` heads: the gradient of the shared operand."""
    product = np.swapaxes(a, -1, -2) @ b
    if groups == 1:
        return product
    return np.sum(_split_heads(product, groups), axis=-3)
