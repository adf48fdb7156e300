"""Reductions and the fused, numerically stable softmax family."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Sum", "Mean", "MaxDim", "Amax", "TiedPick", "LogSumExp", "Softmax", "LogSoftmax",
           "Gather", "ScatterAdd", "Norm", "Prod"]


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


def along(index: np.ndarray, axis: int) -> tuple:
    """An advanced index that picks index[..., i, ...] along `axis` of an array shaped like it
    elsewhere (what take_along_axis reads), for writing with np.add.at."""
    grids = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grids[axis] = index
    return tuple(grids)


class Gather(Function):
    """a's elements at `index` along `axis` (PyTorch's gather; np.take_along_axis, but the index
    may be smaller than `a` along the other axes)."""

    op_name = "gather"

    def forward(ctx, a, index=None, axis=0):
        ctx.shape, ctx.index, ctx.axis = a.shape, index, axis
        return a[along(index, axis)]

    def backward(ctx, g):
        return ScatterAdd.call(g, shape=ctx.shape, index=ctx.index, axis=ctx.axis)


class ScatterAdd(Function):
    """Zeros of `shape` with g added at `index` along `axis`: Gather's backward."""

    op_name = "scatter_add"

    def forward(ctx, g, shape=None, index=None, axis=0):
        ctx.index, ctx.axis = index, axis
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, along(index, axis), g)
        return out

    def backward(ctx, gg):
        return Gather.call(gg, index=ctx.index, axis=ctx.axis)


