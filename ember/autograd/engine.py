"""The backward engine: topological order, gradient routing and accumulation, backward and grad."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .function import Function, _check_finite, _ndarray
from .grad_mode import _mode

# The Tensor class, bound by ember.tensor at import time.
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
    captured_nodes = {}
    if capture is not None:
        captured_nodes = {t.grad_fn: t for t in capture.values() if t.grad_fn is not None}
        for key in capture:
            capture[key] = None
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            _deliver_to_leaf(t, g, True, capture)
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
        for i, (parent, g) in enumerate(zip(node.parents, in_grads)):
            if g is None or not parent.requires_grad:
                continue
            if g.__class__ is not _ndarray:
                g = np.asarray(g)
            if g.shape != parent._data.shape:
                g = _unbroadcast(g, parent._data.shape)
            if anomaly:
                _check_finite(g, node, "backward")
            fn = parent.grad_fn
            if fn is not None:
                # Non-leaf gradients are only ever read or added out of place: sharing is safe.
                grads[fn] = grads[fn] + g if fn in grads else g
            elif capture is None and parent.grad is not None:
                acc = parent.grad._data
                if acc.shape == g.shape:  # the grad may have been reassigned by the user
                    acc += g
                else:
                    parent.grad._data = acc + g
            else:
                _deliver_to_leaf(parent, g, _maybe_shared(g, grad, in_grads, i), capture)


def _maybe_shared(g: np.ndarray, grad: np.ndarray, in_grads: tuple, i: int) -> bool:
    """Whether anything besides one leaf may hold `g`. A leaf keeps its first gradient without
    a copy only when it cannot be: leaf gradients are later accumulated in place."""
    if g is grad or g.base is not None:  # passed through, or a view of another array
        return True
    return any(other is g for j, other in enumerate(in_grads) if j != i)


def _deliver_to_leaf(leaf, g: np.ndarray, shared: bool, capture) -> None:
    if capture is not None:
        if id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = g if prev is None else prev + g
        return
    if g.dtype is not leaf._data.dtype and g.dtype != leaf._data.dtype:
        g = g.astype(leaf._data.dtype)
    elif shared:
        g = g.copy()
    if leaf.grad is None:
        leaf.grad = _Tensor._from_op(g, None)
    else:
        leaf.grad._data += g


def _deliver_retained(tensor, g: np.ndarray) -> None:
    if tensor.grad is None:
        tensor.grad = _Tensor._from_op(g.copy(), None)
    else:
        tensor.grad._data += g


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs: list, grad_outputs: list) -> list[np.ndarray]:
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grads.append(np.ones(out._data.shape, out._data.dtype))
            continue
        arr = g._data if isinstance(g, _Tensor) else np.asarray(g, dtype=out._data.dtype)
        if arr.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(arr.shape)} and "
                f"output[{i}] has a shape of {tuple(out._data.shape)}.")
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
