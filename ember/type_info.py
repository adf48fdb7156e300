"""finfo and iinfo (the limits of a dtype), and the ember.* queries on a tensor's type:
is_floating_point, numel. Fields, reprs and errors are PyTorch's."""

from __future__ import annotations

import builtins
import math

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["finfo", "iinfo", "is_floating_point", "numel"]


def _dtype_arg(fn: str, value) -> _dt.dtype:
    if value.__class__ is _dt.dtype:
        return value
    if value in (builtins.float, builtins.int, builtins.bool):
        return _dt.to_dtype(value)
    raise TypeError(f"{fn}(): argument 'type' (position 1) must be ember.dtype, not "
                    f"{type(value).__name__}")


def _g(value) -> str:
    return f"{value:g}"


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating-point dtype (the default dtype when none is given).

    Fields: bits, eps (the gap between 1.0 and the next number), max, min, tiny and
    smallest_normal (the smallest positive normal number), resolution (10**-precision),
    dtype (its name, a str). A non-float dtype raises TypeError.
    """

    def __init__(self, type=None) -> None:  # noqa: A002 - PyTorch's name
        d = _dt.get_default_dtype() if type is None else _dtype_arg("finfo", type)
        if not d.is_floating_point:
            raise TypeError("ember.finfo() requires a floating point input type. Use "
                            f"ember.iinfo to handle {d!r}")
        if d.name == "bfloat16":
            import ml_dtypes

            info = ml_dtypes.finfo(d.np)
        else:
            info = np.finfo(d.np)
        self.bits = d.itemsize * 8
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
                f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, "
                f"tiny={_g(self.tiny)}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype: bits, min, max, dtype (its name, a str). Float dtypes and
    bool raise TypeError."""

    def __init__(self, type) -> None:  # noqa: A002 - PyTorch's name
        d = _dtype_arg("iinfo", type)
        if d.is_floating_point:
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to "
                            f"handle {d!r}")
        if d.np.kind == "b":
            raise TypeError(f"{d!r} is not supported by ember.iinfo")
        info = np.iinfo(d.np)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), d.name

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"


def _tensor_arg(fn: str, input) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    """Whether `input`'s dtype is a floating-point one (float16, bfloat16, float32, float64)."""
    return _dt.is_float(_tensor_arg("is_floating_point", input)._data.dtype)


def numel(input: Tensor) -> int:
    """The number of elements of `input`."""
    return _tensor_arg("numel", input)._data.size
