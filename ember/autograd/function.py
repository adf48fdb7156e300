"""The Function base class: one subclass per primitive op, forward and backward side by side.

`ctx` is the Function instance itself. While forward runs it saves what backward needs: the input
and output arrays through `save_for_backward` (so that in-place changes to them are detected, and
so that higher-order gradients see them as Tensors), anything else (masks, indices, shapes) as
plain attributes. When the op is recorded, ctx becomes the output's `grad_fn` and keeps, for each
input, the edge its gradient flows along: the input's own `grad_fn`, or the input tensor itself
when it is a leaf. Edges are fixed when the op runs, so a later in-place op, which gives a tensor
a new `grad_fn`, does not reroute gradients of ops that read the tensor before.

backward(ctx, grad) is written once, with operators and NumPy functions. On the ordinary path
it runs on NumPy arrays. Under `create_graph=True` the engine passes Tensors instead (grad, and
`saved_tensors`), and the same code records a graph, because a Tensor answers NumPy's functions
with ember's differentiable ones (ember/numpy_dispatch.py). A backward that needs another
primitive calls it through `call`, which does the same: plain on arrays, recorded on Tensors.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .grad_mode import _mode

# The Tensor class, bound by ember.tensor at import time so that ops can build outputs.
_Tensor = None


class VersionCounter:
    """How many times a tensor's memory was changed in place. Views of a tensor (and its
    `detach()`) share the counter; `views` keeps weak references to the differentiable views,
    whose history is regenerated after an in-place change (ember/inplace.py)."""

    __slots__ = ("version", "views")

    def __init__(self) -> None:
        self.version = 0
        self.views = None


def version_counter(t) -> VersionCounter:
    vc = t._vc
    if vc is None:
        vc = t._vc = VersionCounter()
    return vc


class Function:
    """Base of every primitive op. Subclasses define forward and backward."""

    __slots__ = ("parents", "needs_input_grad", "retained", "out_shape", "__dict__",
                 "__weakref__")

    tensor_hooks = None  # register_hook on the tensor this node produced

    def forward(ctx, *arrays, **kwargs) -> np.ndarray:
        raise NotImplementedError

    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: (grad_fn, 0) per input; a leaf's is its tensor."""
        return tuple((e if e is not None else None, 0) for e in self.parents)

    # ---- saving for backward ----------------------------------------------------------
    def save_for_backward(ctx, *arrays) -> None:
        """Keep input and output arrays for backward. Their versions are noted, so that an
        in-place change before backward raises instead of giving a wrong gradient."""
        inputs = ctx.parents
        if inputs is None:  # not recorded: backward will never run
            return
        ctx.saved = arrays
        sources = []
        for a in arrays:
            if a is None:  # not needed for the gradients asked for
                sources.append(_NOTHING)
                continue
            for i, t in enumerate(inputs):
                if t._data is a:
                    vc = version_counter(t)
                    sources.append((i, vc, vc.version))
                    break
            else:
                sources.append(None)  # the output, whose counter apply attaches
        ctx.saved_sources = sources

    @property
    def saved_tensors(ctx) -> tuple:
        """What forward saved: arrays, or, while the engine records a backward pass
        (create_graph=True), Tensors connected to the graph."""
        try:
            saved, sources = ctx.saved, ctx.saved_sources
        except AttributeError:
            raise RuntimeError(_FREED) from None
        for k, source in enumerate(sources):
            if source is _NOTHING:
                continue
            vc, version = (source[1], source[2]) if source is not None else ctx.out_version
            if vc.version != version:
                raise RuntimeError(_modified_message(ctx, saved[k], k, vc.version, version))
        if not _mode.graph_backward:
            return saved
        return tuple(_as_graph_tensor(ctx, a, s) for a, s in zip(saved, sources))

    # ---- running ----------------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run forward on the inputs' arrays and, in grad mode when an input requires grad,
        record the op in the graph."""
        ctx = _new(cls)
        n = len(inputs)
        if not _mode.enabled:
            needs = None
        elif n == 2:
            needs = (inputs[0].requires_grad, inputs[1].requires_grad)
        elif n == 1:
            needs = (inputs[0].requires_grad,)
        else:
            needs = tuple([x.requires_grad for x in inputs])
        record = needs is not None and True in needs
        ctx.parents = inputs if record else None
        ctx.needs_input_grad = needs if needs is not None else (False,) * n
        try:
            if kwargs:
                out = cls.forward(ctx, *[t._data for t in inputs], **kwargs)
            elif n == 2:
                out = cls.forward(ctx, inputs[0]._data, inputs[1]._data)
            elif n == 1:
                out = cls.forward(ctx, inputs[0]._data)
            else:
                out = cls.forward(ctx, *[t._data for t in inputs])
        except (ValueError, IndexError) as e:
            raise _op_error(cls, inputs, e) from None
        if out.__class__ is not _ndarray:
            out = _array_output(ctx, out)
        if _mode.anomaly:
            _check_finite(out, cls, "forward")
        t = _new(_Tensor)
        t._data = out
        t.grad = None
        if record:
            _record(ctx, t, inputs, out)
        else:
            t.grad_fn = None
            t.requires_grad = False
        return t

    @classmethod
    def call(cls, *args, **kwargs):
        """This op inside another op's backward: on arrays its forward alone, on Tensors (a
        backward being recorded) the recorded op. Array arguments next to Tensors are
        constants."""
        if not any(isinstance(a, _Tensor) for a in args):
            ctx = _new(cls)
            ctx.parents = None
            ctx.needs_input_grad = (False,) * len(args)
            return cls.forward(ctx, *args, **kwargs)
        return cls.apply(*[a if isinstance(a, _Tensor) else _Tensor._from_op(np.asarray(a), None)
                           for a in args], **kwargs)


_new = object.__new__
_ndarray = np.ndarray
_NOTHING = ()  # the source of a None passed to save_for_backward
_NO_NEEDS = (False, False)


def _array_output(ctx: Function, out) -> np.ndarray:
    """A NumPy scalar that forward returned, as a 0-d array (saved for backward as such)."""
    array = np.asarray(out)
    saved = ctx.__dict__.get("saved")
    if saved is not None:
        ctx.saved = tuple(array if a is out else a for a in saved)
    return array


def _record(ctx: Function, t, inputs, out: np.ndarray) -> None:
    """Make ctx the grad_fn of t: its edges, and the version of a saved output."""
    if len(inputs) == 2:
        a, b = inputs
        ctx.parents = (a.grad_fn or a, b.grad_fn or b)
    else:
        ctx.parents = tuple([x.grad_fn or x for x in inputs])
    ctx.retained = None
    ctx.out_shape = out.shape
    t.grad_fn = ctx
    t.requires_grad = True
    sources = ctx.__dict__.get("saved_sources")
    if sources is not None and None in sources:
        _save_output(ctx, t, sources, out)


def _save_output(ctx: Function, t, sources: list, out: np.ndarray) -> None:
    for a, source in zip(ctx.saved, sources):
        if source is None and a is not out:
            raise TypeError(f"{type(ctx).__name__}.forward: save_for_backward takes the op's "
                            "inputs and its output; keep other values as attributes")
    vc = t._vc = VersionCounter()
    ctx.out_version = (vc, 0)


def _as_graph_tensor(ctx: Function, array, source):
    if source is _NOTHING:
        return None
    if source is None:
        t = _Tensor._from_op(array, ctx)
        t._vc = ctx.out_version[0]
        return t
    edge = ctx.parents[source[0]]
    if isinstance(edge, _Tensor):
        return edge  # a leaf (or a constant): itself, so gradients reach it
    t = _Tensor._from_op(array, edge)
    t._vc = source[1]
    return t


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time.")


_LEGACY_NAMES = {"f": "FloatTensor", "d": "DoubleTensor", "e": "HalfTensor", "q": "LongTensor",
                 "l": "LongTensor", "i": "IntTensor", "h": "ShortTensor", "b": "CharTensor",
                 "B": "ByteTensor", "?": "BoolTensor"}


def _modified_message(ctx: Function, array: np.ndarray, k: int, now: int, then: int) -> str:
    kind = _LEGACY_NAMES.get(array.dtype.char, str(array.dtype))
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [ember.{kind} {list(array.shape)}], which is saved tensor {k} "
            f"of {ctx.name()}, is at version {now}; expected version {then} instead. Hint: the "
            f"backtrace further above shows the operation that failed to compute its gradient. "
            f"The variable in question was changed in there or anywhere later. Good luck!")


def _op_error(cls: type, inputs, err: Exception) -> Exception:
    shapes = " and ".join(str(tuple(t._data.shape)) for t in inputs)
    op = getattr(cls, "op_name", cls.__name__.lower())
    exc_type = IndexError if isinstance(err, IndexError) else RuntimeError
    return exc_type(f"{op}: {err} (input shapes {shapes})")


def _check_finite(arr, op: type | Function, phase: str) -> None:
    arr = arr._data if isinstance(arr, _Tensor) else arr
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        name = op.name()
        bad = "NaN" if np.isnan(arr).any() else "Inf"
        raise RuntimeError(f"detect_anomaly: {name} produced {bad} in its {phase} output")


def binary_operator(op: type[Function], general: Callable, float_only: bool = False) -> Callable:
    """`tensor <op> tensor` (Tensor.__add__ and friends) with Function.apply inlined for the
    common case, two tensors of one dtype: this one path carries every small element-wise op.
    Everything else (scalars, promotion, int division, anomaly mode) goes to `general`."""
    forward = op.forward

    def operator(self, other):
        if other.__class__ is not _Tensor or self._data.dtype is not other._data.dtype or (
                float_only and self._data.dtype.kind != "f") or _mode.anomaly:
            return general(self, other)
        ctx = _new(op)
        needs = (self.requires_grad, other.requires_grad) if _mode.enabled else _NO_NEEDS
        record = True in needs
        ctx.parents = (self, other) if record else None
        ctx.needs_input_grad = needs
        try:
            out = forward(ctx, self._data, other._data)
        except (ValueError, IndexError):
            return general(self, other)  # which raises the op's own, clear error
        if out.__class__ is not _ndarray:
            out = _array_output(ctx, out)
        t = _new(_Tensor)
        t._data = out
        t.grad = None
        if record:
            _record(ctx, t, (self, other), out)
            return t
        t.grad_fn = None
        t.requires_grad = False
        return t

    return operator
