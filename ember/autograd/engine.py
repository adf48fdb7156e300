"""The backward engine: topological order, gradient routing and accumulation, backward and grad.

The graph is made of Functions (see function.py); each keeps one edge per input: the input's
grad_fn, or the input tensor itself when it is a leaf. The engine orders the Functions reachable
from the roots (iteratively, so a chain of 100,000 ops is fine), then runs each one's backward
once, after all gradients flowing into it have been summed. Broadcasting is undone in one place,
here: a gradient shaped like a broadcast result is summed down to the shape of the tensor it
belongs to. A leaf's gradient is delivered once all of its uses are processed, so tensor hooks
see the total, and `register_post_accumulate_grad_hook` hooks fire as soon as a parameter's
gradient is complete (data-parallel training starts reducing it then).

Higher-order gradients: with create_graph=True the pass runs in grad mode on Tensors. Each
Function's backward formula is the same code as on the ordinary path; it receives Tensors (the
gradient, and `saved_tensors`), and because a Tensor answers NumPy's functions with ember's
differentiable ops (ember/numpy_dispatch.py), the formula records a graph of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .function import _FREED, Function, _check_finite, _ndarray
from .grad_mode import _mode

# The Tensor class, bound by ember.tensor at import time.
_Tensor = None


# --8<-- [start:unbroadcast]
def _unbroadcast(grad, shape: tuple):
    """Sum a broadcast gradient back down to `shape`: the one place broadcasting is undone.
    `grad` is an array, or a Tensor when the backward pass is recorded."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = np.sum(grad, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = np.sum(grad, axis=axes, keepdims=True)
    return grad
# --8<-- [end:unbroadcast]


# --8<-- [start:toposort]
def _topological_order(roots: Sequence[Function], count_leaves: bool) -> tuple[list, dict]:
    """Nodes ordered so that each comes before every node it feeds into (iterative DFS), and,
    when asked, for each leaf that needs a gradient, how many edges lead to it."""
    order: list[Function] = []
    leaf_uses: dict = {}
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
        if not count_leaves:
            for edge in node.parents:
                if isinstance(edge, Function) and edge not in visited:
                    push((edge, False))
            continue
        for edge, need in zip(node.parents, node.needs_input_grad):
            if isinstance(edge, Function):
                if edge not in visited:
                    push((edge, False))
            elif need:
                leaf_uses[edge] = leaf_uses.get(edge, 0) + 1
    order.reverse()
    return order, leaf_uses
# --8<-- [end:toposort]


_KEPT = ("retained", "tensor_hooks")


def _freed_backward(grad):
    raise RuntimeError(_FREED)


class _Pass:
    """One backward pass: where gradients go (leaves' .grad, or `capture` for autograd.grad)
    and whether the pass is recorded."""

    def __init__(self, graph: bool, capture: dict | None, leaf_uses: dict) -> None:
        self.graph = graph
        self.capture = capture
        self.left = dict(leaf_uses)  # leaf -> uses not processed yet
        self.pending: dict = {}  # leaf -> [gradient so far, whether another holder may share it]

    def to_leaf(self, leaf, g, shared: bool) -> None:
        """One edge's gradient for a leaf (g is None when that edge carried none)."""
        if g is not None:
            entry = self.pending.get(leaf)
            if entry is None:
                self.pending[leaf] = [g, shared]
            else:
                entry[0] = entry[0] + g
                entry[1] = False
        left = self.left.get(leaf, 1) - 1
        self.left[leaf] = left
        if left <= 0:
            entry = self.pending.pop(leaf, None)
            if entry is not None:
                self.deliver(leaf, *entry)

    def deliver(self, leaf, g, shared: bool) -> None:
        hooks = leaf._grad_hooks
        if hooks:
            g = _run_tensor_hooks(hooks, g, self.graph)
            shared = True
        if self.capture is not None:
            if id(leaf) in self.capture:
                self.capture[id(leaf)] = g
            return
        if self.graph:
            leaf.grad = g if leaf.grad is None else leaf.grad + g
        else:
            _accumulate(leaf, g, shared)
        for hook in leaf._post_accumulate_hooks or ():
            hook(leaf)


