"""Sorting and selecting: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, and the
counting functions unique, unique_consecutive, bincount, histc, searchsorted and bucketize.

The values these pick are gathered from the input (ops.Gather), so their gradient flows to the
elements that were picked, as PyTorch's; indices and counts are int64 and carry no gradient.
Sorting is stable (ties keep their order); NaN sorts above every number, as in PyTorch. A 0-d
tensor is sorted, and so on, along its dim 0 or -1, as a line of one element.
"""

from __future__ import annotations

import collections
import numbers

import numpy as np

from . import ops
from ._args import _wrap_dim, tensor_input
from ._out import write_out
from .tensor import Tensor, _make

_RETURN_TYPES = {}


def _values_indices(op: str):
    """PyTorch's named tuple (values, indices) of op (torch.return_types.sort and so on)."""
    if op not in _RETURN_TYPES:
        _RETURN_TYPES[op] = collections.namedtuple(op, ["values", "indices"])
    return _RETURN_TYPES[op]


def _index_tensor(a: np.ndarray) -> Tensor:
    return _make(np.asarray(a, dtype=np.int64), None)


def _line_dim(op: str, input: Tensor, dim: int) -> tuple:
    """(input as lines along dim, dim): a 0-d tensor becomes one line of one element."""
    tensor_input(op, input)
    axis = _wrap_dim(dim, input._data.ndim)
    return (input.reshape(1) if input._data.ndim == 0 else input), axis


def _nonempty(op: str, line: Tensor, axis: int) -> None:
    if line._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")


def _picked(op: str, input: Tensor, line: Tensor, axis: int, index: np.ndarray, keepdim: bool):
    """(values, indices) at `index` (kept dims) along axis: values gathered (differentiable),
    dims squeezed unless keepdim, the shape of a 0-d input restored."""
    values = ops.Gather.apply(line, index=index, axis=axis)
    indices = _index_tensor(index)
    if input._data.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    elif not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return _values_indices(op)(values, indices)


def stable_order(a: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    """The permutation that sorts a along axis, stably (equal elements keep their order), NaN
    last ascending and first descending, as PyTorch's stable sort."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # Sorting the reversed line ascending puts equal elements in reverse order; reversing the
    # result restores their order and makes it descending.
    n = a.shape[axis]
    return np.flip(n - 1 - np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    """(values, indices) of input sorted along dim. Always stable in ember (PyTorch's default,
    stable=False, allows any order of equal elements). Shape: both like input."""
    line, axis = _line_dim("sort", input, dim)
    order = stable_order(line._data, axis, descending)
    result = _picked("sort", input, line, axis, order, keepdim=True)
    return write_out("sort", result, out)


def argsort(input, dim=-1, descending=False, *, stable=False, out=None) -> Tensor:
    """The int64 indices that sort input along dim (always stably: equal elements keep their
    order). Shape: input's."""
    line, axis = _line_dim("argsort", input, dim)
    order = stable_order(line._data, axis, descending)
    return write_out("argsort", _index_tensor(order.reshape(input._data.shape)), out,
                     inputs=(input,))


def msort(input, *, out=None) -> Tensor:
    """input sorted along dim 0."""
    return write_out("msort", sort(input, 0).values, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along dim, largest first (or
    smallest first). Shape: input's, with k along dim. Errors: RuntimeError when k exceeds the
    dim's size; bool input, as PyTorch on the CPU."""
    line, axis = _line_dim("topk", input, dim)
    n = line._data.shape[axis]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, size {n} of dim "
                           f"{dim} of a tensor of shape {tuple(input._data.shape)})")
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    order = stable_order(line._data, axis, descending=largest)
    first_k = np.take(order, np.arange(k), axis=axis)
    return write_out("topk", _picked("topk", input, line, axis, first_k, keepdim=True), out)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """(values, indices) of the k-th smallest element (k from 1) along dim."""
    line, axis = _line_dim("kthvalue", input, dim)
    _nonempty("kthvalue", line, axis)
    n = line._data.shape[axis]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis} "
                           f"(k={k}, size {n})")
    kth = np.take(stable_order(line._data, axis), [k - 1], axis=axis)
    return write_out("kthvalue", _picked("kthvalue", input, line, axis, kth, keepdim), out)


