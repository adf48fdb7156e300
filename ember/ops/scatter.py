"""Scatter primitives: writing values into a copy of a tensor at an index along one axis.

`index` has the input's number of dims; along `axis` it names the position written to, along the
others it is the position itself (PyTorch's scatter). Both the source and the index are shaped
alike here: the torch-level functions (ember/scatter.py) check the arguments and cut the source
to the index's shape. Gather (ops/reduction.py) reads at such an index: it is the backward of
each of these ops with respect to the source.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .elementwise import Where
from .reduction import Gather, along

__all__ = ["Scatter", "ScatterReduce", "MaskedFill", "SCATTER_REDUCTIONS"]


def written_mask(shape: tuple, index: np.ndarray, axis: int) -> np.ndarray:
    """True where an index points along `axis`: the positions a scatter writes."""
    mask = np.zeros(shape, dtype=bool)
    mask[along(index, axis)] = True
    return mask


class MaskedFill(Where):
    """Where(value, a, condition=mask) with a 0-d value: masked_fill's node, named as
    PyTorch's."""

    op_name = "masked_fill"
    torch_name = "MaskedFillBackward0"


class Scatter(Function):
    """a with src written at index along axis. The overwritten elements of a get no gradient;
    src gets the gradient at the positions it was written to (where two elements of src were
    written to one position, both get it, as in PyTorch)."""

    op_name = "scatter"

    def forward(ctx, a, src, index=None, axis=0):
        ctx.index, ctx.axis = index, axis
        out = a.copy()
        out[along(index, axis)] = src
        if ctx.needs_input_grad[0]:
            ctx.kept = ~written_mask(a.shape, index, axis)
        return out

    def backward(ctx, g):
        need_a, need_src = ctx.needs_input_grad
        return (g * ctx.kept if need_a else None,
                Gather.call(g, index=ctx.index, axis=ctx.axis) if need_src else None)


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
           "amin": np.minimum}
SCATTER_REDUCTIONS = tuple(_UFUNCS)


def _identity(reduce: str, dtype: np.dtype):
    """What a position starts from when its own value is not included."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else np.iinfo(np.uint8)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Function):
    """a with src reduced into it at index along axis: sum, prod, mean, amax or amin, with or
    without a's own value at each written position (include_self).

    Backward, as PyTorch's scatter_reduce: sum passes g to a and gathers it for src; mean
    divides both by the number of values averaged; amax/amin split g evenly between the values
    that reach the result (a's included even when include_self is False, as PyTorch counts
    them); prod gives out / value, computed without dividing by zero: a's zeros are taken as 1
    in a second scatter, and a zero of src that is alone in its group gets the product of the
    others (zeros that share a group get 0, and, when the backward pass is recorded, the same
    product, so that the second derivative is exact where PyTorch refuses). Without
    include_self, a gets no gradient where something was written. `differentiable=False` is
    PyTorch's scatter(..., reduce=), which has no derivative."""

    op_name = "scatter_reduce"

    def forward(ctx, a, src, index=None, axis=0, reduce="sum", include_self=True,
                differentiable=True):
        where = along(index, axis)
        out = a.copy()
        if not include_self:
            out[where] = _identity(reduce, a.dtype)
        _UFUNCS[reduce].at(out, where, src)
        count = None
        if reduce == "mean":
            count = np.full(a.shape, int(include_self), dtype=a.dtype)
            np.add.at(count, where, 1)
            count[count == 0] = 1
            out = out / count if a.dtype.kind == "f" else out // count
        ctx.index, ctx.axis, ctx.reduce, ctx.include_self = index, axis, reduce, include_self
        ctx.differentiable, ctx.count = differentiable, count
        if not include_self:
            ctx.unwritten = ~written_mask(a.shape, index, axis)
        if reduce in ("prod", "amax", "amin") and any(ctx.needs_input_grad):
            ctx.save_for_backward(a, src, out)
            ctx.masks = _masks(a, src, out, index, axis, reduce)
        return out

    def backward(ctx, g):
        if not ctx.differentiable:
            raise RuntimeError("the derivative of scatter with the reduce argument is not "
                               "implemented (as in PyTorch); use scatter_add or scatter_reduce")
        index, axis, reduce = ctx.index, ctx.axis, ctx.reduce
        if reduce == "sum":
            grad_a, grad_src = g, Gather.call(g, index=index, axis=axis)
        elif reduce == "mean":
            grad_a = g / ctx.count
            grad_src = Gather.call(grad_a, index=index, axis=axis)
        elif reduce == "prod":
            grad_a, grad_src = _prod_backward(ctx, g)
        else:
            a_reaches, src_reaches, shares = ctx.masks
            spread = g / shares
            grad_a = spread * a_reaches
            grad_src = Gather.call(spread, index=index, axis=axis) * src_reaches
        if not ctx.include_self and grad_a is not None:
            grad_a = grad_a * ctx.unwritten
        return grad_a, grad_src


def _masks(a, src, out, index, axis, reduce) -> tuple:
    """Constants of the backward: for amax/amin, which values of a and src reach the result and
    how many share each result; for prod, where a and src are zero."""
    if reduce == "prod":
        src_zero = src == 0
        zeros_in_group = np.zeros(a.shape, dtype=np.int64)
        np.add.at(zeros_in_group, along(index, axis), src_zero)
        lone_zero = src_zero & (zeros_in_group[along(index, axis)] == 1)
        return a == 0, src_zero, lone_zero
    a_reaches = a == out
    src_reaches = src == out[along(index, axis)]
    shares = a_reaches.astype(a.dtype)
    np.add.at(shares, along(index, axis), src_reaches)
    return a_reaches, src_reaches, shares


def _prod_backward(ctx, g) -> tuple:
    a, src, out = ctx.saved_tensors
    a_zero, src_zero, lone_zero = ctx.masks
    index, axis, options = ctx.index, ctx.axis, dict(reduce="prod", include_self=ctx.include_self)
    grad_a = grad_src = None
    need_a, need_src = ctx.needs_input_grad
    if need_a:
        a_zero_as_one = np.where(a_zero, 1, a)
        product_of_rest = ScatterReduce.call(a_zero_as_one, src, index=index, axis=axis,
                                             **options)
        grad_a = g * product_of_rest / a_zero_as_one
    if need_src:
        lone_zero_as_one = ScatterReduce.call(a, np.where(lone_zero, 1, src), index=index,
                                              axis=axis, **options)
        gathered = Gather.call(g * out, index=index, axis=axis) / np.where(src_zero, 1, src)
        grad_src = np.where(lone_zero, Gather.call(g * lone_zero_as_one, index=index, axis=axis),
                            gathered)
        if not isinstance(g, np.ndarray):  # recorded: exact for zeros that share a group too
            grad_src = _crowded_zeros(ctx, g, a, src, grad_src, src_zero & ~lone_zero, options)
    return grad_a, grad_src


def _crowded_zeros(ctx, g, a, src, grad_src, crowded: np.ndarray, options: dict):
    """grad_src where a zero of src shares its group with another zero: there the gradient is
    0, but its derivative with respect to the other zero is not, so, while the backward pass is
    recorded, each such element gets the product with itself alone taken as 1 (one scatter per
    element; PyTorch refuses this double backward)."""
    index, axis = ctx.index, ctx.axis
    for position in zip(*np.nonzero(crowded)):
        alone = np.zeros(crowded.shape, dtype=bool)
        alone[position] = True
        others = ScatterReduce.call(a, np.where(alone, 1, src), index=index, axis=axis, **options)
        grad_src = np.where(alone, Gather.call(g * others, index=index, axis=axis), grad_src)
    return grad_src
