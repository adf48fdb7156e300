"""Indexing: t[index] (basic and advanced, NumPy's rules), index_put, copy_, fill_, embedding.

A basic index is one Slice (ints are slices of one, squeezed away) and an Unsqueeze for each
None. An advanced index (integer or boolean arrays, with the ints that then count as advanced
too) gathers: one integer array is a Gather along its dim; anything else moves the indexed dims
first and uses GatherND, then puts the result's dims where NumPy puts them (at the first indexed
dim when the indexed dims are adjacent, else in front).
"""

from __future__ import annotations

import operator

import numpy as np

from ... import ops
from ...ops.embedding import EmbeddingLookup
from ..registry import maps
from ..trace import Const, Value

INT64_MAX = np.iinfo(np.int64).max


def _is_array(part) -> bool:
    return isinstance(part, (Value, Const))


def _parts(g, index, rank: int) -> list:
    """The index as one part per input dim (Ellipsis expanded), plus the Nones."""
    parts = list(index) if isinstance(index, tuple) else [index]
    if any(isinstance(p, (bool, np.bool_)) for p in parts):
        raise ValueError("a bool scalar in an index has no ONNX mapping")
    consumed = 0
    for p in parts:
        if p is None or p is Ellipsis:
            continue
        if _is_array(p):
            _, _, dtype = g.array_info(p)
            consumed += len(g.array_info(p)[0]) if dtype == np.bool_ else 1
        else:
            consumed += 1
    full = [slice(None)] * (rank - consumed)
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        return parts[:at] + full + parts[at + 1:]
    return parts + full


def _symbolic_stops(node, parts: list, other: list) -> list:
    """Parts of the first trace's index, with slice stops that are the (dynamic) dim's size in
    both traces made open-ended; any other difference cannot be exported."""
    first, second = node.in_shapes[0]
    out, dim = [], 0
    for p, q in zip(parts, other):
        if isinstance(p, slice) and isinstance(q, slice) and (p.start, p.step) == (q.start,
                                                                                   q.step):
            if p.stop != q.stop and (p.stop, q.stop) == (first[dim], second[dim]):
                p = slice(p.start, None, p.step)
            elif p.stop != q.stop:
                raise node.fail(f"its index {p} changes with the dynamic axes (to {q}) in a "
                                "way ONNX cannot express; slice to the end (':') instead")
        elif not (p is q or p == q) and not _is_array(p):
            raise node.fail(f"its index part {p!r} changes with the dynamic axes (to {q!r})")
        out.append(p)
        if p is not None:
            dim += 1
    return out


def _slice_all(g, x: str, parts: list, ints_too: bool):
    """One Slice for the slice parts (and, with ints_too, the int parts as slices of one)."""
    starts, ends, axes, steps = [], [], [], []
    dim = 0
    for p in parts:
        if p is None:
            continue
        if isinstance(p, slice):
            start, stop, step = (None if v is None else operator.index(v)
                                 for v in (p.start, p.stop, p.step))
            if not (start in (None, 0) and stop is None and step in (None, 1)):
                axes.append(dim)
                starts.append(start or 0)
                ends.append(INT64_MAX if stop is None else stop)
                steps.append(step or 1)
        elif ints_too and not _is_array(p):
            i = operator.index(p)
            axes.append(dim)
            starts.append(i)
            ends.append(INT64_MAX if i == -1 else i + 1)
            steps.append(1)
        dim += 1
    if not axes:
        return x
    return g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))


@maps(ops.Getitem, dynamic=("index",))
def getitem(g, node):
    rank = len(node.shape(0))
    try:
        parts = _parts(g, node.option("index"), rank)
        if "index" in node.varying:
            parts = _symbolic_stops(node, parts, _parts(g, node.varying["index"][1], rank))
    except ValueError as e:
        raise node.fail(str(e)) from None
    x = g.input(node, 0)
    if not any(_is_array(p) for p in parts):
        return _basic(g, x, parts)
    if None in parts:
        raise node.fail("an index that mixes None with index tensors has no ONNX mapping")
    return _advanced(g, node, _slice_all(g, x, parts, ints_too=False), parts)


def _basic(g, x: str, parts: list) -> str:
    sliced = _slice_all(g, x, parts, ints_too=True)
    dims = [p for p in parts if p is not None]
    squeezed = [d for d, p in enumerate(dims) if not isinstance(p, slice)]
    out = g.op("Squeeze", sliced, g.ints(squeezed)) if squeezed else sliced
    new_axes, position = [], 0
    for p in parts:
        if p is None:
            new_axes.append(position)
        if p is None or isinstance(p, slice):
            position += 1
    if new_axes:
        out = g.op("Unsqueeze", out, g.ints(new_axes))
    return out if out != x else g.op("Identity", x)