# --8<-- [start:accumulate]
def _accumulate(leaf, g: np.ndarray, shared: bool) -> None:
    """Add g into leaf.grad in place; a new .grad owns its array (it is changed in place later,
    so g is copied if anything else may hold it)."""
    grad = leaf.grad
    if grad is None:
        if g.dtype is not leaf._data.dtype and g.dtype != leaf._data.dtype:
            g = g.astype(leaf._data.dtype)
        elif shared:
            g = g.copy()
        leaf.grad = _Tensor._from_op(g, None)
    elif grad._data.shape == g.shape and not grad.requires_grad:
        grad._data += g
    else:  # reassigned by the user, or the graph of an earlier create_graph pass
        leaf.grad = _Tensor._from_op((grad._data + g).astype(leaf._data.dtype, copy=False), None)
# --8<-- [end:accumulate]


def _run_tensor_hooks(hooks: list, g, graph: bool):
    """Tensor.register_hook hooks, in order; each may return a replacement gradient."""
    grad = g if graph else _Tensor._from_op(g, None)
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            grad = result
    return grad if graph else grad._data


def run_backward(roots, root_grads, retain_graph: bool | None, capture=None,
                 create_graph: bool = False) -> None:
    """Propagate root_grads from roots to the leaves.

    Without `capture`, gradients accumulate into leaves' `.grad` (and retained non-leaves').
    With `capture` (a dict id(tensor) -> tensor), only those tensors' gradients are collected,
    replacing the dict's values. With create_graph, the pass itself is recorded.
    """
    retain = create_graph if retain_graph is None else retain_graph
    if not create_graph and not _mode.graph_backward:  # the common case: formulas on arrays
        _run(roots, root_grads, retain, capture, False)
        return
    prev = _mode.enabled, _mode.graph_backward
    _mode.enabled = _mode.graph_backward = bool(create_graph)
    try:
        _run(roots, root_grads, retain, capture, bool(create_graph))
    finally:
        _mode.enabled, _mode.graph_backward = prev


def _run(roots, root_grads, retain: bool, capture, graph: bool) -> None:
    grads: dict = {}
    captured_nodes = {}
    if capture is not None:
        captured_nodes = {t.grad_fn: t for t in capture.values() if t.grad_fn is not None}
        for key in capture:
            capture[key] = None
    # Leaves get their gradient as it comes (accumulated in place), unless something must see
    # a leaf's total first (hooks, autograd.grad, a recorded pass): then they are counted, and
    # go through _Pass, made on first need.
    direct = capture is None and not graph and not _mode.hooks_seen
    order, leaf_uses = _topological_order(
        [t.grad_fn for t in roots if t.grad_fn is not None], not direct)
    root_leaves = []
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:  # a root that is itself a leaf: one more use of it
            leaf_uses[t] = leaf_uses.get(t, 0) + 1
            root_leaves.append((t, g))
        else:
            node = t.grad_fn
            grads[node] = grads[node] + g if node in grads else g
    run = None
    for t, g in root_leaves:
        run = run or _Pass(graph, capture, leaf_uses)
        run.to_leaf(t, g, True)
    anomaly = _mode.anomaly
    Tensor = _Tensor
    for node in order:
        grad = grads.pop(node, None)
        if grad is None:
            if not direct:
                for edge, need in zip(node.parents, node.needs_input_grad):
                    if need and not isinstance(edge, Function):
                        run = run or _Pass(graph, capture, leaf_uses)
                        run.to_leaf(edge, None, False)
            continue
        if not direct:
            hooks = node.tensor_hooks
            if hooks:
                grad = _run_tensor_hooks(hooks, grad, graph)
            if capture is None:
                if node.retained is not None:
                    _deliver_retained(node.retained, grad, graph)
            elif node in captured_nodes:
                capture[id(captured_nodes[node])] = grad
        in_grads = node.backward(grad)
        if in_grads.__class__ is not tuple:
            in_grads = (in_grads,)
        # --8<-- [start:free]
        if not retain:
            node.output = None  # every consumer has passed its gradient on by now
            saved = node.__dict__
            if saved:
                kept = None if direct else {k: saved[k] for k in _KEPT if k in saved}
                saved.clear()
                saved["backward"] = _freed_backward
                if kept:  # what the tensor asked for stays: retains_grad, its hooks
                    saved.update(kept)
        # --8<-- [end:free]
        # --8<-- [start:route]
        for edge, g, need in zip(node.parents, in_grads, node.needs_input_grad):
            if not need:
                continue
            is_node = isinstance(edge, Function)
            if g is None:
                if not is_node and not direct:
                    run = run or _Pass(graph, capture, leaf_uses)
                    run.to_leaf(edge, None, False)
                continue
            if graph:
                if not isinstance(g, Tensor):
                    g = Tensor._from_op(np.asarray(g), None)
            elif g.__class__ is not _ndarray:
                g = np.asarray(g)
            try:
                shape = edge.output.shape if is_node else edge._data.shape
            except AttributeError:  # the producer's output was let go by an earlier backward
                raise RuntimeError(_FREED) from None
            if g.shape != shape:
                g = _unbroadcast(g, shape)
            if anomaly:
                _check_finite(g, node, "backward")
            if is_node:
                # Non-leaf gradients are only ever read or added out of place: sharing is safe.
                grads[edge] = grads[edge] + g if edge in grads else g
            elif direct:
                acc = edge.grad
                if acc is not None and acc._data.shape == g.shape and not acc.requires_grad:
                    acc._data += g
                else:
                    _accumulate(edge, g, g is grad or g.base is not None or (
                        len(in_grads) > 1 and _held_twice(g, in_grads)))
            else:
                run = run or _Pass(graph, capture, leaf_uses)
                run.to_leaf(edge, g, graph or _maybe_shared(g, grad, in_grads))
        # --8<-- [end:route]


