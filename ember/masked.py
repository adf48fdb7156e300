"""The masked ops: masked_fill, masked_select and masked_scatter, with a bool mask broadcast
against the input; and `fill_value`, how PyTorch turns a fill value (a number or a 0-d tensor)
into the input's dtype, shared with index_fill.

Each is differentiable as PyTorch's: the gradient flows to the elements of the input that are
kept, and to the value or source elements written. The in-place forms (masked_fill_,
masked_scatter_) are bound in ember/methods.py through ember.inplace.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import dtypes as _dt
from . import ops
from ._args import tensor_input
from ._out import write_out
from .promotion import _constant
from .shapes import expand, reshape
from .tensor import Tensor
from .type_info import finfo, iinfo


def _fits(value, np_dtype: np.dtype) -> bool:
    """Whether PyTorch converts the number `value` to np_dtype without an overflow error:
    floats take any finite value up to their max, and inf and NaN; integers a finite value in
    their range (an unsigned one also its negation, which wraps around)."""
    if np_dtype == np.bool_:
        return True
    dtype = _dt.from_numpy_dtype(np_dtype)
    if dtype.is_floating_point:
        return not np.isfinite(value) or abs(value) <= finfo(dtype).max
    if not np.isfinite(value):
        return False
    info = iinfo(dtype)
    low = -info.max if info.min == 0 else info.min
    return low <= value <= info.max


def fill_value(op: str, value, like: Tensor) -> Tensor:
    """value, a number or a 0-d tensor, as a 0-d tensor of like's dtype. A tensor is cast
    (differentiably: it gets the gradient of the elements it fills); a number is converted as
    PyTorch converts one, truncating toward zero into integer dtypes, and raises PyTorch's
    RuntimeError when the dtype cannot hold it."""
    np_dtype = tensor_input(op, like)._data.dtype
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        return value if value._data.dtype == np_dtype else value.to(like.dtype)
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): argument 'value' must be a number or a 0-d Tensor, not "
                        f"{type(value).__name__}")
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 2**64:
        raise OverflowError("int too big to convert")
    if not _fits(value, np_dtype):
        raise RuntimeError(f"{op}: value {value} cannot be converted to type {like.dtype} "
                           "without overflow")
    if np_dtype.kind in "iu":
        value = int(value) % 2 ** (8 * np_dtype.itemsize) if np_dtype.kind == "u" else int(value)
    return _constant(value, np_dtype)


def _bool_mask(op: str, mask, message: str = "expected BoolTensor for mask") -> np.ndarray:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op}: {message}")
    return mask._data


def _broadcast(op: str, input: Tensor, mask: np.ndarray) -> tuple:
    tensor_input(op, input)
    try:
        shape = np.broadcast_shapes(input._data.shape, mask.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the mask of shape {list(mask.shape)} cannot be broadcast "
                           f"with the input of shape {list(input._data.shape)}") from None
    return expand(input, shape), np.broadcast_to(mask, shape)


def masked_fill(input, mask, value) -> Tensor:
    """input with value (a number or a 0-d tensor, converted to input's dtype) where mask is
    True.

    Shape: input and mask (bool) broadcast together. The gradient flows to input where mask
    is False and, for a tensor value, to value (summed over the filled elements).
    Errors: RuntimeError for a non-bool mask, a value tensor that is not 0-d, or a number
    input's dtype cannot hold (1000 into int8, 1e40 into float32).
    """
    condition = _bool_mask("masked_fill_", mask, "only supports boolean masks, but got mask "
                           f"with dtype {getattr(mask, 'dtype', None)}")
    fill = fill_value("masked_fill_", value, input)
    return ops.MaskedFill.apply(fill, input, condition=condition)


def masked_select(input, mask, *, out=None) -> Tensor:
    """The elements of input where mask (bool, broadcast with input) is True, as a 1-D tensor."""
    line, mask = _broadcast("masked_select", input, _bool_mask("masked_select", mask))
    return write_out("masked_select", ops.Getitem.apply(line, index=mask), out)


def masked_scatter(input, mask, source) -> Tensor:
    """input with the first elements of source, in order, written where mask is True."""
    line, mask = _broadcast("masked_scatter", input, _bool_mask("masked_scatter", mask))
    count = int(mask.sum())
    if tensor_input("masked_scatter", source, "source")._data.size < count:
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({source._data.size} < {count})")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {input.dtype} and {source.dtype}")
    values = reshape(source, -1)[:count]
    return ops.IndexPut.apply(line, values, index=mask)


__all__ = ["masked_fill", "masked_select", "masked_scatter"]
