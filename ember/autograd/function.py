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
    """t's counter, created on first need. A tensor gets one before anything can change it in
    place (in-place ops, views and detach() ask for it first); if the op that made t saved its
    output for backward, that is when the op starts watching the counter."""
    vc = t._vc
    if vc is None:
        vc = t._vc = VersionCounter()
        node = t.grad_fn
        if node is not None and node.saved_sources is not None and node.out_version is None:
            for a, source in zip(node.saved, node.saved_sources):
                if source is None and a is t._data:
                    node.out_version = (vc, 0)
    return vc


class Function:
    """Base of every primitive op. Subclasses define forward and backward."""

    # output: the array this node produced, until its backward has run (the engine reads its
    # shape: a gradient arriving broadcast is summed down to it)
    __slots__ = ("parents", "needs_input_grad", "output", "__dict__", "__weakref__")
    # Set on few nodes, so kept in the instance dict with these class defaults:
    saved = None  # the arrays given to save_for_backward
    saved_sources = None  # for each: (input index, its counter, its version), None: the output
    out_version = None  # (counter, version) of a saved output, once anything can change it
    retained = None  # the tensor whose gradient retain_grad() keeps
    tensor_hooks = None  # register_hook on the tensor this node produced
    saves_nothing = False  # set by ops that never call save_for_backward (a check less per op)

    def forward(ctx, *arrays, **kwargs) -> np.ndarray:
        """The op on its inputs' NumPy arrays (keyword options as given to `apply`); returns the
        output array. Saves what backward needs with `ctx.save_for_backward`."""
        raise NotImplementedError

    def backward(ctx, grad):
        """The gradients of the inputs from `grad`, the gradient of the output (same shape): one
        per input, None where `ctx.needs_input_grad` is False. Written with operators and the
        NumPy functions of ember/numpy_dispatch.py, so that it runs on arrays and, under
        create_graph=True, on Tensors. Broadcast gradients are summed down by the engine."""
        raise NotImplementedError

    # How PyTorch names this node and this op, where that is not `<Class>Backward0` and the
    # lowercase class name: grad_fn reprs and error messages use PyTorch's names.
    torch_name: str | None = None
    op_name: str | None = None

    def name(self) -> str:
        """The node's name as PyTorch prints it in grad_fn: `<Class>Backward0` (MulBackward0),
        or the op's `torch_name` where PyTorch's differs."""
        return self.torch_name or type(self).__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: (grad_fn, 0) per input; a leaf's is its tensor."""
        return tuple((e if e is not None else None, 0) for e in self.parents)

    # ---- saving for backward ----------------------------------------------------------
    def save_for_backward(ctx, *arrays) -> None:
        """Keep input and output arrays (None for ones the requested gradients don't need) for
        backward. When the op is recorded, their versions are noted, so that an in-place change
        before backward raises instead of giving a wrong gradient."""
        if ctx.saves_nothing:
            raise TypeError(f"{type(ctx).__name__} declares saves_nothing but saves arrays")
        ctx.saved = arrays

    @property
    # --8<-- [start:saved-tensors]
    def saved_tensors(ctx) -> tuple:
        """What forward saved: arrays, or, while the engine records a backward pass
        (create_graph=True), Tensors connected to the graph."""
        saved, sources = ctx.saved, ctx.saved_sources
        if sources is None:
            raise RuntimeError(_FREED)
        for k, source in enumerate(sources):
            if source is None:
                if ctx.out_version is None:  # nothing could change the output yet
                    continue
                vc, version = ctx.out_version
            elif source is _NOTHING:
                continue
            else:
                vc, version = source[1], source[2]
            if vc.version != version:
                raise RuntimeError(_modified_message(ctx, saved[k], k, vc.version, version))
        if not _mode.graph_backward:
            return saved
        return tuple(_as_graph_tensor(ctx, a, s) for a, s in zip(saved, sources))
    # --8<-- [end:saved-tensors]

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
        elif n == 3:
            needs = (inputs[0].requires_grad, inputs[1].requires_grad, inputs[2].requires_grad)
        else:
            needs = tuple([x.requires_grad for x in inputs])
        record = needs is not None and True in needs
        ctx.needs_input_grad = needs if needs is not None else (False,) * n
        try:
            if kwargs:
                out = (cls.forward(ctx, inputs[0]._data, **kwargs) if n == 1 else
                       cls.forward(ctx, *[t._data for t in inputs], **kwargs))
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
        t = _new(_Tensor)
        t._data = out
        t.grad = None
        # --8<-- [start:apply-record]
        if record:
            if n == 1:
                a = inputs[0]
                ctx.parents = (a.grad_fn or a,)
            elif n == 2:
                a, b = inputs
                ctx.parents = (a.grad_fn or a, b.grad_fn or b)
            elif n == 3:
                a, b, c = inputs
                ctx.parents = (a.grad_fn or a, b.grad_fn or b, c.grad_fn or c)
            else:
                ctx.parents = tuple([x.grad_fn or x for x in inputs])
            ctx.output = out
            t.grad_fn = ctx
            t.requires_grad = True
            if ctx.saved is not None:
                _note_saved(ctx, inputs)
        else:
            t.grad_fn = None
            t.requires_grad = False
        # --8<-- [end:apply-record]
        if _mode.watch:
            _watch(ctx, inputs, kwargs, t)
        return t

    @classmethod
    def call(cls, *args, **kwargs):
        """This op inside another op's backward: on arrays its forward alone, on Tensors (a
        backward being recorded) the recorded op. Array arguments next to Tensors are
        constants."""
        if not any(isinstance(a, _Tensor) for a in args):
            ctx = _new(cls)
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
    saved = ctx.saved
    if saved is not None:
        for a in saved:  # a plain loop: losses return scalars and rarely save them
            if a is out:
                ctx.saved = tuple([array if a is out else a for a in saved])
                break
    return array


