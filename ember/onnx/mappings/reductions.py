"""Reductions, the softmax family, gather along an axis, norms and matrix products."""

from __future__ import annotations

import numpy as np

from ... import ops
from ..registry import maps


@maps(ops.Sum, ops.Mean)
def sum_mean(g, node):
    op_type = "ReduceSum" if node.kind is ops.Sum else "ReduceMean"
    return g.reduce(op_type, g.input(node, 0), node.option("axis"), node.option("keepdim"))


@maps(ops.MaxDim, ops.Amax)
def extremum(g, node):
    op_type = "ReduceMax" if node.option("largest") else "ReduceMin"
    return g.reduce(op_type, g.input(node, 0), node.option("axis"), node.option("keepdim"))


@maps(ops.LogSumExp)
def logsumexp(g, node):
    return g.reduce("ReduceLogSumExp", g.input(node, 0), node.option("axis"),
                    node.option("keepdim"))


@maps(ops.Softmax, ops.LogSoftmax)
def softmax(g, node):
    op_type = "Softmax" if node.kind is ops.Softmax else "LogSoftmax"
    return g.op(op_type, g.input(node, 0), axis=int(node.option("axis")))


@maps(ops.Gather)
def gather(g, node):
    """take_along_axis: GatherElements, with the index broadcast first as NumPy does."""
    index = node.option("index")
    name = g.ref(index)
    if g.array_info(index)[0] != node.out_shape:
        name = g.op("Expand", name, g.shape_of(*node.out_shapes, prefer=node.inputs,
                                               infer_one=False, what="the gathered shape"))
    return g.op("GatherElements", g.input(node, 0), name, axis=int(node.option("axis")))


@maps(ops.Norm)
def norm(g, node):
    x, p, dtype = g.input(node, 0), node.option("p"), node.output.dtype
    axis, keepdim = node.option("axis"), node.option("keepdim")
    if p == 2:
        return g.reduce("ReduceL2", x, axis, keepdim)
    if p == 1:
        return g.reduce("ReduceL1", x, axis, keepdim)
    if p in (np.inf, -np.inf):
        return g.reduce("ReduceMax" if p > 0 else "ReduceMin", g.op("Abs", x), axis, keepdim)
    if p == 0:
        nonzero = g.op("Not", g.op("Equal", x, g.scalar(0, dtype)))
        return g.reduce("ReduceSum", g.cast(nonzero, dtype), axis, keepdim)
    powered = g.op("Pow", g.op("Abs", x), g.scalar(p, dtype))
    return g.op("Pow", g.reduce("ReduceSum", powered, axis, keepdim), g.scalar(1.0 / p, dtype))


@maps(ops.MatMul)
def matmul(g, node):
    return g.op("MatMul", g.input(node, 0), g.input(node, 1))


@maps(ops.Linear)
def linear(g, node):
    x, weight = g.input(node, 0), g.input(node, 1)
    bias = g.input(node, 2) if len(node.inputs) > 2 else None
    if len(node.shape(0)) == 2:
        return g.op("Gemm", x, weight, bias, transB=1)
    out = g.op("MatMul", x, g.op("Transpose", weight, perm=[1, 0]))
    return out if bias is None else g.op("Add", out, bias)
