"""PyTorch's legacy constructors, read exactly as PyTorch reads them: `ember.Tensor(3, 4)` (an
uninitialised 3x4 tensor of the default dtype), `Tensor([1, 2])` (data), `Tensor(size)`; the
typed classes `FloatTensor`, `LongTensor`, ... (constructors, and `isinstance` checks on the
dtype); and the Tensor methods `new`, `new_tensor`, `new_empty`, `new_zeros`, `new_ones` and
`new_full`.

As in PyTorch, `Tensor(ndarray)` shares the memory of an array of the default dtype and converts
any other (ember's own code wraps arrays with `tensor._make`).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import dtypes as _dt
from ._convert import _to_array
from .creation import _size, tensor
from .devices import check_available
from .devices import device as _device
from .tensor import Size, Tensor, _make

__all__ = [
    "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
]


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def legacy_array(method: str, np_dtype: np.dtype, args: tuple, kwargs: dict,
                 alias_any_tensor: bool = False) -> np.ndarray:
    """The array of a legacy constructor call `method(*args, **kwargs)` for `np_dtype`:

        ()                      an empty 1-d array
        (3, 4) or (Size)        an uninitialised array of that shape
        (sequence or ndarray)   the data, converted to np_dtype
        (tensor)                its array (shared); of np_dtype unless `alias_any_tensor`

    `size=` and `data=` may name the argument; `device=` must be the CPU.
    """
    device = kwargs.pop("device", None)
    if device is not None and _device(device).type != "cpu":
        raise RuntimeError(f"{method}(): legacy constructors make CPU tensors, and ember runs on "
                           f"the CPU only; got device '{device}'")
    if "size" in kwargs or "data" in kwargs:
        if args or len(kwargs) > 1:
            _invalid(method, args, kwargs)
        size = kwargs.pop("size", None)
        args = (Size(size),) if size is not None else (kwargs.pop("data"),)
    if kwargs:
        _invalid(method, args, kwargs)
    if not args:
        return np.empty((0,), np_dtype)
    if all(_is_int(a) for a in args) or len(args) == 1 and isinstance(args[0], Size):
        shape = _size(args)
        negative = [d for d in shape if d < 0]
        if negative:
            raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: "
                               f"{list(shape)}")
        return np.empty(shape, np_dtype)
    if len(args) > 1:
        bad = next(a for a in args if not _is_int(a))
        raise TypeError(f"{method}(): argument 'size' must be a tuple of ints, but got "
                        f"{type(bad).__name__}")
    data = args[0]
    if isinstance(data, Tensor):
        if not alias_any_tensor and data._data.dtype != np_dtype:
            raise TypeError(f"{method}(): expected a tensor of dtype "
                            f"{_dt.from_numpy_dtype(np_dtype)}, got {data.dtype}")
        return data._data
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"{method}(): data must be a sequence (got {type(data).__name__})")
    return _to_array(data, np_dtype)


def _invalid(method: str, args: tuple, kwargs: dict):
    got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}"
                                                         for k, v in kwargs.items()])
    raise TypeError(f"{method}() received an invalid combination of arguments - got ({got}); "
                    "expected (*sizes), (size), (data) or (tensor), and device=")


# ---- FloatTensor, LongTensor, ...: constructors, and isinstance checks on the dtype ------------
class _TensorType(type):
    """The metaclass of the legacy typed classes: calling one builds an ember.Tensor of its dtype;
    `isinstance(t, FloatTensor)` asks whether t is a float32 tensor, as in PyTorch."""

    def __call__(cls, *args, **kwargs) -> Tensor:
        return _make(legacy_array(cls.__name__, cls.dtype.np, args, kwargs), None)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __repr__(cls) -> str:
        return f"<class 'ember.{cls.__name__}'>"

    @property
    def dtype(cls) -> _dt.dtype:
        return _dt.to_dtype(cls._dtype_name)  # bfloat16 is loaded on first use


def _typed(name: str, dtype_name: str) -> _TensorType:
    doc = (f"PyTorch's legacy {name}: calling it builds an ember.Tensor of dtype {dtype_name} "
           f"({name}(*sizes) uninitialised, {name}(data) from a sequence); isinstance(t, "
           f"{name}) is True for a {dtype_name} tensor. Raises TypeError for other arguments.")
    return _TensorType(name, (), {"__module__": "ember", "_dtype_name": dtype_name,
                                  "__doc__": doc})


FloatTensor = _typed("FloatTensor", "float32")
DoubleTensor = _typed("DoubleTensor", "float64")
HalfTensor = _typed("HalfTensor", "float16")
BFloat16Tensor = _typed("BFloat16Tensor", "bfloat16")
ByteTensor = _typed("ByteTensor", "uint8")
CharTensor = _typed("CharTensor", "int8")
ShortTensor = _typed("ShortTensor", "int16")
IntTensor = _typed("IntTensor", "int32")
LongTensor = _typed("LongTensor", "int64")
BoolTensor = _typed("BoolTensor", "bool")

# ---- Tensor.new and the new_* family -------------------------------------------------------
def _new(self: Tensor, *args, **kwargs) -> Tensor:
    """Tensor.new: a legacy constructor call for `self`'s dtype."""
    return _make(legacy_array("new", self._data.dtype, args, kwargs), None)


def _sizes(size: tuple, kwargs: dict, method: str) -> tuple:
    if "size" in kwargs:
        if size:
            raise TypeError(f"{method}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    return _size(size)


def _new_like(self: Tensor, method: str, size: tuple, kwargs: dict, fill) -> Tensor:
    shape = _sizes(size, kwargs, method)
    dtype = kwargs.pop("dtype", None)
    check_available(kwargs.pop("device", None))
    requires_grad = kwargs.pop("requires_grad", False)
    kwargs.pop("layout", None)
    kwargs.pop("pin_memory", None)
    if kwargs:
        raise TypeError(f"{method}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    np_dtype = self._data.dtype if dtype is None else _dt.to_np(dtype)
    array = np.empty(shape, np_dtype) if fill is None else np.full(shape, fill, np_dtype)
    return _make(array, None).requires_grad_(requires_grad)


def _new_empty(self: Tensor, *size, **kwargs) -> Tensor:
    """An uninitialised tensor of the given size (ints or one sequence), of self's dtype unless
    `dtype`; `requires_grad` as in ember.empty. Raises TypeError for an unknown keyword."""
    return _new_like(self, "new_empty", size, kwargs, None)


def _new_zeros(self: Tensor, *size, **kwargs) -> Tensor:
    """A tensor of zeros of the given size (ints or one sequence), of self's dtype unless
    `dtype`."""
    return _new_like(self, "new_zeros", size, kwargs, 0)


def _new_ones(self: Tensor, *size, **kwargs) -> Tensor:
    """A tensor of ones of the given size (ints or one sequence), of self's dtype unless `dtype`."""
    return _new_like(self, "new_ones", size, kwargs, 1)


def _new_full(self: Tensor, size, fill_value, **kwargs) -> Tensor:
    """A tensor of `size` (a tuple or list) filled with fill_value, of self's dtype unless
    `dtype`. Raises TypeError when size is not a tuple or list."""
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    return _new_like(self, "new_full", (tuple(size),), kwargs, fill_value)


def _new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad: bool = False):
    """A copy of `data` as a tensor of `dtype`, by default `self`'s."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


Tensor._legacy_array = staticmethod(legacy_array)  # Tensor(...) reads its arguments here
Tensor.new = _new
Tensor.new_empty = _new_empty
Tensor.new_zeros = _new_zeros
Tensor.new_ones = _new_ones
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
