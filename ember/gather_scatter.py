"""Gathering and scattering: gather, scatter (src and value forms, reduce=), scatter_add,
scatter_reduce, the index_* family (select, add, copy, fill, put), take, take_along_dim, put,
and nonzero/argwhere (the masked ones are in ember/masked.py).

Each is differentiable where PyTorch's is: the reading ops flow the gradient back to the elements
read (accumulating over repeated indices), the writing ops to the values written and to the
elements of the input that survive. The in-place forms (scatter_, index_add_, ...) are bound in
ember/methods.py through ember.inplace. Indices are integer tensors, checked with PyTorch's
errors: an out-of-range index never wraps around silently.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import ops
from ._args import _wrap_dim, tensor_input
from ._out import write_out
from .indexing import to_numpy_index
from .masked import fill_value
from .ops.scatter import SCATTER_REDUCTIONS, written_mask
from .shapes import expand, reshape
from .tensor import Tensor, _make


def _shape(t: Tensor) -> list:
    return list(t._data.shape)


def _integer_index(op: str, index, int64_only: bool = False,
                   error: type = RuntimeError) -> np.ndarray:
    """index's array as int64: an integer tensor (int64 only, for some ops, as in PyTorch),
    else `error`."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    dtype = index._data.dtype
    accepted = dtype == np.int64 if int64_only else dtype.kind in "iu"
    if not accepted:
        kinds = "int64" if int64_only else "int32 or int64"
        raise error(f"{op}(): Expected dtype {kinds} for index, got {index.dtype}")
    return index._data.astype(np.int64, copy=False)


def _in_range(op: str, idx: np.ndarray, size: int, dim: int, wrap: bool = False,
              error: type = RuntimeError) -> np.ndarray:
    """idx checked against a dim of `size` (negative ones wrapped when `wrap`)."""
    low = -size if wrap else 0
    bad = (idx < low) | (idx >= size)
    if bad.any():
        raise error(f"{op}(): index {idx[bad].flat[0]} is out of bounds for dimension {dim} "
                    f"with size {size}")
    return idx % size if wrap and idx.size and idx.min() < 0 else idx


def _along_dim_index(op: str, input: Tensor, dim: int, index, src: Tensor | None = None):
    """(input, axis, index array) for gather/scatter: same number of dims (a 0-d input or
    index read as one element), index no larger than input apart from dim, nor than src."""
    tensor_input(op, input)
    idx = _integer_index(op, index)
    line = input.reshape(1) if input._data.ndim == 0 else input
    axis = _wrap_dim(dim, input._data.ndim)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != line._data.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {_shape(index)}, input shape "
                           f"{_shape(input)})")
    too_big = any(n > m for d, (n, m) in enumerate(zip(idx.shape, line._data.shape)) if d != axis)
    if src is not None:
        src_shape = src._data.shape if src._data.ndim else (1,)
        too_big = too_big or len(src_shape) != idx.ndim or any(
            n > m for n, m in zip(idx.shape, src_shape))
    if too_big:
        whose = "" if src is None else f" and to be no larger size than src {_shape(src)}"
        raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self "
                           f"{_shape(input)} apart from dimension {axis}{whose}")
    return line, axis, _in_range(op, idx, line._data.shape[axis], axis)


def _cut_to(src: Tensor, shape: tuple) -> Tensor:
    """The leading part of src in `shape` (the part a scatter reads): a view."""
    src = src.reshape(1) if src._data.ndim == 0 else src
    if src._data.shape == shape:
        return src
    return src[tuple(slice(n) for n in shape)]


def _restore(result: Tensor, input: Tensor) -> Tensor:
    return result.reshape(()) if input._data.ndim == 0 else result


def gather(input, dim, index, *, sparse_grad=False, out=None) -> Tensor:
    """input's elements along dim at `index`: out[i][j] = input[index[i][j]][j] for dim 0.
    Shape: index's (no larger than input apart from dim). Errors: RuntimeError for an index
    out of range or of the wrong shape."""
    line, axis, idx = _along_dim_index("gather", input, dim, index)
    result = ops.Gather.apply(line, index=idx, axis=axis)
    return write_out("gather", result.reshape(index._data.shape), out)


def _same_dtype(op: str, input: Tensor, src: Tensor) -> None:
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got "
                           f"{input.dtype} and {src.dtype})")


