"""What DistributedDataParallel reads from the autograd graph: which parameters an output
depends on (for `find_unused_parameters`). The moment each gradient is ready comes from the
engine itself, through `Tensor.register_post_accumulate_grad_hook` (see reducer.py).
"""

from __future__ import annotations

from ...autograd import Function
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
            if not needed:  # as the engine: backward does not follow this edge
                continue
            if isinstance(edge, Function):
                stack.append(edge)
            else:
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
