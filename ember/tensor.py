"""Tensor: an n-d NumPy array with autograd, and PyTorch's names for everything on it.

Math methods (t.exp(), t.sum(dim), ...) are the functions of ember.functions, bound here as
methods, so each op has one implementation.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _convert, autograd, ops
from . import dtypes as _dt
from .autograd import _mode
from .autograd.function import version_counter
from .devices import CPU as _CPU
from .devices import check_available, device, parse_to
from .printing import tensor_repr
from .views import Storage, owner_of


class Size(tuple):
    """torch.Size: a tuple of dims."""

    def numel(self) -> int:
        """The number of elements a tensor of this size holds (the product of the dims; 1 for
        ())."""
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"




# --8<-- [start:make]
def _make(data: np.ndarray, grad_fn) -> Tensor:
    """Wrap an array without checks or copies (the hot path of every op)."""
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t.grad_fn = grad_fn
    t.requires_grad = grad_fn is not None
    return t
# --8<-- [end:make]


_new = object.__new__


# --8<-- [start:tensor-class]
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
    # --8<-- [end:tensor-class]

    def __init__(self, *args, requires_grad: bool = False, **kwargs) -> None:
        """PyTorch's legacy constructor: Tensor(3, 4) is uninitialised, Tensor([1, 2]) data of
        the default dtype, Tensor(size), Tensor(tensor) an alias (see ember.legacy). A NumPy
        array of the default dtype shares its memory; others are converted, as in PyTorch."""
        if (len(args) == 1 and args[0].__class__ is np.ndarray and not kwargs
                and args[0].dtype == _dt.default_float.np):
            data = args[0]
        else:
            # PyTorch's legacy forms; _legacy_array is bound by ember.legacy, which builds on
            # this module
            data = self._legacy_array("Tensor", _dt.default_float.np, args, kwargs,
                                      alias_any_tensor=True)
        self._wrap(data, requires_grad)

    def _wrap(self, data: np.ndarray, requires_grad: bool) -> None:
        """Set up a new tensor (or Parameter) around `data` as it is."""
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
        """The tensor's dims as an ember.Size (a tuple of ints)."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The dims as an ember.Size, or the length of dim `dim` (negative counts from the end)."""
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    @property
    def dtype(self) -> _dt.dtype:
        """The tensor's ember.dtype (ember.float32, ember.int64, ...)."""
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        """The number of dims (0 for a scalar tensor); same as dim()."""
        return self._data.ndim

    def dim(self) -> int:
        """The number of dims (0 for a scalar tensor)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements (the product of the dims)."""
        return self._data.size

    def nelement(self) -> int:
        """The number of elements; an alias of numel()."""
        return self._data.size

    def element_size(self) -> int:
        """The size of one element in bytes (4 for float32, 8 for int64, ...)."""
        return self._data.itemsize

    @property
    def is_leaf(self) -> bool:
        """True for a tensor made by the user or outside autograd (no grad_fn); only leaves
        get .grad by default."""
        return self.grad_fn is None

    @property
    def device(self) -> device:
        """The tensor's device: always the CPU in ember."""
        return _CPU

    @property
    def T(self) -> Tensor:  # noqa: N802
        """The tensor with its dims reversed (a view): the transpose of a matrix."""
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The tensor with its last two dims swapped (a view): the batched matrix transpose."""
        return self.transpose(-2, -1)

    def is_floating_point(self) -> bool:
        """True if the dtype is a floating point one (float16, bfloat16, float32, float64)."""
        return _dt.is_float(self._data.dtype)

    # ---- memory layout ------------------------------------------------------------------
    def is_contiguous(self, memory_format=None) -> bool:
        """True if the elements lie in row-major (C) order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self, memory_format=None) -> Tensor:
        """The tensor itself if contiguous, else a contiguous copy (differentiable)."""
        return self if self._data.flags.c_contiguous else _clone(self, order="C")

    def stride(self, dim: int | None = None):
        """Steps between elements along each dim, in elements (not bytes, as NumPy's)."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        """The address of the first element (an int)."""
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        """The offset, in elements, of the first element within the tensor's storage (0
        unless a view)."""
        start = owner_of(self._data).__array_interface__["data"][0]
        return (self.data_ptr() - start) // self._data.itemsize

    def untyped_storage(self) -> Storage:
        """The storage holding the tensor's memory, shared with its views."""
        return Storage(owner_of(self._data))

    # ---- autograd -----------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Sets requires_grad in place (default True) and returns the tensor.

        Raises RuntimeError when turning it off on a non-leaf, or turning it on for a non-floating
        dtype (only floating point tensors can require gradients).
        """
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
        """Makes this non-leaf tensor keep its .grad during backward (no effect on a leaf).

        Raises RuntimeError if the tensor does not require grad.
        """
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = self
            _mode.hooks_seen = True

    @property
    def retains_grad(self) -> bool:
        """True if retain_grad() was called on this non-leaf tensor."""
        return self.grad_fn is not None and self.grad_fn.retained is self

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed, before it is used or
        accumulated; it may return a replacement. Returns a handle with remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        _mode.hooks_seen = True
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
        _mode.hooks_seen = True
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        return _HookHandle(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulates the gradient of this tensor w.r.t. the graph's leaves into their .grad.

        `gradient` (same shape as the tensor) is d(loss)/d(self); it may be omitted only for a
        one-element tensor. The graph is freed unless retain_graph=True; create_graph=True records
        the backward pass for higher-order gradients; `inputs` restricts which tensors get .grad.
        Raises RuntimeError for a tensor that does not require grad, a non-scalar without
        `gradient`, or a second backward through a freed graph.
        """
        if gradient is None and self.grad_fn is not None and self._data.size == 1 and not (
                create_graph or inputs):
            # The common case, a scalar loss, skips the general argument handling.
            # np.array(1, dtype) is one C call; np.ones is a Python function around two
            seed = np.array(1, self._data.dtype)
            if self._data.ndim:
                seed = seed.reshape(self._data.shape)
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
        """Detaches the tensor from the graph in place (no grad_fn, no requires_grad); returns it.

        Raises RuntimeError for a view (use detach()).
        """
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
        """A copy with the same strides, in the graph: gradients flow back to the original."""
        return _clone(self)

    # ---- conversion ---------------------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        """The NumPy array sharing the tensor's memory (writes show through both ways).

        Raises RuntimeError if the tensor requires grad, unless force=True (use detach().numpy()).
        """
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
        """The value of a one-element tensor as a Python number (or bool).

        Raises RuntimeError for a tensor of another number of elements.
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        """The tensor as a nested list of Python numbers (a number for a 0-d tensor)."""
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
        if self.requires_grad and _mode.enabled and _dt.is_float(np_dtype) or _tracing():
            return ops.Cast.apply(self, dtype=np_dtype)
        return _make(self._data.astype(np_dtype), None)

    def float(self) -> Tensor:
        """self.to(ember.float32): a copy unless already float32 (differentiable for float
        inputs)."""
        return self.type(_dt.float32)

    def double(self) -> Tensor:
        """self.to(ember.float64): a copy unless already float64."""
        return self.type(_dt.float64)

    def half(self) -> Tensor:
        """self.to(ember.float16): a copy unless already float16."""
        return self.type(_dt.float16)

    def bfloat16(self) -> Tensor:
        """self.to(ember.bfloat16): a copy unless already bfloat16."""
        return self.type("bfloat16")

    def long(self) -> Tensor:
        """self.to(ember.int64): a copy unless already int64 (float values truncate toward zero)."""
        return self.type(_dt.int64)

    def int(self) -> Tensor:
        """self.to(ember.int32): a copy unless already int32 (float values truncate toward zero)."""
        return self.type(_dt.int32)

    def bool(self) -> Tensor:
        """self.to(ember.bool): a copy unless already bool (nonzero is True)."""
        return self.type(_dt.bool)

    def cpu(self, memory_format=None) -> Tensor:
        """The tensor itself: ember tensors live on the CPU."""
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        """Raises the error of a PyTorch built without CUDA (ember runs on the CPU only);
        returns the tensor itself for a CPU device."""
        check_available("cuda" if device is None else device)
        return self

    @property
    def is_cpu(self) -> bool:
        """True: ember's tensors live in main memory."""
        return True

    # PyTorch's other device and layout flags (programs test `x.is_cuda or x.is_xpu`): all False
    is_cuda = is_xpu = is_mps = is_meta = is_ipu = is_xla = is_maia = is_mtia = is_vulkan = False
    is_mkldnn = is_nested = is_quantized = is_sparse_csr = False

    def get_device(self) -> int:
        """-1, PyTorch's device index for a CPU tensor."""
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

    # By identity, as PyTorch's (== is element-wise); object's own hash, so dicts and sets of
    # tensors (the engine's) pay no Python call.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return tensor_repr(self)


class _HookHandle:
    """What register_hook returns: remove() unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self.hooks, self.hook = hooks, hook
        hooks.append(hook)

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _tracing() -> bool:
    """An export trace records ops (in no-grad mode): casts and copies are recorded too."""
    return _mode.tracer is not None and not _mode.enabled


def _clone(t: Tensor, order: str = "K") -> Tensor:
    """A copy; order "K" keeps the strides (as PyTorch's clone), "C" makes it contiguous."""
    if t.requires_grad and _mode.enabled or _tracing():
        # astype copies; its backward passes through
        return ops.Cast.apply(t, dtype=t._data.dtype, order=order)
    return _make(t._data.copy(order=order), None)


autograd.bind_tensor_class(Tensor)
_convert.bind_tensor_class(Tensor)
