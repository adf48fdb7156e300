"""Reverse-mode autograd: Function base class, grad mode, backward engine, grad, gradcheck.

A primitive op is a Function subclass with `forward(ctx, *arrays)` and `backward(ctx, grad)`, both
on NumPy arrays. `ctx` is the Function instance itself: it becomes the output's `grad_fn`, keeps the
input tensors in `parents`, and whatever forward saved as attributes for backward.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Sequence

import numpy as np


class _GradMode:
    __slots__ = ("enabled", "anomaly")

    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False


_mode = _GradMode()


def is_grad_enabled() -> bool:
    return _mode.enabled


class _GradModeContext:
    """Context manager and decorator, as torch.no_grad and friends."""

    target: bool

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.target

    def __exit__(self, *exc) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        target = self.target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _mode.enabled
            _mode.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = prev

        return wrapper


class _BareDecoratorContext(_GradModeContext):
    """Also usable as a bare decorator (`@no_grad` without parentheses), as in PyTorch."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_BareDecoratorContext):  # noqa: N801 - PyTorch's name
    def __init__(self, orig_func: Callable | None = None) -> None:
        self.target = False


class enable_grad(_BareDecoratorContext):  # noqa: N801
    def __init__(self, orig_func: Callable | None = None) -> None:
        self.target = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Sets grad mode at once (as a call) and restores it on exit (as a context)."""

    def __init__(self, mode: bool) -> None:
        self.target = bool(mode)
        self.prev = _mode.enabled
        _mode.enabled = self.target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _mode.enabled = self.prev  # as a decorator it only applies inside fn
        return super().__call__(fn)


class inference_mode(_GradModeContext):  # noqa: N801
    def __init__(self, mode: bool = True) -> None:
        self.target = not mode


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Raise at the first op whose forward output or backward gradient holds NaN or Inf."""
    prev = _mode.anomaly
    _mode.anomaly = check_nan
    try:
        yield
    finally:
        _mode.anomaly = prev


def set_detect_anomaly(mode: bool) -> None:
    _mode.anomaly = bool(mode)


class Function:
    """Base of every primitive op. Subclasses define forward and backward on NumPy arrays."""

    __slots__ = ("parents", "needs_input_grad", "retained", "__dict__", "__weakref__")

    def forward(ctx, *arrays, **kwargs) -> np.ndarray:
        raise NotImplementedError

    def backward(ctx, grad: np.ndarray):
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @classmethod
    def apply(cls, *inputs, **kwargs):
        # The hot path of every op: one- and two-input ops skip the generic comprehensions.
        ctx = _new(cls)
        n = len(inputs)
        try:
            if n == 2:
                a, b = inputs
                out = ctx.forward(a.data, b.data, **kwargs)
            elif n == 1:
                a = inputs[0]
                out = ctx.forward(a.data, **kwargs)
            else:
                out = ctx.forward(*[t.data for t in inputs], **kwargs)
        except (ValueError, IndexError) as e:
            raise _op_error(cls, inputs, e) from None
        if out.__class__ is not _ndarray:
            out = np.asarray(out)
        if _mode.anomaly:
            _check_finite(out, cls, "forward")
        t = _new(_Tensor)
        t.data = out
        t.grad = None
        if _mode.enabled:
            if n == 2:
                needs = (a.requires_grad, b.requires_grad)
            elif n == 1:
                needs = (a.requires_grad,)
            else:
                needs = tuple([x.requires_grad for x in inputs])
            if True in needs:
                ctx.parents = inputs
                ctx.needs_input_grad = needs
                ctx.retained = None
                t.grad_fn = ctx
                t.requires_grad = True
                return t
        t.grad_fn = None
        t.requires_grad = False
        return t


_new = object.__new__
_ndarray = np.ndarray


def _op_error(cls: type, inputs, err: Exception) -> Exception:
    shapes = " and ".join(str(tuple(t.data.shape)) for t in inputs)
    op = cls.__name__.lower()
    exc_type = IndexError if isinstance(err, IndexError) else RuntimeError
    return exc_type(f"{op}: {err} (input shapes {shapes})")


def _check_finite(arr: np.ndarray, op: type | Function, phase: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        name = op.name()
        bad = "NaN" if np.isnan(arr).any() else "Inf"
        raise RuntimeError(f"detect_anomaly: {name} produced {bad} in its {phase} output")


# The Tensor class is bound here by ember.tensor at import time, so ops can build outputs.
_Tensor = None


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back down to `shape`: the one place broadcasting is undone."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time.")


def _topological_order(roots: Sequence[Function]) -> list[Function]:
    """Nodes ordered so that each comes before every node it feeds into (iterative DFS)."""
    order: list[Function] = []
    visited: set[Function] = set()
    stack: list = [(node, False) for node in roots]
    push, pop = stack.append, stack.pop
    while stack:
        node, expanded = pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        push((node, True))
        for parent in node.parents:
            fn = parent.grad_fn
            if fn is not None and fn not in visited:
                push((fn, False))
    order.reverse()
    return order


def _freed_backward(grad):
    raise RuntimeError(_FREED)