def _maybe_shared(g: np.ndarray, grad: np.ndarray, in_grads: tuple) -> bool:
    """Whether anything besides one leaf may hold `g`: a leaf keeps its gradient without a copy
    only when it cannot be, since leaf gradients are later accumulated in place."""
    if g is grad or g.base is not None:  # passed through, or a view of another array
        return True
    return _held_twice(g, in_grads)


def _held_twice(g: np.ndarray, in_grads: tuple) -> bool:
    found = False
    for other in in_grads:
        if other is g:
            if found:
                return True
            found = True
    return False


def _deliver_retained(tensor, g, graph: bool) -> None:
    if graph:
        tensor.grad = g if tensor.grad is None else tensor.grad + g
    elif tensor.grad is None:
        tensor.grad = _Tensor._from_op(g.copy(), None)
    else:
        tensor.grad._data += g


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs: list, grad_outputs: list, graph: bool) -> list:
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out._data.shape, out._data.dtype)
        elif isinstance(g, _Tensor):
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of "
                    f"{tuple(g._data.shape)} and output[{i}] has a shape of "
                    f"{tuple(out._data.shape)}.")
            grads.append(g if graph else g._data)
            continue
        else:
            g = np.asarray(g, dtype=out._data.dtype)
            if g.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                    f"output[{i}] has a shape of {tuple(out._data.shape)}.")
        grads.append(_Tensor._from_op(g, None) if graph else g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """torch.autograd.backward: accumulate d(tensors)/d(leaves) into the leaves' .grad. With
    `inputs`, only those tensors' .grad receive gradients."""
    outputs = _as_list(tensors)
    grad_outputs = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    roots = _root_grads(outputs, grad_outputs, create_graph)
    if inputs is None:
        run_backward(outputs, roots, retain_graph, create_graph=create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    capture = {id(t): t for t in inputs}
    run_backward(outputs, roots, retain_graph, capture, create_graph)
    for t in inputs:
        g = capture[id(t)]
        if g is not None:
            if create_graph:
                t.grad = g if t.grad is None else t.grad + g
            else:
                _accumulate(t, g, True)
            for hook in t._post_accumulate_hooks or ():
                hook(t)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False):
    """torch.autograd.grad: the gradients of outputs w.r.t. inputs, leaving every .grad alone."""
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not supported by ember")
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad "
                               f"(input {i})")
    grad_outputs = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    capture = {id(t): t for t in inputs}
    run_backward(outputs, _root_grads(outputs, grad_outputs, create_graph), retain_graph,
                 capture, create_graph)
    result = []
    for t in inputs:
        g = capture[id(t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = np.zeros_like(t._data)
        if g is None or isinstance(g, _Tensor):
            result.append(g)
        else:
            result.append(_Tensor._from_op(np.array(g, copy=True), None))
    return tuple(result)
