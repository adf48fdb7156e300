"""Rearranging and combining tensors: roll, fliplr/flipud, rot90, repeat, tile,
repeat_interleave, meshgrid, atleast_1d/2d/3d, the stacks (hstack, vstack, dstack,
column_stack), block_diag and cartesian_prod. All differentiable, built on the shape primitives.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from . import ops
from ._args import _wrap_dim
from ._out import write_out
from .promotion import cast_all
from .shapes import cat, expand, flip, pad, reshape, stack, transpose
from .tensor import Tensor, _make


def _ints(values) -> tuple:
    if isinstance(values, (int, np.integer)):
        return (int(values),)
    return tuple(int(v) for v in values)


def roll(input, shifts, dims=None) -> Tensor:
    """input's elements shifted by `shifts` along `dims` (of the flattened tensor when dims is
    None), those pushed off the end coming back at the start. A copy."""
    shifts = _ints(shifts)
    if not shifts:
        raise RuntimeError("roll(): `shifts` required")
    if dims is not None and not _ints(dims):
        dims = None  # PyTorch's empty dims: roll the flattened tensor
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims: 0")
        flat = ops.Roll.apply(reshape(input, -1), shifts=shifts, axes=(0,))
        return reshape(flat, input._data.shape)
    dims = _ints(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if input._data.ndim == 0:
        raise IndexError(f"roll(): Dimension specified as {dims[0]} but tensor has no dimensions")
    axes = tuple(_wrap_dim(d, input._data.ndim) for d in dims)
    return ops.Roll.apply(input, shifts=shifts, axes=axes)


def fliplr(input) -> Tensor:
    """input flipped left to right (along dim 1). Needs >= 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d (got shape {list(input.shape)}).")
    return flip(input, (1,))


def flipud(input) -> Tensor:
    """input flipped upside down (along dim 0). Needs >= 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d.")
    return flip(input, (0,))


def rot90(input, k=1, dims=(0, 1)) -> Tensor:
    """input rotated by k quarter turns in the plane of dims, from the first towards the second."""
    ndim = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {ndim}")
    first, second = (_wrap_dim(d, ndim) for d in dims)
    if first == second:
        raise RuntimeError(f"rot90(): expected rotation dims to be different, but got dim0 = "
                           f"{first} and dim1 = {second}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (second,)), first, second)
    if k == 2:
        return flip(input, (first, second))
    if k == 3:
        return transpose(flip(input, (first,)), first, second)
    return input.clone()


def _repeats(sizes: tuple) -> tuple:
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else _ints(sizes)


def repeat(input, *sizes) -> Tensor:
    """Tensor.repeat: input tiled sizes[i] times along each dim (sizes may add leading dims).
    A copy; each element's gradient is the sum over its copies."""
    sizes = _repeats(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"repeat(): Number of dimensions of repeat dims ({len(sizes)}) can not "
                           f"be smaller than number of dimensions of tensor ({len(shape)})")
    if min(sizes, default=0) < 0:
        raise RuntimeError(f"repeat(): Trying to create tensor with negative dimension: repeats "
                           f"{list(sizes)}")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    # each dim n becomes (1, n) expanded to (r, n), then (r * n): the copies side by side
    spread = reshape(input, tuple(x for n in shape for x in (1, n)))
    tiled = expand(spread, tuple(x for r, n in zip(sizes, shape) for x in (r, n)))
    return reshape(tiled, tuple(r * n for r, n in zip(sizes, shape)))


