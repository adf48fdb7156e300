"""Python data to NumPy arrays, with PyTorch's dtype inference (ember.tensor, Tensor(...))."""

from __future__ import annotations

import functools

import numpy as np

from . import dtypes as _dt
from .unsupported import complex_message

# The Tensor class, bound by ember.tensor at import time (tensors may be leaves of the data).
Tensor = None


def bind_tensor_class(tensor_class: type) -> None:
    global Tensor
    Tensor = tensor_class


_PYTHON_SCALARS = (float, int, bool)


def _python_scalar_dtype(cls: type) -> np.dtype:
    if cls is float:
        return _dt.default_float.np
    return np.dtype(np.bool_) if cls is bool else np.dtype(np.int64)


def _collect_dtypes(seq, dtypes: set) -> bool:
    """Add the dtype of every leaf of nested lists/tuples `seq` to `dtypes`, as PyTorch infers:
    Python floats the default dtype, ints int64, bools bool, tensors and NumPy scalars and arrays
    their own. Returns whether a leaf is a tensor (then the lists must be rebuilt for NumPy)."""
    classes = set(map(type, seq))
    if classes.issubset(_PYTHON_SCALARS):  # the common case, without a Python loop
        dtypes.update(_python_scalar_dtype(cls) for cls in classes)
        return False
    if (list in classes or tuple in classes) and any(
            issubclass(cls, (*_PYTHON_SCALARS, np.generic)) for cls in classes):
        raise TypeError("tensor(): a list mixes numbers and sequences at one level, so it has no "
                        "shape")
    has_tensor = False
    for item in seq:
        if isinstance(item, (list, tuple)):
            has_tensor = _collect_dtypes(item, dtypes) or has_tensor
        elif isinstance(item, Tensor):
            dtypes.add(item._data.dtype)
            has_tensor = True
        elif isinstance(item, (np.ndarray, np.generic)):
            dtypes.add(item.dtype)
        elif isinstance(item, _PYTHON_SCALARS):
            dtypes.add(_python_scalar_dtype(item.__class__))
        elif isinstance(item, complex):
            raise NotImplementedError(complex_message("tensor() of complex numbers"))
        else:
            raise TypeError(f"tensor(): could not infer the dtype of {type(item).__name__}")
    return has_tensor


def _untensor(item):
    """A tensor in a list as NumPy should read it: a one-element one is a number (as in PyTorch),
    a larger one its array."""
    if isinstance(item, (list, tuple)):
        return [_untensor(x) for x in item]
    if isinstance(item, Tensor):
        return item._data.item() if item._data.size == 1 else item._data
    return item


def _infer(data) -> tuple:
    """(data as NumPy can read it, the dtype PyTorch would give it): the promotion of the dtypes
    of all its leaves (a list of an int and a float64 tensor is float64)."""
    if isinstance(data, Tensor):
        return data._data, data._data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return data, data.dtype
    if isinstance(data, (list, tuple)):
        dtypes: set = set()
        if _collect_dtypes(data, dtypes):
            data = _untensor(data)
        dtypes = sorted(dtypes, key=str)  # one order, so one result
        np_dtype = functools.reduce(_dt.promote_np, dtypes) if dtypes else _dt.default_float.np
        return data, np_dtype
    if isinstance(data, _PYTHON_SCALARS):
        return data, _python_scalar_dtype(data.__class__)
    return data, None  # NumPy reads it, or says why not


def _to_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    data, inferred = _infer(data)
    if isinstance(data, np.ndarray) and data.dtype.kind == "c":
        raise NotImplementedError(complex_message(f"tensor() of a {data.dtype} array"))
    if isinstance(data, np.ndarray) and not (data.dtype.kind in "iub" or _dt.is_float(data.dtype)):
        raise TypeError(f"can't convert np.ndarray of type {data.dtype}; ember supports float, "
                        "int, uint8 and bool arrays")
    np_dtype = _dt.to_np(dtype) if dtype is not None else inferred
    try:
        arr = np.array(data, dtype=np_dtype, copy=copy or None)
    except ValueError as e:  # nested lists of unequal lengths, as PyTorch's ValueError
        raise ValueError(f"tensor(): the nested sequences must have one shape: {e}") from None
    except TypeError as e:
        raise TypeError(
            f"tensor(): could not build a tensor from {type(data).__name__}: {e}") from None
    _dt.from_numpy_dtype(arr.dtype)
    return arr
