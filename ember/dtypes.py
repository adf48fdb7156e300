"""ember's dtypes: thin named wrappers over NumPy dtypes, with PyTorch's promotion rules."""

from __future__ import annotations

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    __slots__ = ("name", "np", "is_floating_point", "itemsize")

    def __init__(self, name: str, np_dtype: type) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):  # dtypes are singletons
        return (to_dtype, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

default_float = float32


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"ember has no dtype for NumPy dtype {np_dtype}") from None


def to_np(d) -> np.dtype:
    """Any dtype spelling (ember dtype, NumPy dtype, Python type, name) to a NumPy dtype."""
    if d.__class__ is dtype:
        return d.np
    if d is builtins.float:
        return default_float.np
    if d is builtins.int:
        return int64.np
    if d is builtins.bool:
        return bool.np
    if isinstance(d, str):
        return to_dtype(d).np
    np_dtype = np.dtype(d)
    from_numpy_dtype(np_dtype)  # rejects dtypes ember does not support
    return np_dtype


def to_dtype(d) -> dtype:
    if d.__class__ is dtype:
        return d
    if isinstance(d, str):
        try:
            return _BY_NAME[d.removeprefix("ember.").removeprefix("torch.")]
        except KeyError:
            raise TypeError(f"unknown dtype {d!r}") from None
    return from_numpy_dtype(to_np(d))
