"""Second derivatives against PyTorch's: the gradient of (first gradients . v) with respect to
every float input, in float64."""

from __future__ import annotations

import numpy as np

import ember


def second_order_grads(m, fn, arrays: list[np.ndarray], seed: int = 7) -> list:
    """d/dx of sum(d(fn . u)/dx . v), for random u and v, in module m (ember or torch); None
    where a gradient does not reach an input. Float arrays become inputs requiring grad."""
    rng = np.random.default_rng(seed)
    xs = [m.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    diff = [x for x in xs if x.requires_grad]
    out = fn(*xs)
    upstream = m.tensor(rng.standard_normal(tuple(out.shape)))
    firsts = m.autograd.grad(out, diff, upstream, create_graph=True, allow_unused=True)
    total = 0
    for g in firsts:
        if g is not None and g.requires_grad:
            total = total + (g * m.tensor(rng.standard_normal(tuple(g.shape)))).sum()
    if isinstance(total, int):
        return [None] * len(diff)
    seconds = m.autograd.grad(total, diff, allow_unused=True)
    return [None if g is None else _array(g) for g in seconds]


def _array(g) -> np.ndarray:
    if getattr(g, "_is_zerotensor", lambda: False)():  # torch's known-zero gradients
        return np.zeros(tuple(g.shape))
    return g.detach().numpy()


def assert_second_order_matches(torch, ember_fn, torch_fn, *arrays, rtol=1e-9, atol=1e-11):
    ours = second_order_grads(ember, ember_fn, list(arrays))
    theirs = second_order_grads(torch, torch_fn, list(arrays))
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if b is None or a is None:  # a zero second derivative may be None on either side
            assert a is None or not np.any(a), k
            assert b is None or not np.any(b), k
            continue
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"input {k}")