class MaxDim(Function):
    """max/min along one dim: the gradient goes to the index that was picked, as in PyTorch."""

    op_name = "max"
    torch_name = "MaxBackward0"

    def forward(ctx, a, axis=0, keepdim=False, largest=True):
        idx = np.expand_dims((a.argmax if largest else a.argmin)(axis=axis), axis)
        ctx.shape, ctx.axis, ctx.keepdim, ctx.indices = a.shape, axis, keepdim, idx
        out = np.take_along_axis(a, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    def backward(ctx, g):
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        return ScatterAdd.call(g, shape=ctx.shape, index=ctx.indices, axis=ctx.axis)


class Amax(Function):
    """max/min over several dims (or all): ties share the gradient evenly, as in PyTorch."""

    op_name = "amax"

    def forward(ctx, a, axis=None, keepdim=False, largest=True):
        out = (np.max if largest else np.min)(a, axis=axis, keepdims=True)
        ctx.save_for_backward(a)
        ctx.extremum, ctx.axis = out, axis
        return out if keepdim or axis is None and a.ndim == 0 else np.squeeze(out, axis)

    def backward(ctx, g):
        a, = ctx.saved_tensors
        mask = a == ctx.extremum
        count = np.sum(mask, axis=ctx.axis, keepdims=True)
        return (np.reshape(g, ctx.extremum.shape) / count) * mask


class TiedPick(Function):
    """`value`, one of a's elements (median() of all of them): a 0-d tensor whose gradient is
    shared evenly by the elements equal to it (by the NaNs when it is NaN), as PyTorch's."""

    op_name, torch_name = "median", "MedianBackward0"

    def forward(ctx, a, value=None):
        value = np.asarray(value, dtype=a.dtype)
        ties = np.isnan(a) if a.dtype.kind == "f" and np.isnan(value) else a == value
        if a.dtype.kind == "f":
            ctx.share = (ties / max(int(ties.sum()), 1)).astype(a.dtype)
        return value

    def backward(ctx, g):
        return g * ctx.share


class LogSumExp(Function):
    op_name = "logsumexp"
    torch_name = "LogsumexpBackward0"

    def forward(ctx, a, axis=None, keepdim=False):
        m = np.max(a, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        kept = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
        out = kept if keepdim else np.squeeze(kept, axis)
        ctx.save_for_backward(a, out)
        ctx.kept_shape = kept.shape
        return out

    def backward(ctx, g):
        a, out = ctx.saved_tensors
        shape = ctx.kept_shape
        return np.reshape(g, shape) * np.exp(a - np.reshape(out, shape))


class Softmax(Function):
    def forward(ctx, a, axis=-1):
        e = np.asarray(a - a.max(axis=axis, keepdims=True))  # a 0-d difference is a scalar
        np.exp(e, out=e)
        e /= e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(e)
        ctx.axis = axis
        return e

    def backward(ctx, g):
        y, = ctx.saved_tensors
        gy = g * y
        gy -= y * np.sum(gy, axis=ctx.axis, keepdims=True)
        return gy


class LogSoftmax(Function):
    op_name = "log_softmax"

    def forward(ctx, a, axis=-1):
        shifted = np.asarray(a - a.max(axis=axis, keepdims=True))  # a 0-d one is a scalar
        shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(shifted)
        ctx.axis = axis
        return shifted

    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g - np.exp(out) * np.sum(g, axis=ctx.axis, keepdims=True)


class Norm(Function):
    """The vector p-norm over `axis` (all elements when None): p = 2, 1, inf, -inf, 0 (the count
    of non-zeros, which has no gradient) or any other real p.

    Backward, as PyTorch's: g * sign(x) * |x|^(p-1) / norm^(p-1), taken as 0 where the norm (or,
    for p < 1, the element) is 0 rather than 0/0; for +-inf the gradient goes to the elements
    that reach the norm, split evenly between ties. The zeros are made by replacing the zero
    denominators before dividing, so second derivatives stay finite as well.
    """

    torch_name = "LinalgVectorNormBackward0"

    def forward(ctx, a, p=2.0, axis=None, keepdim=False):
        magnitude = np.abs(a)
        if p == 2:
            out = np.sqrt(np.sum(a * a, axis=axis, keepdims=True))
        elif p == 1:
            out = np.sum(magnitude, axis=axis, keepdims=True)
        elif p == np.inf:
            out = np.max(magnitude, axis=axis, keepdims=True)
        elif p == -np.inf:
            out = np.min(magnitude, axis=axis, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=axis, keepdims=True).astype(a.dtype)
        else:
            out = np.sum(magnitude**p, axis=axis, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.axis, ctx.kept_shape = p, axis, out.shape
        if not keepdim:
            out = out.reshape(()) if axis is None else np.squeeze(out, axis)
        ctx.save_for_backward(a, out if p not in (1, 0) else None)
        return out

    def backward(ctx, g):
        a, out = ctx.saved_tensors
        p, axis, shape = ctx.p, ctx.axis, ctx.kept_shape
        if p == 0:
            return None
        g = np.reshape(g, shape)
        if p == 1:
            return g * np.sign(a)
        norm = np.reshape(out, shape)
        if p in (np.inf, -np.inf):
            reaches = np.abs(a) == norm
            return g * np.sign(a) * reaches / np.sum(reaches, axis=axis, keepdims=True)
        safe_norm = np.where(norm == 0, 1, norm)
        if p == 2:
            return g * a / safe_norm
        safe_magnitude = np.where(a == 0, 1, np.abs(a))
        return g * np.sign(a) * (safe_magnitude / safe_norm) ** (p - 1)


class Prod(Function):
    """The product over `axis` (one dim, or all elements when None).

    Backward, exact with zeros as PyTorch's: the product of the other elements, g * out / x
    where no element is 0; where one is, Q = the product of the non-zero elements goes to the
    zero and Q * zero / x (0, with the zero's derivative) to the others; with two or more zeros,
    0. Written with Prod itself, so the second derivatives are right too (with at most one zero
    per slice).
    """

    def forward(ctx, a, axis=None, keepdim=False):
        out = np.prod(a, axis=axis, keepdims=keepdim)
        ctx.save_for_backward(a, out)  # the output itself: saved arrays are inputs or it
        ctx.axis = axis
        ctx.kept_shape = tuple(1 if axis is None or i == axis else n for i, n in enumerate(a.shape))
        return out

    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis, shape = ctx.axis, ctx.kept_shape
        g, out = np.reshape(g, shape), np.reshape(out, shape)
        zero = a == 0
        if not np.any(zero):
            return g * out / a
        zeros = np.sum(zero, axis=axis, keepdims=True)
        nonzero_product = Prod.call(np.where(zero, 1.0, a), axis=axis, keepdim=True)
        zero_value = Prod.call(np.where(zero, a, 1.0), axis=axis, keepdim=True)  # 0, or 1
        others = np.where(zero, np.where(zeros == 1, nonzero_product, 0.0),
                          nonzero_product * zero_value / np.where(zero, 1.0, a))
        return g * others