def run_backward(roots, root_grads, retain_graph: bool, capture=None) -> None:
    """Propagate root_grads from roots to the leaves.

    Without `capture`, gradients accumulate into leaves' `.grad` (and retained non-leaves').
    With `capture` (a dict id(tensor) -> tensor), only those tensors' gradients are collected,
    replacing the dict's values.
    """
    grads: dict[Function, np.ndarray] = {}
    # Arrays that some leaf or node already holds: a second holder must get a copy, because
    # leaf gradients are later accumulated in place.
    held: set[int] = {id(g) for g in root_grads}
    captured_nodes = {}
    if capture is not None:
        captured_nodes = {t.grad_fn: t for t in capture.values() if t.grad_fn is not None}
        for key in capture:
            capture[key] = None
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            _deliver_to_leaf(t, g, held, capture)
        else:
            node = t.grad_fn
            grads[node] = grads[node] + g if node in grads else g
    anomaly = _mode.anomaly
    for node in _topological_order([t.grad_fn for t in roots if t.grad_fn is not None]):
        grad = grads.pop(node, None)
        if grad is None:
            continue
        if capture is None:
            if node.retained is not None:
                _deliver_retained(node.retained, grad)
        elif node in captured_nodes:
            capture[id(captured_nodes[node])] = grad
        in_grads = node.backward(grad)
        if in_grads.__class__ is not tuple:
            in_grads = (in_grads,)
        if not retain_graph:
            saved = node.__dict__
            if saved:
                saved.clear()
                saved["backward"] = _freed_backward
        for parent, g in zip(node.parents, in_grads):
            if g is None or not parent.requires_grad:
                continue
            if g.__class__ is not _ndarray:
                g = np.asarray(g)
            if g.shape != parent.data.shape:
                g = _unbroadcast(g, parent.data.shape)
            if anomaly:
                _check_finite(g, node, "backward")
            fn = parent.grad_fn
            if fn is not None:
                if fn in grads:
                    grads[fn] = grads[fn] + g
                else:
                    grads[fn] = g
                    held.add(id(g))
            elif capture is None and parent.grad is not None:
                acc = parent.grad.data
                if acc.shape == g.shape:  # the grad may have been reassigned by the user
                    acc += g
                else:
                    parent.grad.data = acc + g
            else:
                _deliver_to_leaf(parent, g, held, capture)


def _deliver_to_leaf(leaf, g: np.ndarray, held: set[int], capture) -> None:
    if capture is not None:
        if id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = g if prev is None else prev + g
        return
    if g.dtype is not leaf.data.dtype and g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    elif g.base is not None or id(g) in held:
        g = g.copy()
    held.add(id(g))
    if leaf.grad is None:
        leaf.grad = _Tensor._from_op(g, None)
    else:
        leaf.grad.data += g


def _deliver_retained(tensor, g: np.ndarray) -> None:
    if tensor.grad is None:
        tensor.grad = _Tensor._from_op(g.copy(), None)
    else:
        tensor.grad.data += g


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs: list, grad_outputs: list) -> list[np.ndarray]:
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grads.append(np.ones(out.data.shape, out.data.dtype))
            continue
        arr = g.data if isinstance(g, _Tensor) else np.asarray(g, dtype=out.data.dtype)
        if arr.shape != out.data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(arr.shape)} and "
                f"output[{i}] has a shape of {tuple(out.data.shape)}.")
        grads.append(arr)
    return grads


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """torch.autograd.backward: accumulate d(tensors)/d(leaves) into the leaves' .grad."""
    if create_graph:
        raise NotImplementedError(
            "ember does not support higher-order gradients (create_graph=True) yet")
    if inputs is not None:
        raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
    outputs = _as_list(tensors)
    grad_outputs = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    run_backward(outputs, _root_grads(outputs, grad_outputs), bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False):
    """torch.autograd.grad: the gradients of outputs w.r.t. inputs, leaving every .grad alone."""
    if create_graph:
        raise NotImplementedError(
            "ember does not support higher-order gradients (create_graph=True) yet")
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    grad_outputs = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    capture = {id(t): t for t in inputs}
    run_backward(outputs, _root_grads(outputs, grad_outputs), bool(retain_graph), capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture[id(t)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used in the graph; pass allow_unused=True if this is "
                "expected")
        result.append(None if g is None else _Tensor._from_op(np.array(g, copy=True), None))
    return tuple(result)


def gradcheck(fn: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare autograd's gradients with central finite differences, in float64.

    Every float input must be float64 and requires_grad, as in torch.autograd.gradcheck. The
    output's gradient is probed through a fixed random projection, so non-scalar outputs work.
    """
    inputs = _as_list(inputs)
    diff = [t for t in inputs if isinstance(t, _Tensor) and t.requires_grad]
    for t in diff:
        if t.data.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs must be float64, got {t.dtype}")

    def outputs_of():
        return [o for o in _as_list(fn(*inputs)) if isinstance(o, _Tensor)]

    outs = outputs_of()
    rng = np.random.default_rng(0)
    projections = [rng.standard_normal(o.data.shape) for o in outs]

    def objective() -> float:
        with no_grad():
            return math.fsum(float((o.data * p).sum()) for o, p in zip(outputs_of(), projections))

    analytic = grad([o for o in outs if o.requires_grad],
                    diff, [_Tensor(p) for o, p in zip(outs, projections) if o.requires_grad],
                    allow_unused=True)
    for k, (t, a) in enumerate(zip(diff, analytic)):
        numeric = np.zeros_like(t.data)
        flat, num_flat = t.data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = objective()
            flat[i] = orig - eps
            minus = objective()
            flat[i] = orig
            num_flat[i] = (plus - minus) / (2 * eps)
        got = np.zeros_like(numeric) if a is None else a.data
        if not np.allclose(got, numeric, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            worst = np.abs(got - numeric).max()
            raise RuntimeError(
                f"gradcheck: Jacobian mismatch for input {k} (shape {tuple(t.data.shape)}): "
                f"max abs difference {worst:.3g}\nnumerical:\n{numeric}\nanalytical:\n{got}")
    return True
