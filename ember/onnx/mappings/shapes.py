"""Shape primitives: reshape, permute, expand, concatenation, padding, flips and diagonals.

A reshape or expand whose target size changes with the dynamic axes gets a shape computed at run
time: a size the input already has at the same position is copied (0 in Reshape, 1 in Expand),
any other is read from a value that has it, and one left over is inferred (-1 in Reshape).
"""

from __future__ import annotations

import numpy as np

from ... import ops
from ..registry import maps

INT64_MIN = np.iinfo(np.int64).min


@maps(ops.Reshape, dynamic=("shape",))
def reshape(g, node):
    target, other = node.out_shapes
    if target == other:
        allow_zero = 1 if 0 in target else None  # a literal 0 is a size, not "copy the input's"
        return g.op("Reshape", g.input(node, 0), g.ints(target), allowzero=allow_zero)
    source, source_other = node.in_shapes[0]
    keep = {j for j in range(min(len(source), len(target)))
            if source[j] != source_other[j] and (source[j], source_other[j]) == (target[j],
                                                                                 other[j])}
    try:
        shape = g.shape_of(target, other, prefer=node.inputs, keep=keep, what="its target shape")
    except Exception as e:
        raise node.fail(str(e)) from None
    return g.op("Reshape", g.input(node, 0), shape)


@maps(ops.Expand, dynamic=("shape",))
def expand(g, node):
    target, other = node.out_shapes
    source, source_other = node.in_shapes[0]
    lead = len(target) - len(source)
    keep = {j for j in range(lead, len(target))
            if (source[j - lead], source_other[j - lead]) == (target[j], other[j])}
    try:
        shape = g.shape_of(target, other, prefer=node.inputs, keep=keep, kept=1,
                           infer_one=False, what="its target shape")
    except Exception as e:
        raise node.fail(str(e)) from None
    return g.op("Expand", g.input(node, 0), shape)


@maps(ops.Permute)
def permute(g, node):
    return g.op("Transpose", g.input(node, 0), perm=[int(d) for d in node.option("dims")])


@maps(ops.Cat)
def cat(g, node):
    names = [g.input(node, i) for i in range(len(node.inputs))]
    return g.op("Concat", *names, axis=int(node.option("axis")))


@maps(ops.Stack)
def stack(g, node):
    axis = int(node.option("axis"))
    rows = [g.op("Unsqueeze", g.input(node, i), g.ints([axis])) for i in range(len(node.inputs))]
    return g.op("Concat", *rows, axis=axis)


@maps(ops.Pad)
def pad(g, node):
    widths = node.option("widths")
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    value = g.scalar(node.option("value"), node.output.dtype)
    return g.op("Pad", g.input(node, 0), g.ints(pads), value, mode="constant")


@maps(ops.Flip)
def flip(g, node):
    dims = node.option("dims")
    dims = [int(dims)] if np.ndim(dims) == 0 else [int(d) for d in dims]
    k = len(dims)
    return g.op("Slice", g.input(node, 0), g.ints([-1] * k), g.ints([INT64_MIN] * k),
                g.ints(dims), g.ints([-1] * k))


@maps(ops.Diagonal)
def diagonal(g, node):
    """The (dim1, dim2) planes moved last and flattened, then the diagonal's positions gathered."""
    offset, dim1, dim2 = (int(node.option(k)) for k in ("offset", "dim1", "dim2"))
    shape = node.shape(0)
    if node.dynamic(0) & {dim1, dim2}:
        raise node.fail("the diagonal of planes whose size changes with the dynamic axes has no "
                        "ONNX mapping")
    rest = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    planes = g.op("Transpose", g.input(node, 0), perm=rest + [dim1, dim2])
    n1, n2 = shape[dim1], shape[dim2]
    flat = g.op("Reshape", planes, g.ints([0] * len(rest) + [n1 * n2]))
    length = node.out_shape[-1]
    rows, cols = np.arange(length) + max(-offset, 0), np.arange(length) + max(offset, 0)
    return g.op("Gather", flat, g.ints(rows * n2 + cols), axis=len(rest))