def _note_saved(ctx: Function, inputs) -> None:
    """Where each saved array comes from, and the version of each saved input."""
    sources = []
    for a in ctx.saved:
        if a is None:  # not needed for the gradients asked for
            sources.append(_NOTHING)
            continue
        i = 0
        for t in inputs:
            if t._data is a:
                vc = t._vc or version_counter(t)
                sources.append((i, vc, vc.version))
                break
            i += 1
        else:
            sources.append(None)  # the output (see version_counter)
    ctx.saved_sources = sources


def _as_graph_tensor(ctx: Function, array, source):
    if source is _NOTHING:
        return None
    if source is None:
        t = _Tensor._from_op(array, ctx)
        if ctx.out_version is not None:
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
    op = cls.op_name or cls.__name__.lower()
    exc_type = IndexError if isinstance(err, IndexError) else RuntimeError
    return exc_type(f"{op}: {err} (input shapes {shapes})")


def _watch(ctx: Function, inputs, kwargs: dict, out) -> None:
    """An op ran while detect_anomaly or a trace (ember.onnx.export) watches: check, report."""
    if _mode.anomaly:
        _check_finite(out._data, ctx, "forward")
    if _mode.tracer is not None:
        _mode.tracer(ctx, inputs, kwargs, out)


def _check_finite(arr, op: Function, phase: str) -> None:
    arr = arr._data if isinstance(arr, _Tensor) else arr
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        name = op.name()
        bad = "NaN" if np.isnan(arr).any() else "Inf"
        raise RuntimeError(f"detect_anomaly: {name} produced {bad} in its {phase} output")


# --8<-- [start:binary-operator]
def binary_operator(op: type[Function], general: Callable, float_only: bool = False) -> Callable:
    """`tensor <op> tensor` (Tensor.__add__ and friends) with Function.apply inlined for the
    common case, two tensors of one dtype: this one path carries every small element-wise op.
    Everything else (scalars, promotion, int division, anomaly mode, a trace) goes to
    `general`."""
    forward = op.forward
    # Closure variables rather than globals: this is the hottest path in ember.
    tensor_class, new, ndarray, mode, no_needs = _Tensor, _new, _ndarray, _mode, _NO_NEEDS
    may_save = not op.saves_nothing

    def operator(self, other):
        if other.__class__ is not tensor_class or self._data.dtype is not other._data.dtype or (
                float_only and self._data.dtype.kind != "f") or mode.watch:
            return general(self, other)
        ctx = new(op)
        needs = (self.requires_grad, other.requires_grad) if mode.enabled else no_needs
        ctx.needs_input_grad = needs
        try:
            out = forward(ctx, self._data, other._data)
        except (ValueError, IndexError):
            return general(self, other)  # which raises the op's own, clear error
        if out.__class__ is not ndarray:
            out = _array_output(ctx, out)
        t = new(tensor_class)
        t._data = out
        t.grad = None
        if True in needs:
            ctx.parents = (self.grad_fn or self, other.grad_fn or other)
            ctx.output = out
            t.grad_fn = ctx
            t.requires_grad = True
            if may_save and ctx.saved is not None:
                _note_saved(ctx, (self, other))
            return t
        t.grad_fn = None
        t.requires_grad = False
        return t

    return operator
# --8<-- [end:binary-operator]
