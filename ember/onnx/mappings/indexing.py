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
from ..trace import Const, Filled, Value

INT64_MAX = np.iinfo(np.int64).max


def _is_array(part) -> bool:
    return isinstance(part, (Value, Const, Filled))


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


def _symbolic_bounds(node, parts: list, other: list) -> list:
    """The first trace's index parts, where they differ from the second trace's: ints and slice
    bounds that sit at the same distance from the end of a dim whose size changes (x[n - 1],
    x[:n]) become counted from the end (x[-1], x[:]); any other difference cannot be exported."""
    first, second = node.in_shapes[0]
    out, dim = [], 0
    for p, q in zip(parts, other):
        if p is None:
            out.append(p)
            continue
        sizes = (first[dim], second[dim])
        if isinstance(p, slice) and isinstance(q, slice) and p.step == q.step:
            p = slice(_from_end(node, p.start, q.start, sizes, p),
                      _from_end(node, p.stop, q.stop, sizes, p, stop=True), p.step)
        elif not (_is_array(p) or _is_array(q) or isinstance(p, slice) or isinstance(q, slice)):
            p = _from_end(node, p, q, sizes, p)
        elif not (_is_array(p) and _is_array(q)):
            raise node.fail(f"its index part {p!r} changes with the dynamic axes (to {q!r})")
        out.append(p)
        dim += 1
    return out


def _from_end(node, a, b, sizes: tuple[int, int], part, stop: bool = False):
    if a == b:
        return a
    if a is None or b is None or a - sizes[0] != b - sizes[1]:
        raise node.fail(f"its index {part!r} changes with the dynamic axes in a way ONNX cannot "
                        "express (only positions counted from a dim's end can change)")
    offset = int(a - sizes[0])
    if offset == 0:  # the end itself: an open stop, or a start past every element
        return None if stop else INT64_MAX
    return offset


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
    index = node.option("index")
    if isinstance(index, slice):  # one part of an op's several results (g.concat_pieces)
        piece = g.piece(g.input(node, 0), index, node.varying.get("index", (index, index))[1])
        if piece is not None:
            return piece
    rank = len(node.shape(0))
    try:
        parts = _parts(g, node.option("index"), rank)
        if "index" in node.varying:
            parts = _symbolic_bounds(node, parts, _parts(g, node.varying["index"][1], rank))
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
    """a[index] = values (or +=): ScatterND into a with the indexed dims moved first."""
    rank = len(node.shape(0))
    try:
        parts = _parts(g, node.option("index"), rank)
    except ValueError as e:
        raise node.fail(str(e)) from None
    if any(isinstance(p, Value) for p in parts):
        raise node.fail("index_put at positions computed in the graph has no ONNX mapping")
    if any(isinstance(p, slice) and p != slice(None) for p in parts) or None in parts:
        raise node.fail("index_put through an index that also slices has no ONNX mapping")
    indices, batch_rank, dims = _stacked_indices(g, node, parts)
    rest = [d for d in range(rank) if d not in dims]
    perm = dims + rest
    moved = g.input(node, 0) if perm == sorted(perm) else g.op("Transpose", g.input(node, 0),
                                                                perm=perm)
    region = [_picked(shape, parts) for shape in node.in_shapes[0]]
    try:
        shape = g.shape_of(*region, prefer=node.inputs, infer_one=False, what="the written region")
    except Exception as e:
        raise node.fail(str(e)) from None
    updates = g.op("Expand", g.input(node, 1), shape)
    first = dims[0]
    if dims == list(range(first, first + len(dims))) and first > 0:  # NumPy put B at `first`
        updates = g.op("Transpose", updates, perm=list(range(first, first + batch_rank)) + list(
            range(first)) + list(range(first + batch_rank, len(region[0]))))
    reduction = "add" if node.option("accumulate") else None
    out = g.op("ScatterND", moved, indices, updates, reduction=reduction)
    return out if perm == sorted(perm) else g.op("Transpose", out,
                                                 perm=[int(i) for i in np.argsort(perm)])


def _picked(shape: tuple, parts: list) -> tuple:
    """The shape of a[index] for an `a` of this shape (NumPy's rules)."""
    return np.broadcast_to(np.empty((), np.bool_), shape)[_numpy_index(parts)].shape


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