def _median_positions(a: np.ndarray, order: np.ndarray, axis: int, ignore_nan: bool):
    """Where in the sorted lines the (lower) median lies: among the non-NaN elements for
    nanmedian; at the first NaN, when there is one, for median (NaN propagates)."""
    n = a.shape[axis]
    numbers = np.sum(~np.isnan(a), axis=axis, keepdims=True) if a.dtype.kind == "f" else (
        np.full(a.shape[:axis] + (1,) + a.shape[axis + 1:], n))
    if ignore_nan:
        return np.maximum(numbers - 1, 0) // 2
    return np.where(numbers < n, numbers, (n - 1) // 2)


def _median(op: str, input, dim, keepdim, out, ignore_nan: bool):
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"{op}(): not implemented for bool tensors (as in PyTorch)")
    if dim is None:
        if out is not None:
            raise TypeError(f"{op}() without dim takes no 'out' argument")
        flat = input._data.reshape(-1)
        if flat.size == 0:
            value = np.nan
        else:
            order = stable_order(flat, 0)
            value = flat[order[_median_positions(flat, order, 0, ignore_nan)[0]]]
        return ops.TiedPick.apply(input, value=value)
    line, axis = _line_dim(op, input, dim)
    if line._data.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
    order = stable_order(line._data, axis)
    positions = _median_positions(line._data, order, axis, ignore_nan)
    index = np.take_along_axis(order, positions, axis=axis)
    return write_out(op, _picked(op, input, line, axis, index, keepdim), out)


def median(input, dim=None, keepdim=False, *, out=None):
    """Without dim: the lower median of all elements (NaN if any is NaN), a 0-d tensor whose
    gradient is shared by the elements equal to it. With dim: (values, indices) along dim, the
    gradient going to the index picked."""
    return _median("median", input, dim, keepdim, out, ignore_nan=False)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median ignoring NaN (NaN only where a line is all NaN)."""
    return _median("nanmedian", input, dim, keepdim, out, ignore_nan=True)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """(values, indices): the most frequent value along dim (the smallest of equally frequent
    ones) and the index of its last occurrence, as PyTorch's."""
    line, axis = _line_dim("mode", input, dim)
    _nonempty("mode", line, axis)
    a = np.moveaxis(line._data, axis, -1)
    rows = a.reshape(-1, a.shape[-1])
    order = stable_order(rows, 1)
    ordered = np.take_along_axis(rows, order, axis=1)
    n = rows.shape[1]
    positions = np.broadcast_to(np.arange(n), rows.shape)
    changes = ordered[:, 1:] != ordered[:, :-1]
    edge = np.ones((rows.shape[0], 1), dtype=bool)
    run_start = np.maximum.accumulate(np.where(np.hstack([edge, changes]), positions, 0), axis=1)
    is_end = np.hstack([changes, edge])
    run_end = np.flip(np.minimum.accumulate(np.flip(np.where(is_end, positions, n - 1), 1),
                                            axis=1), 1)
    longest = np.argmax(run_end - run_start, axis=1)  # the first longest run: smallest value
    last = run_end[np.arange(rows.shape[0]), longest]
    index = order[np.arange(rows.shape[0]), last].reshape(a.shape[:-1] + (1,))
    index = np.moveaxis(index, -1, axis)
    return write_out("mode", _picked("mode", input, line, axis, index, keepdim), out)


# ---- counting (no gradient) ----------------------------------------------------------------
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (or slices along dim), in ascending order; with return_inverse the
    int64 index of each input element's value in them (input's shape, or (size of dim,)); with
    return_counts how often each occurs. NaNs are all distinct, as in PyTorch."""
    a = input._data
    if dim is None:
        values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(a.shape)
    else:
        axis = _wrap_dim(dim, a.ndim)
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                            axis=axis, equal_nan=False)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_result(values, inverse, counts, return_inverse: bool, return_counts: bool):
    out = _make(values, None)
    if not return_inverse and not return_counts:
        return out
    extra = ((_index_tensor(inverse),) if return_inverse else ()) + (
        (_index_tensor(counts),) if return_counts else ())
    return (out, *extra)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal consecutive elements (or slices along dim) collapsed to one."""
    a = input._data
    axis = 0 if dim is None else _wrap_dim(dim, a.ndim)
    lines = a.reshape(-1) if dim is None else np.moveaxis(a, axis, 0)
    n = lines.shape[0]
    differs = (lines[1:] != lines[:-1]).reshape(max(n - 1, 0), -1).any(axis=1)
    starts = np.flatnonzero(np.concatenate([[n > 0], differs]))
    values = lines[starts] if dim is None else np.moveaxis(lines[starts], 0, axis)
    inverse = np.cumsum(np.concatenate([[0], differs])) if n else np.zeros(0, np.int64)
    counts = np.diff(np.append(starts, n))
    return _unique_result(values, inverse.reshape(a.shape) if dim is None else inverse, counts,
                          return_inverse, return_counts)


