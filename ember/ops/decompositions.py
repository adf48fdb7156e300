"""Linear-algebra primitives: inv, solve, det, log|det|, cholesky, qr, svd, eigh and pinv.

Forward values come from NumPy (LAPACK); gradients are PyTorch's formulas (see
torch/csrc/autograd/FunctionsManual.cpp: linalg_qr_backward, svd_backward, linalg_eig_backward,
linalg_det_backward, ...), written with matmul, transposes and element-wise ops, and with these
primitives themselves where a formula inverts or solves, so that they differentiate again.
Every op works on batches: matrices are the last two dims.

The decompositions with several outputs (qr, svd, eigh) return one array, their outputs
flattened and concatenated along the last axis; `unpack` (shared by ember.linalg and the
backward formulas) cuts it back into tensors, so each output is a differentiable view of it.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Inv", "Solve", "Det", "LogAbsDet", "Cholesky", "Qr", "Svd", "Eigh", "Pinv",
           "unpack"]


def _t(a):
    """The transpose of a batch of matrices (array or Tensor)."""
    return np.swapaxes(a, -1, -2)


def _eye(n: int, like) -> np.ndarray:
    return np.eye(n, dtype=getattr(like, "_data", like).dtype)


def _diag_embed(v, like):
    """A batch of diagonal matrices from the vectors v (..., n)."""
    return np.expand_dims(v, -1) * _eye(v.shape[-1], like)


def _pack(arrays: list, batch: tuple) -> np.ndarray:
    return np.concatenate([a.reshape(batch + (-1,)) for a in arrays], axis=-1)


def unpack(packed, shapes: list, batch: tuple) -> list:
    """The outputs (of the given trailing shapes) from a packed array or Tensor (with .reshape,
    which both have: np.reshape would see a Tensor outside a backward pass as an array)."""
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(packed[..., start:start + size].reshape(batch + tuple(shape)))
        start += size
    return out


class Inv(Function):
    def forward(ctx, a):
        out = np.linalg.inv(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        inverse, = ctx.saved_tensors
        return -(_t(inverse) @ g @ _t(inverse))


class Solve(Function):
    """X with A X = B (B a batch of matrices)."""

    def forward(ctx, a, b):
        out = np.linalg.solve(a, b)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = Solve.call(_t(a), g)
        need_a, _ = ctx.needs_input_grad
        return (-(gb @ _t(x)) if need_a else None), gb


def _cofactors_by_svd(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix det(A) A^-T, also of singular A: with A = U S V^T it is
    det(U) det(V) U diag(prod_{j != i} s_j) V^T (PyTorch's way for singular matrices)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class Det(Function):
    """det(A). Its gradient det(A) A^-T (through Inv, so differentiable again); where a matrix
    of the batch is singular (|det| < 100 eps), the cofactors from an SVD, whose own gradient
    is not taken (second derivatives at singular matrices are not supported)."""

    def forward(ctx, a):
        out = np.linalg.det(a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, g):
        a, det = ctx.saved_tensors
        arr = getattr(a, "_data", a)
        eps = np.finfo(arr.dtype).eps
        if np.any(np.abs(getattr(det, "_data", det)) < 100 * eps):
            return np.expand_dims(np.expand_dims(g, -1), -1) * _cofactors_by_svd(arr)
        scale = np.expand_dims(np.expand_dims(g * det, -1), -1)
        return scale * _t(Inv.call(a))


class LogAbsDet(Function):
    """log|det(A)|, slogdet's differentiable output: gradient A^-T."""

    op_name, torch_name = "slogdet", "LinalgSlogdetBackward0"

    def forward(ctx, a):
        _, out = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.asarray(out)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        return np.expand_dims(np.expand_dims(g, -1), -1) * _t(Inv.call(a))


def _lower_halved(x):
    """The lower triangle of x with its diagonal halved (Phi in the Cholesky gradient)."""
    n = x.shape[-1]
    mask = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return x * mask.astype(getattr(x, "_data", x).dtype)


