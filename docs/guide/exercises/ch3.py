"""Chapter 3's exercises: walking the graph, a gradient penalty, and the version counter."""

from __future__ import annotations

import ember
from ember.autograd import Function


def count_nodes(t: ember.Tensor) -> int:
    """The number of distinct Functions in the graph behind t, without recursion."""
    seen: set[Function] = set()
    stack = [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edge for edge in node.parents if isinstance(edge, Function))
    return len(seen)


def grad_norm_penalty(f, x: ember.Tensor) -> ember.Tensor:
    """‖∇f(x)‖², recorded so that it can be differentiated with respect to x."""
    g, = ember.autograd.grad(f(x).sum(), x, create_graph=True)
    return (g * g).sum()


def exp_then_add_raises() -> bool:
    """exp saves its output, and add_ changes that output in place: ExpBackward0 finds its
    saved tensor at version 1 instead of 0, so backward raises."""
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()
    b.add_(1)
    try:
        b.sum().backward()
    except RuntimeError:
        return True
    return False
