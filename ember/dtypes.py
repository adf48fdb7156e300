"""ember's dtypes: thin named wrappers over NumPy dtypes, with PyTorch's promotion rules.

`bfloat16` is NumPy's bfloat16 from ml_dtypes (the extension kept by the JAX project), an
optional extra (`pip install 'ember[bfloat16]'`): it is loaded on first use, and naming it
without ml_dtypes installed raises an ImportError that says so.
"""

from __future__ import annotations

import builtins

import numpy as np

from .unsupported import complex_message


def is_float(np_dtype: np.dtype) -> builtins.bool:
    """Whether a NumPy dtype is a floating-point one, ml_dtypes' bfloat16 (kind 'V') included."""
    return np_dtype.kind == "f" or np_dtype.name == "bfloat16"


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor's element type. `legacy_name` is its tensor type's name ('FloatTensor'), which
    `t.type()` returns and `t.type('ember.LongTensor')` reads."""

    __slots__ = ("name", "np", "legacy_name", "is_floating_point", "itemsize", "is_signed")

    def __init__(self, name: str, np_dtype: type, legacy_name: str) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.legacy_name = legacy_name
        self.is_floating_point = is_float(self.np)
        self.itemsize = self.np.itemsize
        self.is_signed = self.np.kind != "u" and self.np.kind != "b"

    @property
    def is_complex(self) -> builtins.bool:
        """False: ember has no complex dtypes."""
        return False

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):  # dtypes are singletons
        return (to_dtype, (self.name,))


float16 = half = dtype("float16", np.float16, "HalfTensor")
float32 = float = dtype("float32", np.float32, "FloatTensor")
float64 = double = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = short = dtype("int16", np.int16, "ShortTensor")
int32 = int = dtype("int32", np.int32, "IntTensor")
int64 = long = dtype("int64", np.int64, "LongTensor")
bool = dtype("bool", np.bool_, "BoolTensor")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NP = {d.np: d for d in ALL}
# names and legacy tensor-type names ('LongTensor'), for t.type('ember.LongTensor')
_BY_NAME = {**{d.name: d for d in ALL}, **{d.legacy_name: d for d in ALL}}

default_float = float32


# ---- PyTorch's promotion between dtypes ---------------------------------------------------
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(np_dtype: np.dtype) -> builtins.int:
    """bool 0 < integer 1 < float 2: a higher category wins a promotion."""
    return 2 if is_float(np_dtype) else _CATEGORY[np_dtype.kind]


def _promote_floats(da: np.dtype, db: np.dtype) -> np.dtype:
    """The wider of two float dtypes; bfloat16 with float16 is float32, as in PyTorch (NumPy has
    no common type for them)."""
    if da.name == "bfloat16" or db.name == "bfloat16":
        wider = max(da, db, key=lambda d: d.itemsize)
        return wider if wider.itemsize > 2 else float32.np
    return np.promote_types(da, db)


def promote_np(da: np.dtype, db: np.dtype) -> np.dtype:
    """PyTorch's promote_types on NumPy dtypes: the higher category wins (int64 with float16 is
    float16); within a category, the type that holds both."""
    if da == db:
        return da
    ca, cb = category(da), category(db)
    if ca == cb:
        return _promote_floats(da, db) if ca == 2 else np.promote_types(da, db)
    return da if ca > cb else db


def promote_types(type1, type2) -> dtype:
    """torch.promote_types: the dtype that an op on tensors of `type1` and `type2` returns."""
    return from_numpy_dtype(promote_np(to_np(type1), to_np(type2)))


# ---- the default dtype ----------------------------------------------------------------------
def get_default_dtype() -> dtype:
    """The dtype of Python floats in factories and `ember.tensor` (float32 unless set)."""
    return default_float


def set_default_dtype(d) -> None:
    """Make `d` (a floating-point dtype) the default: factories, `ember.tensor` of Python floats,
    and integer tensors mixed with Python floats then give it, as in PyTorch."""
    global default_float
    if d.__class__ is not dtype or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    default_float = d


_BFLOAT16_MISSING = (
    "ember.bfloat16 needs the ml_dtypes package, an optional extra of ember: "
    "pip install 'ember[bfloat16]' (or pip install ml_dtypes)")


def _load_bfloat16() -> dtype:
    global bfloat16
    if "bfloat16" in _BY_NAME:
        return _BY_NAME["bfloat16"]
    try:
        import ml_dtypes
    except ImportError:
        raise ModuleNotFoundError(_BFLOAT16_MISSING, name="ml_dtypes") from None
    bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, "BFloat16Tensor")
    _BY_NP[bfloat16.np] = _BY_NAME["bfloat16"] = _BY_NAME["BFloat16Tensor"] = bfloat16
    return bfloat16


def __getattr__(name: str):
    if name == "bfloat16":
        return _load_bfloat16()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        if np_dtype.name == "bfloat16":  # ml_dtypes is loaded: its arrays exist
            return _load_bfloat16()
        if np_dtype.kind == "c":
            raise NotImplementedError(complex_message(f"NumPy dtype {np_dtype}")) from None
        raise TypeError(f"ember has no dtype for NumPy dtype {np_dtype}") from None


def to_np(d) -> np.dtype:
    """Any dtype spelling (ember dtype, NumPy dtype, Python type, name, legacy tensor type such
    as ember.LongTensor) to a NumPy dtype."""
    if d.__class__ is dtype:
        return d.np
    legacy = getattr(d, "dtype", None)  # ember.FloatTensor and its kin carry their dtype
    if legacy.__class__ is dtype:
        return legacy.np
    if d is builtins.float:
        return float64.np  # as in PyTorch, whatever the default dtype
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
        name = d.removeprefix("ember.").removeprefix("torch.")
        if name in ("bfloat16", "BFloat16Tensor"):
            return _load_bfloat16()
        try:
            return _BY_NAME[name]
        except KeyError:
            raise TypeError(f"unknown dtype {d!r}") from None
    return from_numpy_dtype(to_np(d))
