"""What DistributedDataParallel reads from the autograd graph: which parameters an output
depends on, and the moment backward has produced every gradient.

The second is a stand-in until the engine calls PyTorch's
`Tensor.register_post_accumulate_grad_hook` hooks. `ReduceAfterBackward` is an identity on the
module's outputs, recorded in front of the module's own graph, whose backward runs the module's
backward itself and then calls `done`: the gradients are all in their `.grad` by then, so the
reducer gets every one at once (no overlap of communication and backward). Its parents are the
caller's tensors that require grad, whose gradients it returns as an ordinary op would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...autograd import Function
from ...autograd import backward as run_backward
from ...tensor import Tensor


def reachable_leaves(outputs: list) -> set[int]:
    """ids of the leaf tensors requiring grad that backward from `outputs` reaches."""
    leaves = {id(t) for t in outputs if t.grad_fn is None and t.requires_grad}
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge, needed in zip(node.parents, node.needs_input_grad):
            if isinstance(edge, Function):
                stack.append(edge)
            elif needed:
                leaves.add(id(edge))
    return leaves


def find_tensors(obj) -> list:
    """The tensors in a module's output (a Tensor, or lists, tuples and dicts of them)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in find_tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in find_tensors(item)]
    return []


def replace_tensors(obj, replacement: dict):
    """`obj` with each tensor t replaced by replacement[id(t)] where present."""
    if isinstance(obj, Tensor):
        return replacement.get(id(obj), obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple
        return type(obj)(*(replace_tensors(item, replacement) for item in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(replace_tensors(item, replacement) for item in obj)
    if isinstance(obj, dict):
        return type(obj)((k, replace_tensors(v, replacement)) for k, v in obj.items())
    return obj


class ReduceAfterBackward(Function):
    """forward(anchor, *caller_tensors, outputs, inputs, done): the outputs' values, packed
    into one flat array when there are several; see the module docstring."""

    def forward(ctx, anchor, *caller_arrays, outputs: list, inputs: list,
                done: Callable[[], None]):
        ctx.outputs, ctx.inputs, ctx.done = outputs, inputs, done
        if len(outputs) == 1:
            return outputs[0]._data.copy()
        return np.concatenate([t._data.reshape(-1) for t in outputs])

    def backward(ctx, grad):
        outputs = ctx.outputs
        if len(outputs) == 1:
            grads = [grad]
        else:
            ends = np.cumsum([t._data.size for t in outputs]).tolist()
            grads = [grad[end - t._data.size:end].reshape(t._data.shape)
                     for t, end in zip(outputs, ends)]
        # retain_graph: the caller's backward may itself retain the graph (this node's saved
        # state, and with it the module's graph, is freed when the caller's backward is done).
        run_backward(outputs, [Tensor(g) for g in grads], retain_graph=True)
        ctx.done()
        return (None, *[None if t.grad is None else t.grad._data for t in ctx.inputs])


def pack_outputs(output, anchor: Tensor, callers: list, inputs: list,
                 done: Callable[[], None]):
    """The module's `output` with its tensors that require grad passed through one
    ReduceAfterBackward node (the rest unchanged)."""
    tracked = [t for t in find_tensors(output) if t.requires_grad]
    if not tracked:
        return output
    packed = ReduceAfterBackward.apply(anchor, *callers, outputs=tracked, inputs=inputs,
                                       done=done)
    if len(tracked) == 1:
        return replace_tensors(output, {id(tracked[0]): packed})
    replacement, start = {}, 0
    for t in tracked:
        end = start + t._data.size
        replacement[id(t)] = packed[start:end].reshape(t.shape)
        start = end
    return replace_tensors(output, replacement)
