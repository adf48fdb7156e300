"""Tensor: an n-d NumPy array with autograd, and PyTorch's names for everything on it.

Math methods (t.exp(), t.sum(dim), ...) are the functions of ember.functions, bound here as
methods, so each op has one implementation.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from . import autograd, ops
from . import dtypes as _dt
from .autograd import _mode
from .devices import CPU as _CPU
from .devices import check_available, device, parse_to
from .printing import tensor_repr


class Size(tuple):
    """torch.Size: a tuple of dims."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"




def _make(data: np.ndarray, grad_fn) -> Tensor:
    """Wrap an array without checks or copies (the hot path of every op)."""
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t.grad_fn = grad_fn
    t.requires_grad = grad_fn is not None
    return t


_new = object.__new__


class Tensor:
    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators

    def __init__(self, *args, requires_grad: bool = False, **kwargs) -> None:
        """PyTorch's legacy constructor: Tensor(3, 4) is uninitialised, Tensor([1, 2]) data of
        the default dtype, Tensor(size), Tensor(tensor) an alias (see ember.legacy). A NumPy
        array is wrapped as it is."""
        if len(args) == 1 and args[0].__class__ is np.ndarray and not kwargs:
            data = args[0]
        else:
            # PyTorch's legacy forms; _legacy_array is bound by ember.legacy, which builds on
            # this module
            data = self._legacy_array("Tensor", _dt.default_float.np, args, kwargs,
                                      alias_any_tensor=True)
        self._data = data
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    _from_op = staticmethod(_make)

    # ---- properties ---------------------------------------------------------------------
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    @property
    def dtype(self) -> _dt.dtype:
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> device:
        return _CPU

    @property
    def T(self) -> Tensor:  # noqa: N802
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return self.transpose(-2, -1)

    def is_floating_point(self) -> bool:
        return _dt.is_float(self._data.dtype)

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> Tensor:
        return self if self._data.flags.c_contiguous else self.clone()

    # ---- autograd -----------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and not _dt.is_float(self._data.dtype):
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients "
                f"(this tensor is {self.dtype})")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = self

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retained is self

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        if gradient is None and self.grad_fn is not None and self._data.size == 1 and not (
                create_graph or inputs):
            # The common case, a scalar loss, skips the general argument handling.
            seed = np.ones(self._data.shape, self._data.dtype)
            autograd.run_backward((self,), (seed,), bool(retain_graph))
        else:
            autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        return _make(self._data, None)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _clone(self)

    # ---- conversion ---------------------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def to(self, *args, **kwargs) -> Tensor:
        """to(device=None, dtype=None, non_blocking=False, copy=False), to(dtype, ...) or
        to(tensor, ...), as in PyTorch; a device other than the CPU raises."""
        dtype, _, copy = parse_to("to", args, kwargs)
        if dtype is None or dtype.np == self._data.dtype:
            return self.clone() if copy else self
        return self.type(dtype)

    def type(self, dtype=None, non_blocking: bool = False):
        """The legacy type name ('ember.FloatTensor'), or a copy cast to `dtype` (a dtype, a
        legacy class such as ember.LongTensor, or its name)."""
        if dtype is None:
            return f"ember.{self.dtype.legacy_name}"
        np_dtype = _dt.to_np(dtype)
        if np_dtype == self._data.dtype:
            return self
        if self.requires_grad and _mode.enabled and _dt.is_float(np_dtype):
            return ops.Cast.apply(self, dtype=np_dtype)
        return _make(self._data.astype(np_dtype), None)

    def float(self) -> Tensor:
        return self.type(_dt.float32)

    def double(self) -> Tensor:
        return self.type(_dt.float64)

    def half(self) -> Tensor:
        return self.type(_dt.float16)

    def bfloat16(self) -> Tensor:
        return self.type("bfloat16")

    def long(self) -> Tensor:
        return self.type(_dt.int64)

    def int(self) -> Tensor:
        return self.type(_dt.int32)

    def bool(self) -> Tensor:
        return self.type(_dt.bool)

    def cpu(self, memory_format=None) -> Tensor:
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        check_available("cuda" if device is None else device)
        return self

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    def get_device(self) -> int:
        return -1  # PyTorch's answer for a CPU tensor

    # ---- Python protocol ----------------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            how_many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {how_many} is ambiguous")
        return bool(self._data)

    def _number(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.item()

    def __float__(self) -> float:
        return float(self._number())

    def __int__(self) -> int:
        return int(self._number())

    def __format__(self, format_spec: str) -> str:
        # A 0-d tensor formats as its number (f"{loss:.4f}"); others as object does (str(t)).
        if self._data.ndim == 0:
            return format(self._data.item(), format_spec)
        return object.__format__(self, format_spec)

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {type(element)}.")
        return bool((self == element).any())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __hash__(self) -> int:
        return id(self)  # by identity, as PyTorch's (== is element-wise)

    def __repr__(self) -> str:
        return tensor_repr(self)

    # ---- indexing -----------------------------------------------------------------------
    def __getitem__(self, index) -> Tensor:
        return ops.Getitem.apply(self, index=_array_index(index))

    def __setitem__(self, index, value) -> None:
        _check_inplace(self, "__setitem__")
        try:
            self._data[_array_index(index)] = value._data if isinstance(value, Tensor) else value
        except (ValueError, IndexError) as e:
            raise RuntimeError(
                f"__setitem__: cannot assign to index of tensor of shape "
                f"{tuple(self._data.shape)}: {e}") from None


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


def _clone(t: Tensor) -> Tensor:
    if t.requires_grad and _mode.enabled:
        return ops.Cast.apply(t, dtype=t._data.dtype)  # astype copies; its backward passes through
    return _make(t._data.copy(), None)


def _array_index(index):
    """Tensors inside an index become arrays; Python lists of ints become integer arrays."""
    if isinstance(index, tuple):
        return tuple(_array_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    return index


def _check_inplace(t: Tensor, op: str) -> None:
    if t.requires_grad and _mode.enabled:
        if t.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place "
                "operation.")
        raise RuntimeError(
            f"{op}: in-place operations on tensors that are part of an autograd graph are not "
            "supported by ember; use the out-of-place op instead.")


autograd.bind_tensor_class(Tensor)
