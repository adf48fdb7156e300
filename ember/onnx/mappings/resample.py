"""Separable maps along the trailing dims (ember.ops.resample.AxisMaps: interpolation and the
reflect, replicate and circular paddings): per dim, out[i] = sum over s of weight[s, i] *
x[index[s, i]], a Gather per term (just the Gather where the weights are all ones)."""

from __future__ import annotations

import numpy as np

from ...ops.resample import AxisMaps
from ..registry import maps


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.size == b.size and np.array_equal(a.index, b.index) and (
        a.weight is None and b.weight is None
        or a.weight is not None and b.weight is not None and np.array_equal(a.weight, b.weight))


@maps(AxisMaps, dynamic=("maps",))
def axis_maps(g, node):
    """The maps are rebuilt on every call, so the two traces hold equal maps in new objects;
    maps that differ (a dynamic spatial size) cannot be exported."""
    x = g.input(node, 0)
    rank = len(node.shape(0))
    dtype = node.output.dtype
    per_dim = node.option("maps")
    other = node.varying.get("maps", (per_dim, per_dim))[1]
    if len(other) != len(per_dim) or not all(_same(a, b) for a, b in zip(per_dim, other)):
        raise node.fail("its interpolation or padding changes with the dynamic axes (a dynamic "
                        "spatial size), which has no ONNX mapping; export with a fixed size there")
    first = rank - len(per_dim)
    for k in reversed(range(len(per_dim))):  # the same order as ember's forward
        m, axis = per_dim[k], first + k
        if m is None:
            continue
        shape = [1] * rank
        shape[axis] = -1
        total = None
        for s in range(m.index.shape[0]):
            term = g.op("Gather", x, g.ints(m.index[s]), axis=axis)
            if m.weight is not None:
                term = g.op("Mul", term, g.const(m.weight[s].astype(dtype).reshape(shape)))
            total = term if total is None else g.op("Add", total, term)
        x = total
    return x