def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None) -> Tensor:
    """Whether each element of `elements` equals one of `test_elements` (either may be a
    number, not both); with invert, whether it equals none. NaN equals nothing.
    Shape: elements'; dtype bool. Errors: TypeError for two numbers or a list, RuntimeError for
    bool tensors (as PyTorch)."""
    values = []
    for name, value in (("elements", elements), ("test_elements", test_elements)):
        if isinstance(value, Tensor):
            if value._data.dtype == np.bool_:
                raise RuntimeError("Unsupported input type encountered for isin(): Bool")
            values.append(value._data)
        elif isinstance(value, numbers.Number):
            values.append(np.asarray(value))
        else:
            raise TypeError(f"isin(): argument '{name}' must be Tensor or a number, not "
                            f"{type(value).__name__}")
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): elements and test_elements can't both be numbers")
    found = np.isin(values[0], values[1], assume_unique=assume_unique, invert=invert)
    return write_out("isin", _make(np.asarray(found), None), out)


def bincount(input, weights=None, minlength=0) -> Tensor:
    """How often each value 0..max occurs in a 1-D tensor of non-negative integers (at least
    minlength bins); with weights, their sums. Dtype: int64; with weights, theirs when float
    (float64 for integer weights)."""
    a = input._data
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount(): not implemented for {input.dtype} input (as in "
                                  "PyTorch: integers only)")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _make(np.bincount(a, minlength=minlength).astype(np.int64), None)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return _make(np.bincount(a, w, minlength=minlength).astype(dtype), None)


def histc(input, bins=100, min=0, max=0, *, out=None) -> Tensor:  # noqa: A002
    """A histogram of all elements in `bins` equal bins over [min, max] (the data's range when
    min == max); elements outside are ignored. Shape: (bins,), input's float dtype."""
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histc(): not implemented for {input.dtype} input (as in "
                                  "PyTorch: floating point only)")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    counts, _ = np.histogram(a[~np.isnan(a)], bins=bins, range=(lo, hi))
    return write_out("histc", _make(counts.astype(a.dtype), None), out)


def _sorter(sorter, seq: np.ndarray) -> np.ndarray:
    """searchsorted's sorter: int64 indices into each sequence, of its shape."""
    order = tensor_input("searchsorted", sorter, "sorter")._data
    if order.dtype != np.int64:
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got "
                           f"dtype {sorter.dtype}")
    if order.shape != seq.shape:
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, "
                           f"but got boundary tensor {list(seq.shape)} and got sorter tensor "
                           f"{list(order.shape)}")
    if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")
    return order


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, out=None,
                 sorter=None) -> Tensor:
    """For each value, the index where it would be inserted into sorted_sequence to keep it
    sorted (after equal elements with right=True or side='right'). sorted_sequence is 1-D, or
    has the leading dims of values (one sequence per line). Dtype: int64, or int32."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(values, Tensor)
    v = np.asarray(values) if scalar else values._data
    if sorter is not None:
        seq = np.take_along_axis(seq, _sorter(sorter, seq), axis=-1)
    how = "right" if right else "left"
    if seq.ndim <= 1:
        found = np.searchsorted(seq, v, side=how)
    elif not scalar and seq.shape[:-1] == v.shape[:-1]:
        found = np.stack([np.searchsorted(s, x, side=how) for s, x in zip(
            seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1]))]).reshape(v.shape)
    else:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor {list(seq.shape)} and "
                           f"input value tensor {list(v.shape)}")
    result = _make(np.asarray(found, dtype=np.int32 if out_int32 else np.int64), None)
    return write_out("searchsorted", result, out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None) -> Tensor:
    """The index of the bucket of each element: boundaries[i-1] < x <= boundaries[i] (or
    boundaries[i-1] <= x < boundaries[i] with right=True). boundaries: 1-D and sorted."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return write_out("bucketize", searchsorted(boundaries, input, out_int32=out_int32,
                                               right=right), out)


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_") and name != "stable_order"]
