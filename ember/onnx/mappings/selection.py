"""Scans, scatters and roll (ember.ops.scan, scatter, Roll): CumSum, ScatterElements, slices.
cumprod and logcumsumexp are composed of CumSum; sampling and median's tie-shared pick read
values drawn or found outside the trace, and have no mapping."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops.scan import CumProd, CumSum, LogCumSumExp
from ...ops.scatter import MaskedFill, Scatter, ScatterReduce
from ..registry import maps
from .elementwise import where

maps(MaskedFill)(where)  # Where(value, input, condition=mask) under masked_fill's name


def _cumsum(g, x: str, axis: int) -> str:
    return g.op("CumSum", x, g.const(np.asarray(axis, np.int64)))


@maps(CumSum)
def cumsum(g, node):
    return _cumsum(g, g.input(node, 0), int(node.option("axis")))


@maps(CumProd)
def cumprod(g, node):
    """exp(cumsum(log|x|)) (0 from a zero on) with the sign of the number of negatives."""
    x, dtype, axis = g.input(node, 0), node.output.dtype, int(node.option("axis"))
    magnitude = g.op("Exp", _cumsum(g, g.op("Log", g.op("Abs", x)), axis))
    negatives = _cumsum(g, g.cast(g.op("Less", x, g.scalar(0, dtype)), dtype), axis)
    odd = g.op("Mod", negatives, g.scalar(2, dtype), fmod=1)
    sign = g.op("Sub", g.scalar(1, dtype), g.op("Mul", odd, g.scalar(2, dtype)))
    return g.op("Mul", magnitude, sign)


@maps(LogCumSumExp)
def logcumsumexp(g, node):
    """log(cumsum(exp(x - m))) + m, m the maximum along the axis (0 where it is infinite)."""
    x, dtype, axis = g.input(node, 0), node.output.dtype, int(node.option("axis"))
    top = g.reduce("ReduceMax", x, axis, True)
    top = g.op("Where", g.op("IsInf", top), g.scalar(0, dtype), top)
    total = _cumsum(g, g.op("Exp", g.op("Sub", x, top)), axis)
    return g.op("Add", g.op("Log", total), top)


@maps(ops.Roll)
def roll(g, node):
    x = g.input(node, 0)
    for shift, axis in zip(node.option("shifts"), node.option("axes")):
        size = node.shape(0)[axis]
        if axis in node.dynamic(0):
            raise node.fail("roll along a dynamic axis has no ONNX mapping")
        cut = size - int(shift) % size
        if cut == size:
            continue
        tail = g.op("Slice", x, g.ints([cut]), g.ints([size]), g.ints([axis]))
        head = g.op("Slice", x, g.ints([0]), g.ints([cut]), g.ints([axis]))
        x = g.op("Concat", tail, head, axis=axis)
    return x


_REDUCTIONS = {"sum": "add", "prod": "mul", "amax": "max", "amin": "min"}


@maps(Scatter, ScatterReduce)
def scatter(g, node):
    """ScatterElements of src at index along the axis (with the reduction, which ONNX has for
    sum, prod, amax and amin including a's own values)."""
    reduction = None
    if node.kind is ScatterReduce:
        reduce = node.option("reduce")
        if reduce not in _REDUCTIONS or not node.option("include_self"):
            raise node.fail(f"scatter_reduce {reduce!r} with include_self="
                            f"{node.option('include_self')} has no ONNX mapping (ONNX reduces "
                            "sum, prod, amax and amin, including the input's own values)")
        reduction = _REDUCTIONS[reduce]
    index = node.option("index")
    name = g.ref(index)
    if g.array_info(index)[2] != np.int64:
        name = g.cast(name, np.int64)
    return g.op("ScatterElements", g.input(node, 0), name, g.input(node, 1),
                axis=int(node.option("axis")), reduction=reduction)
