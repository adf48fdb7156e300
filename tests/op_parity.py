"""Checks of a differentiable op against finite differences and against PyTorch, shared by the
tables of test_math.py, test_products.py and test_linalg.py.

A case is (id, fn, input shapes, domain). `fn(m, *inputs)` is written once against the module
`m` (ember or torch). The domain names where inputs are drawn from (see `draw`), or is a
function rng, shapes -> arrays for inputs that must satisfy more (a nonsingular matrix, ...).
"""

from __future__ import annotations

import numpy as np

import ember
from ember.autograd import gradcheck, gradgradcheck

DOMAINS = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),  # asin, atanh, erfinv
    "above1": lambda rng, s: rng.uniform(1.2, 3.0, s),  # acosh
    "prob": lambda rng, s: rng.uniform(0.1, 0.9, s),  # logit
    "wide": lambda rng, s: rng.uniform(-4.0, 4.0, s),  # erf and friends in both regimes
    "ties": lambda rng, s: rng.integers(-1, 2, s).astype(np.float64),  # kinks: parity only
}
TOLERANCE = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-11)}


def draw(shapes, domain, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if callable(domain):
        return domain(rng, shapes)
    return [DOMAINS[domain](rng, s) for s in shapes]


def items(x) -> list:
    """An op's tensor outputs as a list: one tensor, or a tuple of them."""
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _float64_leaves(arrays) -> list:
    return [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]


def check_gradcheck(fn, shapes, domain) -> None:
    inputs = _float64_leaves(draw(shapes, domain, 1))
    assert gradcheck(lambda *xs: items(fn(ember, *xs)), inputs)


def check_gradgradcheck(fn, shapes, domain) -> None:
    inputs = _float64_leaves(draw(shapes, domain, 1))
    assert gradgradcheck(lambda *xs: items(fn(ember, *xs)), inputs)


def _dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


def check_parity(torch, fn, shapes, domain, dtype: str, tol=None) -> None:
    """Values, output dtypes and every input's gradient, against PyTorch."""
    tol = tol or TOLERANCE[dtype]
    arrays = [a.astype(dtype) for a in draw(shapes, domain, 2)]
    ours = [ember.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs, refs = items(fn(ember, *ours)), items(fn(torch, *theirs))
    assert len(outs) == len(refs)
    rng = np.random.default_rng(3)
    loss_ours, loss_theirs = 0, 0
    for out, ref in zip(outs, refs):
        assert tuple(out.shape) == tuple(ref.shape)
        assert _dtype_name(out) == _dtype_name(ref)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
        if ref.requires_grad:
            assert out.requires_grad
            weight = rng.standard_normal(tuple(ref.shape)).astype(dtype)
            loss_ours = loss_ours + (out * ember.tensor(weight)).sum()
            loss_theirs = loss_theirs + (ref * torch.tensor(weight)).sum()
        else:
            assert not out.requires_grad
    if isinstance(loss_theirs, int):
        return
    loss_ours.backward()
    loss_theirs.backward()
    for i, (x, ref) in enumerate(zip(ours, theirs)):
        if ref.grad is None:
            assert x.grad is None or not np.any(x.grad.numpy()), f"input {i}"
            continue
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.dtype == x.dtype
        np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), **tol,
                                   err_msg=f"gradient of input {i}")


def check_double_backward(torch, fn, shapes, domain) -> None:
    """The gradient of (first gradients . v) matches PyTorch's, in float64."""
    arrays = draw(shapes, domain, 5)
    results = []
    for m in (ember, torch):
        rng = np.random.default_rng(6)
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        outs = [o for o in items(fn(m, *xs)) if o.requires_grad]
        seeds = [m.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
        firsts = m.autograd.grad(outs, xs, seeds, create_graph=True, allow_unused=True)
        total = sum((g * m.tensor(rng.standard_normal(tuple(g.shape)))).sum()
                    for g in firsts if g is not None and g.requires_grad)
        if isinstance(total, int):  # every first gradient is constant: no second derivative
            results.append([None] * len(xs))
            continue
        seconds = m.autograd.grad(total, xs, allow_unused=True)
        results.append([_array_or_none(g) for g in seconds])
    for i, (a, b) in enumerate(zip(*results)):
        if b is None or not np.any(b):
            assert a is None or not np.any(a), f"input {i}"
        else:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"input {i}")


def _array_or_none(g):
    """A gradient's values; None for none, or for PyTorch's symbolic ZeroTensor."""
    if g is None or getattr(g, "_is_zerotensor", lambda: False)():
        return None
    return g.detach().numpy()


def coverage_table(cases) -> list:
    """A table's cases in the form tests/test_op_coverage.py reads: (id, fn, inputs), whose
    inputs `make_arrays` draws."""
    return [(name, fn, (shapes, domain)) for name, fn, shapes, domain in cases]


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    shapes, domain = inputs
    return draw(shapes, domain, seed)
