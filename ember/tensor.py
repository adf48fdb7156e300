"""Tensor: an n-d NumPy array with autograd, and PyTorch's names for everything on it.

Math methods (t.exp(), t.sum(dim), ...) are the functions of ember.functions, bound here as
methods, so each op has one implementation.
"""

from __future__ import annotations

import numpy as np

from . import autograd, ops
from . import dtypes as _dt
from .autograd import _mode
from .autograd.function import version_counter
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


class device:  # noqa: N801 - PyTorch's name
    """ember runs on the CPU only; `device` exists so that `.to(device)` code ports unchanged."""

    __slots__ = ("type",)

    def __init__(self, type: str = "cpu") -> None:  # noqa: A002
        kind = str(type).split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"ember runs on the CPU only; device {type!r} is not available")
        self.type = "cpu"

    def __eq__(self, other) -> bool:
        return str(other) == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"


_CPU = device("cpu")


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
    """An n-dimensional array with autograd: a NumPy array (`_data`), and where it came from.

    Rarely set attributes (a view's base, the version counter, hooks) live in the instance's
    `__dict__` and default to the class attributes below, so the hot path sets only four slots.
    """

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "__dict__", "__weakref__")
    _vc = None  # VersionCounter, shared with views; created on first need
    _base = None  # for a view: the tensor whose memory it shares (never itself a view)
    _view_fn = None  # for a view: replays the view ops on `_base` (None: made under no_grad)
    _grad_hooks = None  # register_hook on a leaf
    _post_accumulate_hooks = None

    def __init__(self, data, requires_grad: bool = False, dtype=None) -> None:
        if data.__class__ is not np.ndarray:
            # torch.Tensor(data) makes the default float dtype; an ndarray is wrapped as it is.
            data = _to_array(data, dtype or _dt.default_float)
        elif dtype is not None:
            data = _to_array(data, dtype)
        self._data = data
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    _from_op = staticmethod(_make)

    # ---- properties ---------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same memory as a tensor outside autograd: writes through it change this tensor
        and are not recorded (nor counted by the version counter), as in PyTorch."""
        return _make(self._data, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc.version

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
        return self._data.dtype.kind == "f"

    # ---- memory layout ------------------------------------------------------------------
    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def contiguous(self, memory_format=None) -> Tensor:
        return self if self._data.flags.c_contiguous else self.clone()

    def stride(self, dim: int | None = None):
        """Steps between elements along each dim, in elements (not bytes, as NumPy's)."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        start = _owner(self._data).__array_interface__["data"][0]
        return (self.data_ptr() - start) // self._data.itemsize

    def untyped_storage(self) -> _Storage:
        return _Storage(_owner(self._data))

    # ---- autograd -----------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
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

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed, before it is used or
        accumulated; it may return a replacement. Returns a handle with remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._grad_hooks is None:
                self._grad_hooks = []
            return _HookHandle(self._grad_hooks, hook)
        node = self.grad_fn
        if node.tensor_hooks is None:
            node.tensor_hooks = []
        return _HookHandle(node.tensor_hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs once per backward, after this leaf's .grad has received all of that
        backward's gradient. Returns a handle with remove()."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        return _HookHandle(self._post_accumulate_hooks, hook)

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
        """The same memory outside the graph; unlike `.data`, it shares the version counter,
        so in-place changes through it are still detected by the graph."""
        out = _make(self._data, None)
        out._vc = version_counter(self)
        return out

    def detach_(self) -> Tensor:
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are "
                               "using DistributedDataParallel (DDP) for training, and "
                               "gradient_as_bucket_view is set as True, gradients are views of "
                               "DDP buckets, and hence detach_() cannot be called on these "
                               "gradients. To fix this error, please refer to the "
                               "Optimizer.zero_grad() function in torch/optim/optimizer.py as "
                               "the solution.")
        self.grad_fn = None
        self.requires_grad = False
        return self

    def _is_view(self) -> bool:
        return self._base is not None

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
        """Accepts a dtype, a device, or another tensor (whose dtype is taken), as in PyTorch."""
        target = kwargs.get("dtype")
        for a in args:
            if isinstance(a, Tensor):
                target = a.dtype
            elif isinstance(a, (str, device)):
                device(str(a))
            elif a is not None:
                target = a
        if "device" in kwargs and kwargs["device"] is not None:
            device(str(kwargs["device"]))
        copy = kwargs.get("copy", False)
        if target is None or _dt.to_np(target) == self._data.dtype:
            return self.clone() if copy else self
        return self.type(target)

    def type(self, dtype=None):
        if dtype is None:
            return f"ember.{self.dtype.name}"
        np_dtype = _dt.to_np(dtype)
        if np_dtype == self._data.dtype:
            return self
        if self.requires_grad and _mode.enabled and np_dtype.kind == "f":
            return ops.Cast.apply(self, dtype=np_dtype)
        return _make(self._data.astype(np_dtype), None)

    def float(self) -> Tensor:
        return self.type(_dt.float32)

    def double(self) -> Tensor:
        return self.type(_dt.float64)

    def half(self) -> Tensor:
        return self.type(_dt.float16)

    def long(self) -> Tensor:
        return self.type(_dt.int64)

    def int(self) -> Tensor:
        return self.type(_dt.int32)

    def bool(self) -> Tensor:
        return self.type(_dt.bool)

    def cpu(self) -> Tensor:
        return self

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
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return tensor_repr(self)

def _infer_np_dtype(data) -> np.dtype:
    """PyTorch's inference: Python floats -> float32, ints -> int64, bools -> bool; NumPy arrays
    and NumPy scalars keep their dtype."""
    arr = np.asarray(data)
    if isinstance(data, (np.ndarray, np.generic)):
        return arr.dtype
    if arr.dtype.kind == "f":
        return np.dtype(np.float32) if arr.dtype != np.float16 else arr.dtype
    if arr.dtype.kind in "iu":
        return np.dtype(np.int64)
    return arr.dtype


def _unwrap(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return np.stack([np.asarray(_unwrap(x)) for x in data])
    return data


def _to_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    data = _unwrap(data)
    if isinstance(data, np.ndarray) and data.dtype.kind not in "fiub":
        raise TypeError(f"can't convert np.ndarray of type {data.dtype}; ember supports float, "
                        "int, uint8 and bool arrays")
    np_dtype = _dt.to_np(dtype) if dtype is not None else _infer_np_dtype(data)
    try:
        arr = np.array(data, dtype=np_dtype, copy=copy or None)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"tensor(): could not build a tensor from {type(data).__name__}: {e}") from None
    _dt.from_numpy_dtype(arr.dtype)
    return arr


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns a's memory (views of views, as_strided included)."""
    while True:
        base = a.base
        if isinstance(base, np.ndarray):
            a = base
        elif base is not None and isinstance(getattr(base, "base", None), np.ndarray):
            a = base.base  # as_strided wraps its source in an object that keeps it as .base
        else:
            return a


class _Storage:
    """The memory under a tensor and its views (what PyTorch's untyped_storage() reports)."""

    def __init__(self, owner: np.ndarray) -> None:
        self._owner = owner

    def size(self) -> int:
        return self._owner.nbytes

    nbytes = size

    def data_ptr(self) -> int:
        return self._owner.__array_interface__["data"][0]


class _HookHandle:
    """What register_hook returns: remove() unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self.hooks, self.hook = hooks, hook
        hooks.append(hook)

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _clone(t: Tensor) -> Tensor:
    if t.requires_grad and _mode.enabled:
        return ops.Cast.apply(t, dtype=t._data.dtype)  # astype copies; its backward passes through
    return _make(t._data.copy(), None)


autograd.bind_tensor_class(Tensor)
