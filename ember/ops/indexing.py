"""Indexing primitives: reading a[index], writing values at an index, copy_ and fill_.

A basic index (ints, slices, None, ...) reads through a NumPy view; an advanced one (integer or
boolean arrays) gathers a copy. The two directions are each other's backward: Getitem's gradient
is IndexScatter's zeros-with-g-at-index, and IndexScatter's is Getitem of its gradient.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..views import torch_strides_for_new_dims
from .elementwise import Cast

__all__ = ["Getitem", "IndexScatter", "IndexPut", "Copy", "Fill", "is_advanced"]


def is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list, bool, np.bool_)) for p in parts)


def _has_new_axis(index) -> bool:
    return index is None or isinstance(index, tuple) and any(p is None for p in index)


def _as_view_index(index) -> tuple:
    """A basic index that gives a 0-d view, not a NumPy scalar, when every dim is picked."""
    parts = index if isinstance(index, tuple) else (index,)
    return parts if any(p is Ellipsis for p in parts) else (*parts, Ellipsis)


class Getitem(Function):
    op_name = "__getitem__"
    torch_name = "IndexBackward0"

    def forward(ctx, a, index=None):
        ctx.shape, ctx.index = a.shape, index
        out = a[index] if is_advanced(index) else a[_as_view_index(index)]
        if _has_new_axis(index):
            out = torch_strides_for_new_dims(out)
        return out

    def backward(ctx, g):
        return IndexScatter.call(g, shape=ctx.shape, index=ctx.index)


class IndexScatter(Function):
    """Zeros of `shape` with g added at `index` (repeated indices accumulate)."""

    op_name = "__getitem__"  # the op whose backward this is

    def forward(ctx, g, shape=None, index=None):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and out.ndim > 1:
            _add_rows_at(out, index, g)
        elif is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    def backward(ctx, gg):
        return Getitem.call(gg, index=ctx.index)


def _add_rows_at(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """np.add.at(out, rows, values) for an integer array of rows of a contiguous out (an
    embedding's gradient): as one flat index per element, which takes NumPy's fast 1-D loop
    for ufunc.at; 2-4x faster than add.at over rows (NumPy's general path) for the gradient of
    a 10000 x 256 embedding read at 700 indices, or of a 65 x 128 one at 1024."""
    width = out.size // len(out) if len(out) else 0
    # a negative row r gives r * width + j, which counts from the end as row r does
    flat_index = np.reshape(rows.astype(np.intp), (-1, 1)) * width + np.arange(width)
    np.add.at(np.reshape(out, -1), np.reshape(flat_index, -1), np.reshape(values, -1))


class IndexPut(Function):
    """a with `values` written (or, with accumulate, added) at an advanced index: index_put."""

    op_name = "index_put_"
    torch_name = "IndexPutBackward0"

    def forward(ctx, a, values, index=None, accumulate=False):
        ctx.index, ctx.accumulate, ctx.values_shape = index, accumulate, values.shape
        out = a.copy()
        if accumulate:
            np.add.at(out, index, values)
        else:
            out[index] = values
        return out

    def backward(ctx, g):
        need_a, need_values = ctx.needs_input_grad
        grad_a = grad_values = None
        if need_a:
            if ctx.accumulate:
                grad_a = g
            else:
                keep = np.ones(g.shape, dtype=bool)
                keep[ctx.index] = False  # overwritten values get no gradient
                grad_a = g * keep
        if need_values:
            grad_values = Getitem.call(g, index=ctx.index)
            if len(ctx.values_shape) > grad_values.ndim:  # values had extra leading 1s
                grad_values = np.reshape(grad_values, ctx.values_shape)
        return grad_a, grad_values


class Copy(Function):
    """src broadcast to dst's shape and cast to its dtype: copy_ (dst's old values get no
    gradient)."""

    op_name = "copy_"
    torch_name = "CopyBackwards"

    def forward(ctx, dst, src):
        ctx.src_dtype = src.dtype
        out = np.empty_like(dst)
        np.copyto(out, src, casting="unsafe")
        return out

    def backward(ctx, g):
        grad = g if not ctx.needs_input_grad[1] else Cast.call(g, dtype=ctx.src_dtype)
        return None, grad


class Fill(Function):
    """a's shape filled with a 0-d value: fill_ (the value gets the summed gradient)."""

    op_name = "fill_"

    def forward(ctx, a, value):
        return np.full(a.shape, value, dtype=a.dtype)

    def backward(ctx, g):
        return None, g