def tile(input, dims) -> Tensor:
    """repeat, where fewer dims than input has repeat the trailing dims."""
    dims = _ints(dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def _counts(repeats: Tensor) -> np.ndarray:
    """The repeat counts of a tensor: integers, none negative."""
    counts = repeats._data
    if counts.dtype.kind not in "iu":
        raise NotImplementedError(f"repeat_interleave(): repeats must be an integer tensor, got "
                                  f"{repeats.dtype}")
    if (counts < 0).any():
        raise RuntimeError("repeat_interleave(): repeats can not be negative")
    return counts


def _check_output_size(positions: np.ndarray, output_size) -> np.ndarray:
    if output_size is not None and output_size != positions.size:
        raise RuntimeError(f"repeat_interleave(): Invalid output_size, expected "
                           f"{positions.size} but got {output_size}")
    return positions


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (or slice along dim) repeated `repeats` times in place (an int, or one count
    per element along dim); of the flattened input when dim is None. With only a tensor of
    counts, the indices 0, 1, ... repeated by them (int64)."""
    if repeats is None:
        counts = _counts(input)
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave(): repeat_interleave only accept 1D vector as "
                               "repeat")
        positions = np.repeat(np.arange(counts.size), counts).astype(np.int64)
        return _make(_check_output_size(positions, output_size), None)
    if dim is None:
        input, axis = reshape(input, -1), 0
    else:
        axis = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[axis] if input._data.ndim else 1
    counts = _counts(repeats) if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim == 1 and counts.size != n:
        raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input along "
                           f"dim, but got repeats.size(0) = {counts.size} and input.size({axis}) "
                           f"= {n}")
    if counts.ndim > 1:
        raise RuntimeError("repeat_interleave(): repeats must be 0-dim or 1-dim tensor")
    if (counts < 0).any():
        raise RuntimeError("repeat_interleave(): Repeats must be non-negative")
    positions = _check_output_size(np.repeat(np.arange(n), np.broadcast_to(counts, (n,))),
                                   output_size)
    if input._data.ndim == 0:
        input = reshape(input, 1)
    return ops.Getitem.apply(input, index=(slice(None),) * axis + (positions,))


def meshgrid(*tensors, indexing=None) -> tuple:
    """Coordinate grids: for 1-D (or 0-d) inputs of sizes n1, n2, ..., each input expanded to
    shape (n1, n2, ...) along its own dim ('ij'), or with the first two dims swapped ('xy').
    The results are views of the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid: expects a non-empty TensorList")
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for i, t in enumerate(tensors):
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t._data.ndim}D tensor at index {i}")
    sizes = [t._data.size for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    shape = tuple(sizes[i] for i in order)
    grids = []
    for i, t in enumerate(tensors):
        along = [1] * len(tensors)
        along[order.index(i)] = sizes[i]
        grids.append(expand(reshape(t, tuple(along)), shape))
    return tuple(grids)


def _at_least(tensors, view_as) -> Tensor | tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(view_as(t) for t in tensors[0])
    return view_as(tensors[0]) if len(tensors) == 1 else tuple(view_as(t) for t in tensors)


def _1d(t: Tensor) -> Tensor:
    return reshape(t, 1) if t._data.ndim == 0 else t


def _2d(t: Tensor) -> Tensor:
    return reshape(t, (1, -1) if t._data.ndim else (1, 1)) if t._data.ndim < 2 else t


def _3d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1, 1))
    if ndim == 1:
        return reshape(t, (1, -1, 1))
    return reshape(t, t._data.shape + (1,)) if ndim == 2 else t


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one as shape (1,)): a view."""
    return _at_least(tensors, _1d)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (shape (n,) as (1, n)): a view."""
    return _at_least(tensors, _2d)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims ((n,) as (1, n, 1), (m, n) as (m, n, 1)): a view."""
    return _at_least(tensors, _3d)


def _tensor_list(name: str, tensors) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None) -> Tensor:
    """The tensors joined column-wise: along dim 0 when they are 1-D, else dim 1."""
    parts = [_1d(t) for t in _tensor_list("hstack", tensors)]
    return write_out("hstack", cat(parts, 0 if parts[0]._data.ndim == 1 else 1), out, cast=True)


def vstack(tensors, *, out=None) -> Tensor:
    """The tensors joined row-wise, 1-D ones as rows (along dim 0 of at-least-2-D views)."""
    parts = [_2d(t) for t in _tensor_list("vstack", tensors)]
    return write_out("vstack", cat(parts, 0), out, cast=True)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """The tensors joined depth-wise (along dim 2 of at-least-3-D views)."""
    parts = [_3d(t) for t in _tensor_list("dstack", tensors)]
    return write_out("dstack", cat(parts, 2), out, cast=True)


def column_stack(tensors, *, out=None) -> Tensor:
    """The tensors joined as columns: 0-d and 1-D ones become columns (n, 1), then hstack."""
    parts = [reshape(t, (t._data.size, 1)) if t._data.ndim < 2 else t
             for t in _tensor_list("column_stack", tensors)]
    return write_out("column_stack", cat(parts, 1), out, cast=True)


def block_diag(*tensors) -> Tensor:
    """A matrix with the tensors (at most 2-D each; 0-d as 1x1, 1-D as one row) on its
    diagonal, zeros elsewhere. Dtype: the promotion of theirs."""
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
    if not tensors:
        return _make(np.zeros((1, 0), np.float32), None)
    blocks = [_2d(t) for t in cast_all(tensors)]
    width = sum(b._data.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        cols = b._data.shape[1]
        rows.append(pad(b, (left, width - left - cols)))
        left += cols
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows: shape (product of the
    sizes, number of tensors) (one tensor comes back as it is)."""
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"cartesian_prod(): Expect a 1D vector, but got shape "
                               f"{list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    count = math.prod(t._data.size for t in tensors)
    return stack([reshape(g, count) for g in grids], 1)


# Tensor.repeat is a method only, as in PyTorch (ember/methods.py binds it)
__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_") and name != "repeat"]
