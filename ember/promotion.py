"""PyTorch's type promotion for binary ops, where it differs from NumPy's.

- Python scalars never widen a tensor: float32 + 2.5 is float32; int64 + 2.5 is the default
  float dtype (float32 unless set).
- Between tensors, a higher category (bool < integer < float) wins; within one category the
  wider dtype wins. A zero-dim tensor only counts when its category is higher than the others'.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _make

_INT64 = np.dtype(np.int64)


def result_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    if (a.ndim == 0) != (b.ndim == 0):
        zero_dt, dim_dt = (db, da) if b.ndim == 0 else (da, db)
        return zero_dt if _dt.category(zero_dt) > _dt.category(dim_dt) else dim_dt
    return _dt.promote_np(da, db)


def _scalar_dtype(tensor_dtype: np.dtype, value) -> np.dtype:
    """The dtype of `tensor <op> python_scalar`."""
    if value.__class__ is bool or isinstance(value, np.bool_):
        return tensor_dtype
    if isinstance(value, numbers.Integral):
        return _INT64 if tensor_dtype.kind == "b" else tensor_dtype
    if isinstance(value, numbers.Real):
        return tensor_dtype if _dt.is_float(tensor_dtype) else _dt.default_float.np
    raise TypeError


_constants: dict = {}


def _constant(value, dt: np.dtype) -> Tensor:
    """A 0-d constant tensor, cached: training loops use the same few scalars every step."""
    key = (value.__class__, value, dt)
    const = _constants.get(key) if value else None  # 0.0 and -0.0 are equal keys: not cached
    if const is None:
        if len(_constants) > 4096:
            _constants.clear()
        arr = np.array(value, dtype=dt)
        arr.flags.writeable = False
        const = _constants[key] = _make(arr, None)
    return const


def _as_dtype(t: Tensor, dt: np.dtype) -> Tensor:
    return t if t._data.dtype == dt else t.type(dt)


def binary_operands(a, b, true_division: bool = False) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype; either may be a Python scalar or an array."""
    a_is_t, b_is_t = a.__class__ is Tensor or isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_t and b_is_t:
        if a._data.dtype is not b._data.dtype:
            dt = result_dtype(a._data, b._data)
            a, b = _as_dtype(a, dt), _as_dtype(b, dt)
    elif a_is_t or b_is_t:
        t, other = (a, b) if a_is_t else (b, a)
        if isinstance(other, np.ndarray):
            other = _make(other, None)
            return binary_operands(a if a_is_t else other, other if a_is_t else b, true_division)
        try:
            cls, own = other.__class__, t._data.dtype
            if cls is float and own.kind == "f" or cls is int and own.kind != "b":
                dt = own  # the common cases, without the numbers ABCs
            else:
                dt = _scalar_dtype(own, other)
        except TypeError:
            raise TypeError(f"unsupported operand type(s) for a Tensor op: "
                            f"'{type(a).__name__}' and '{type(b).__name__}'") from None
        t = _as_dtype(t, dt)
        const = _constant(other, dt)
        a, b = (t, const) if a_is_t else (const, t)
    else:
        raise TypeError(f"expected a Tensor operand, got '{type(a).__name__}' and "
                        f"'{type(b).__name__}'")
    if true_division and not _dt.is_float(a._data.dtype):
        a, b = a.type(_dt.default_float), b.type(_dt.default_float)
    return a, b


def cast_all(tensors) -> list[Tensor]:
    """Tensors promoted to one common dtype (for cat and stack)."""
    tensors = list(tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a sequence of Tensors, got an element of type "
                            f"'{type(t).__name__}'")
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            dt = result_dtype(np.empty((1,), dt), t._data)
    return [_as_dtype(t, dt) for t in tensors]