_SCATTER_REDUCE_NAMES = {"add": "sum", "multiply": "prod"}


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None) -> Tensor:
    """input with src (a tensor) or value (a number) written along dim at `index`:
    out[index[i][j]][j] = src[i][j] for dim 0. reduce='add' or 'multiply' combines instead of
    overwriting (not differentiable, as in PyTorch). Shape: input's."""
    if src is None and value is None:
        raise TypeError("scatter() missing the 'src' or 'value' argument")
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if reduce is not None and reduce not in _SCATTER_REDUCE_NAMES:
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    line, axis, idx = _along_dim_index("scatter", input, dim, index, src)
    if src is None:
        if isinstance(value, Tensor):
            value = value.item() if value._data.ndim == 0 else value
        constant = fill_value("scatter", value, line)
        if reduce is None:
            mask = written_mask(line._data.shape, idx, axis)
            result = ops.Where.apply(constant, line, condition=mask)
            return write_out("scatter", _restore(result, input), out)
        src = _make(np.full(idx.shape, constant._data), None)
    else:
        _same_dtype("scatter", input, src)
        src = _cut_to(src, idx.shape)
        if reduce is None:
            result = ops.Scatter.apply(line, src, index=idx, axis=axis)
            return write_out("scatter", _restore(result, input), out)
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning, stacklevel=2)
    result = ops.ScatterReduce.apply(line, src, index=idx, axis=axis,
                                     reduce=_SCATTER_REDUCE_NAMES[reduce], differentiable=False)
    return write_out("scatter", _restore(result, input), out)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None) -> Tensor:
    """input with src reduced into it along dim at `index`: reduce is 'sum', 'prod', 'mean',
    'amax' or 'amin'; include_self=False leaves input's own values out where something is
    written. Integer 'mean' rounds down. Shape: input's."""
    if reduce not in SCATTER_REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, "
                           f"amax or amin, got {reduce}")
    line, axis, idx = _along_dim_index("scatter_reduce", input, dim, index, src)
    _same_dtype("scatter_reduce", input, src)
    result = ops.ScatterReduce.apply(line, _cut_to(src, idx.shape), index=idx, axis=axis,
                                     reduce=reduce, include_self=include_self)
    return write_out("scatter_reduce", _restore(result, input), out)


def scatter_add(input, dim, index, src, *, out=None) -> Tensor:
    """input with src added along dim at `index` (repeated indices add up)."""
    return write_out("scatter_add", scatter_reduce(input, dim, index, src, "sum"), out)


# ---- index_* : whole slices along a dim --------------------------------------------------
def _vector_index(op: str, input: Tensor, dim: int, index, int64_only: bool = False,
                  error: type = RuntimeError):
    """(input as at least 1-D, axis, index as a 1-D array) for the index_* functions."""
    tensor_input(op, input)
    idx = _integer_index(op, index, int64_only, error)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {_shape(index)}")
    line = input.reshape(1) if input._data.ndim == 0 else input
    return line, _wrap_dim(dim, input._data.ndim), idx.reshape(-1)


def _slices(axis: int, idx: np.ndarray) -> tuple:
    return (slice(None),) * axis + (idx,)


def index_select(input, dim, index, *, out=None) -> Tensor:
    """The slices of input along dim at `index` (1-D): shape input's with len(index) along
    dim. Errors: IndexError for an index out of range."""
    line, axis, idx = _vector_index("index_select", input, dim, index)
    if input._data.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    n = line._data.shape[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_select(): index out of range in self (indices from "
                         f"{idx.min()} to {idx.max()}, size {n} of dim {axis})")
    result = ops.Getitem.apply(line, index=_slices(axis, idx))
    return write_out("index_select", _restore(result, input), out)


def _check_source(op: str, line: Tensor, axis: int, idx: np.ndarray, source: Tensor,
                  error: type = RuntimeError) -> Tensor:
    """source in the shape it is written as (input's, with len(idx) along axis). `error`: the
    exception for a source of another ndim or length along axis (index_copy's is IndexError)."""
    src = source.reshape(1) if source._data.ndim == 0 else source
    shape, src_shape = line._data.shape, src._data.shape
    if len(src_shape) != len(shape):
        raise error(f"{op}(): source tensor shape must match self tensor shape, excluding the "
                    f"specified dimension. Got self.shape = {list(shape)} source.shape = "
                    f"{list(src_shape)}")
    if any(a != b for d, (a, b) in enumerate(zip(shape, src_shape)) if d != axis):
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = {list(shape)} "
                           f"source.shape = {list(src_shape)}")
    if src_shape[axis] != idx.size:
        raise error(f"{op}(): Number of indices ({idx.size}) should be equal to "
                    f"source.size(dim): ({src_shape[axis]}), for dim: {axis}")
    _same_dtype(op, line, src)
    return src


def index_add(input, dim, index, source, *, alpha=1, out=None) -> Tensor:
    """input with alpha * source's slices added along dim at `index` (repeats add up)."""
    line, axis, idx = _vector_index("index_add", input, dim, index)
    src = _check_source("index_add", line, axis, idx, source)
    idx = _in_range("index_add", idx, line._data.shape[axis], axis)
    if alpha != 1:
        src = src * alpha
    result = ops.IndexPut.apply(line, src, index=_slices(axis, idx), accumulate=True)
    return write_out("index_add", _restore(result, input), out)


def index_copy(input, dim, index, source, *, out=None) -> Tensor:
    """input with source's slices written along dim at `index` (int64)."""
    line, axis, idx = _vector_index("index_copy", input, dim, index, int64_only=True)
    src = _check_source("index_copy", line, axis, idx, source, error=IndexError)
    idx = _in_range("index_copy", idx, line._data.shape[axis], axis, error=IndexError)
    result = ops.IndexPut.apply(line, src, index=_slices(axis, idx))
    return write_out("index_copy", _restore(result, input), out)