class Cholesky(Function):
    """L, lower triangular with A = L L^T. Gradient: sym(L^-T Phi(L^T gL) L^-1)."""

    def forward(ctx, a):
        out = np.linalg.cholesky(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        low, = ctx.saved_tensors
        low_inv = Inv.call(low)
        s = _t(low_inv) @ _lower_halved(_t(low) @ g) @ low_inv
        return (s + _t(s)) * 0.5


def _upper(x):
    n, m = x.shape[-2], x.shape[-1]
    return x * np.triu(np.ones((n, m))).astype(getattr(x, "_data", x).dtype)


class Qr(Function):
    """A = Q R; packed (Q, R). mode 'reduced' (Q m x k, R k x n, k = min(m, n)), 'complete'
    (Q m x m, R m x n) or 'r' (R only: no gradient, as PyTorch)."""

    def forward(ctx, a, mode="reduced"):
        batch = a.shape[:-2]
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        ctx.mode, ctx.batch, ctx.shapes = mode, batch, [q.shape[-2:], r.shape[-2:]]
        out = _pack([q, r], batch)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        (m, k), (_, n) = ctx.shapes
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        packed, = ctx.saved_tensors
        q, r = unpack(packed, ctx.shapes, ctx.batch)
        gq, gr = unpack(g, ctx.shapes, ctx.batch)
        ga = gr @ _t(r) - _t(q) @ gq
        if m >= n:
            # gA = (gQ + Q syminvadj(triu(gR R^T - Q^T gQ))) R^-T
            upper = _upper(ga)
            sym = upper + _t(upper) - upper * _eye(n, upper)  # X + X^T, its diagonal halved
            return _t(Solve.call(r, _t(q @ sym + gq)))
        # m < n: gA = [Q trilImInvAdjSkew(-gA) R1^-T, 0] + Q gR, R1 = R[:, :m]
        minus = -ga
        skew = (minus - _t(minus)) * np.tril(np.ones((m, m))).astype(
            getattr(minus, "_data", minus).dtype)
        left = _t(Solve.call(r[..., :, :m], _t(q @ skew)))
        widen = np.eye(m, n, dtype=getattr(left, "_data", left).dtype)  # [I, 0]: pads zeros
        return left @ widen + q @ gr


def _svd_gradient(u, s, vh, gu, gs, gvh, m: int, n: int):
    """PyTorch's svd_backward for real matrices (distinct singular values; full rank when
    rectangular)."""
    if not np.any(getattr(gu, "_data", gu)) and not np.any(getattr(gvh, "_data", gvh)):
        return u @ (np.expand_dims(gs, -1) * vh) if m >= n else (u * np.expand_dims(gs, -2)) @ vh
    s2 = s * s
    k = s.shape[-1]
    eye = _eye(k, s)
    gap = np.expand_dims(s2, -2) - np.expand_dims(s2, -1) + eye  # 1 on the diagonal
    uhgu = _t(u) @ gu
    uhgu = uhgu - _t(uhgu)
    vhgv = vh @ _t(gvh)
    vhgv = vhgv - _t(vhgv)
    inner = (uhgu * np.expand_dims(s, -2) + np.expand_dims(s, -1) * vhgv) / gap
    inner = inner + _diag_embed(gs, s)
    if m > n:
        gus = gu / np.expand_dims(s, -2)
        return (u @ inner + gus - u @ (_t(u) @ gus)) @ vh
    if m < n:
        sgvh = gvh / np.expand_dims(s, -1)
        return u @ (inner @ vh + sgvh - (sgvh @ _t(vh)) @ vh)
    return u @ inner @ vh


class Svd(Function):
    """A = U diag(S) Vh; packed (U, S, Vh). With full_matrices the extra columns of U (rows of
    Vh) get no gradient (PyTorch narrows them away)."""

    def forward(ctx, a, full_matrices=True):
        batch, (m, n) = a.shape[:-2], a.shape[-2:]
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.batch, ctx.m, ctx.n = batch, m, n
        ctx.shapes = [u.shape[-2:], s.shape[-1:], vh.shape[-2:]]
        out = _pack([u, s, vh], batch)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        packed, = ctx.saved_tensors
        u, s, vh = unpack(packed, ctx.shapes, ctx.batch)
        gu, gs, gvh = unpack(g, ctx.shapes, ctx.batch)
        k = s.shape[-1]
        return _svd_gradient(u[..., :k], s, vh[..., :k, :], gu[..., :k], gs, gvh[..., :k, :],
                             ctx.m, ctx.n)


class Eigh(Function):
    """A = V diag(L) V^T for symmetric A (read from the UPLO triangle); packed (L, V), L
    ascending. Gradient: V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i."""

    def forward(ctx, a, uplo="L"):
        batch, n = a.shape[:-2], a.shape[-1]
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        ctx.batch, ctx.shapes = batch, [(n,), (n, n)]
        out = _pack([values, vectors], batch)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        packed, = ctx.saved_tensors
        values, v = unpack(packed, ctx.shapes, ctx.batch)
        gl, gv = unpack(g, ctx.shapes, ctx.batch)
        if not np.any(getattr(gv, "_data", gv)):
            return (v * np.expand_dims(gl, -2)) @ _t(v)
        vhgv = _t(v) @ gv
        skew = (vhgv - _t(vhgv)) * 0.5
        n = values.shape[-1]
        gap = np.expand_dims(values, -2) - np.expand_dims(values, -1) + _eye(n, values)
        return v @ (skew / gap + _diag_embed(gl, values)) @ _t(v)


class Pinv(Function):
    """The Moore-Penrose pseudo-inverse, by SVD: singular values at most max(atol, rtol *
    the largest) count as 0. Gradient (for a locally constant rank), with P = pinv(A):
    -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""

    def forward(ctx, a, atol=0.0, rtol=0.0, hermitian=False):
        u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        largest = s[..., :1] if s.shape[-1] else s
        cutoff = np.maximum(atol, rtol * largest)
        kept = s > cutoff
        inv_s = np.where(kept, 1 / np.where(kept, s, 1), 0).astype(a.dtype)
        out = (_t(vh) * inv_s[..., None, :]) @ _t(u)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, g):
        a, p = ctx.saved_tensors
        m, n = a.shape[-2:]
        pt, gt = _t(p), _t(g)
        return (-(pt @ g @ pt) + (_eye(m, a) - a @ p) @ gt @ (p @ pt)
                + (pt @ p) @ gt @ (_eye(n, a) - p @ a))