def _advanced(g, node, x: str, parts: list) -> str:
    indexed = [d for d, p in enumerate(parts) if not isinstance(p, slice)]
    arrays = [p for p in parts if _is_array(p)]
    if len(indexed) == 1 and g.array_info(arrays[0])[2] != np.bool_:
        return g.op("Gather", x, g.ref(arrays[0]), axis=indexed[0])
    indices, batch_rank, indexed = _stacked_indices(g, node, parts)
    rest = [d for d in range(len(node.shape(0))) if d not in indexed]
    perm = indexed + rest
    moved = x if perm == sorted(perm) else g.op("Transpose", x, perm=perm)
    out = g.op("GatherND", moved, indices)
    first = indexed[0]
    if indexed == list(range(first, first + len(indexed))) and first > 0:
        back = ([batch_rank + i for i in range(first)] + list(range(batch_rank))
                + [batch_rank + i for i in range(first, len(rest))])
        out = g.op("Transpose", out, perm=back)
    return out


def _stacked_indices(g, node, parts: list) -> tuple[str, int, list[int]]:
    """GatherND's indices for the advanced parts: (B..., k) int64, the rank of B, and the k
    input dims they index."""
    columns, dims = [], []
    dim = 0
    for p in parts:
        if isinstance(p, slice):
            dim += 1
            continue
        if _is_array(p) and g.array_info(p)[2] == np.bool_:
            rank = len(g.array_info(p)[0])
            if isinstance(p, Const):
                columns += [Const(np.asarray(c, dtype=np.int64)) for c in np.nonzero(p.array)]
            elif sum(not isinstance(q, slice) for q in parts) != 1:
                raise node.fail("a boolean mask tensor together with other index parts has no "
                                "ONNX mapping")
            else:  # the only advanced part: its non-zero positions are the indices
                nonzero = g.op("Transpose", g.op("NonZero", g.ref(p)), perm=[1, 0])
                return nonzero, 1, list(range(dim, dim + rank))
            dims += list(range(dim, dim + rank))
            dim += rank
            continue
        columns.append(p if _is_array(p) else Const(np.asarray(operator.index(p), np.int64)))
        dims.append(dim)
        dim += 1
    if all(isinstance(c, Const) for c in columns):
        stacked = np.stack(np.broadcast_arrays(*(c.array.astype(np.int64) for c in columns)), -1)
        return g.const(stacked), stacked.ndim - 1, dims
    names = [g.ref(c) if g.array_info(c)[2] == np.int64 else g.cast(g.ref(c), np.int64)
             for c in columns]
    zero = names[0]  # every column times 0, summed: zeros of the broadcast shape
    for n in names[1:]:
        zero = g.op("Add", zero, n)
    zero = g.op("Mul", zero, g.scalar(0, np.int64))
    batch_rank = max(len(g.array_info(c)[0]) for c in columns)
    stacked = g.op("Concat", *(g.op("Unsqueeze", g.op("Add", n, zero), g.ints([-1]))
                               for n in names), axis=-1)
    return stacked, batch_rank, dims


@maps(ops.IndexPut)
def index_put(g, node):
    """a[index] = values (or +=): ScatterND, for an index whose advanced parts lead."""
    shape = node.shape(0)
    try:
        parts = _parts(g, node.option("index"), len(shape))
    except ValueError as e:
        raise node.fail(str(e)) from None
    if any(isinstance(p, Value) for p in parts):
        raise node.fail("index_put at positions computed in the graph has no ONNX mapping")
    indices, _, dims = _stacked_indices(g, node, parts)
    if dims != list(range(len(dims))) or any(
            not (isinstance(p, slice) and p == slice(None)) for p in parts[len(dims):]):
        raise node.fail("index_put with index tensors that do not lead the index has no ONNX "
                        "mapping")
    if node.dynamic(0):
        raise node.fail("index_put into a tensor whose size changes with the dynamic axes has "
                        "no ONNX mapping")
    picked = np.empty(shape, np.bool_)[_numpy_index(parts)].shape
    updates = g.op("Expand", g.input(node, 1), g.ints(picked))
    reduction = "add" if node.option("accumulate") else None
    return g.op("ScatterND", g.input(node, 0), indices, updates, reduction=reduction)


def _numpy_index(parts: list) -> tuple:
    return tuple(p.array if isinstance(p, Const) else p for p in parts)


@maps(ops.Copy)
def copy(g, node):
    dst, src = g.input(node, 0), g.input(node, 1)
    if g.array_info(node.inputs[1])[2] != node.output.dtype:
        src = g.cast(src, node.output.dtype)
    return g.op("Expand", src, g.op("Shape", dst))


@maps(ops.Fill)
def fill(g, node):
    value = g.input(node, 1)
    if g.array_info(node.inputs[1])[2] != node.output.dtype:
        value = g.cast(value, node.output.dtype)
    return g.op("Expand", value, g.op("Shape", g.input(node, 0)))


@maps(EmbeddingLookup)
def embedding(g, node):
    return g.op("Gather", g.input(node, 0), g.ref(node.option("index")), axis=0)