def index_fill(input, dim, index, value) -> Tensor:
    """input with the slices along dim at `index` (int64, negatives count from the end) set
    to value, a number or a 0-d tensor (which then gets their gradient)."""
    line, axis, idx = _vector_index("index_fill", input, dim, index, int64_only=True,
                                    error=IndexError)
    idx = _in_range("index_fill", idx, line._data.shape[axis], axis, wrap=True)
    value = fill_value("index_fill_", value, line)
    mask = np.zeros(line._data.shape, dtype=bool)
    mask[_slices(axis, idx)] = True
    return _restore(ops.Where.apply(value, line, condition=mask), input)


def index_put(input, indices, values, accumulate=False) -> Tensor:
    """input with values written (or added, with accumulate) at input[indices]: indices is a
    tuple of integer or bool tensors, as in input[i, j] = values."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for k, index in enumerate(indices):
        if not isinstance(index, Tensor):
            raise TypeError(f"index_put(): expected Tensor as element {k} in argument 'indices', "
                            f"but got {type(index).__name__}")
    if tensor_input("index_put", values, "values")._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{input.dtype} for the destination and {values.dtype} for the "
                           f"source.")
    index = to_numpy_index(tuple(indices))
    return ops.IndexPut.apply(input, values, index=index, accumulate=accumulate)


def index_put_(input, indices, values, accumulate=False) -> Tensor:
    """index_put written into input, which is returned: input[indices] = values (or +=, with
    accumulate). The same as input.index_put_(indices, values, accumulate)."""
    return input.index_put_(indices, values, accumulate)


def put(input, index, source, accumulate=False) -> Tensor:
    """input with source written (or added) at the flat positions `index` (int64, negatives
    count from the end), as if input were 1-D."""
    idx = _integer_index("put", index, int64_only=True)
    n = input._data.size
    idx = _in_range("put", idx.reshape(-1), n, 0, wrap=True)
    if source._data.size != idx.size:
        raise RuntimeError(f"put(): Expected source and index to have the same number of "
                           f"elements, but got {source._data.size} and {idx.size}")
    _same_dtype("put", input, source)
    flat = ops.IndexPut.apply(reshape(input, -1), reshape(source, -1), index=idx,
                              accumulate=accumulate)
    return reshape(flat, input._data.shape)


def take(input, index, *, out=None) -> Tensor:
    """input's elements at the flat positions `index` (int64, negatives count from the end),
    as if input were 1-D. Shape: index's."""
    idx = _integer_index("take", index, int64_only=True)
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {n} "
                         f"elements.")
    result = ops.Getitem.apply(reshape(input, -1), index=np.asarray(idx % max(n, 1)))
    return write_out("take", result, out)


def take_along_dim(input, indices, dim=None, *, out=None) -> Tensor:
    """gather with input and indices broadcast against each other apart from dim (with
    dim=None, of both flattened). Negative indices count from the end."""
    if dim is None:
        return write_out("take_along_dim", gather(reshape(input, -1), 0, reshape(indices, -1)),
                         out)
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype}")
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input._data.ndim} dimensions for "
                           f"input, and {indices._data.ndim} dimensions for indices")
    axis = _wrap_dim(dim, input._data.ndim)
    line = input.reshape(1) if input._data.ndim == 0 else input
    idx = indices._data.reshape(line._data.shape if indices._data.ndim == 0 else
                                indices._data.shape)
    idx = _in_range("take_along_dim", idx.astype(np.int64), line._data.shape[axis], axis,
                    wrap=True)
    others = [s for d, s in enumerate(line._data.shape) if d != axis]
    try:
        common = list(np.broadcast_shapes(tuple(others), tuple(
            s for d, s in enumerate(idx.shape) if d != axis)))
    except ValueError:
        raise RuntimeError(f"torch.take_along_dim(): the shapes of input {_shape(input)} and "
                           f"indices {_shape(indices)} cannot be broadcast apart from dim "
                           f"{axis}") from None
    line = expand(line, tuple(common[:axis] + [line._data.shape[axis]] + common[axis:]))
    idx = np.broadcast_to(idx, tuple(common[:axis] + [idx.shape[axis]] + common[axis:]))
    result = _restore(ops.Gather.apply(line, index=idx, axis=axis), input)
    return write_out("take_along_dim", result, out)


def nonzero(input, *, out=None, as_tuple=False):
    """The int64 indices of the non-zero elements: shape (count, ndim); with as_tuple, one
    1-D tensor per dim (a 0-d input counts as 1-D)."""
    a = input._data
    if as_tuple:
        return tuple(_make(i.astype(np.int64), None) for i in np.nonzero(np.atleast_1d(a)))
    found = np.argwhere(a).astype(np.int64)
    if out is not None and out._data.dtype != np.int64:
        raise RuntimeError(f"nonzero: Expected out tensor to have scalar type Long but got "
                           f"scalar type {out.dtype}")
    return write_out("nonzero", _make(found, None), out)


def argwhere(input) -> Tensor:
    """nonzero(input): the indices of the non-zero elements, shape (count, ndim)."""
    return nonzero(input)


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
