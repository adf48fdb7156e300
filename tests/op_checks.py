"""The checks every differentiable op gets, shared by the op tables (test_ops.py and the tables of
selection, gather/scatter, scans, ...): gradcheck and gradgradcheck in float64, the double
backward against PyTorch's, and parity with PyTorch (forward values, output dtype, and the
gradient of every input) in float32 and float64. `table_tests`, `value_parity_test` and
`error_parity_test` make a module's parametrized tests from its tables.

A case is (id, fn, input shapes, domain). `fn(m, *inputs)` is written once against the module `m`
(ember or torch), so the same code runs through both libraries. The domain names where inputs
are drawn from (DOMAINS), or is a function (rng, shapes) -> arrays for inputs that must satisfy
more (a nonsingular matrix, duplicate rows, ...). Cases of the "ties" domain (the integers -1, 0,
1: kinks and ties) get parity checks only, as finite differences can't tell there.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember
from ember.autograd import gradcheck, gradgradcheck

TOLERANCE = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def items(x):
    """An op's tensor outputs as a list: one tensor, a tuple, or a (values, indices) pair."""
    return list(x) if isinstance(x, (tuple, list)) else [x]


DOMAINS = {
    "real": lambda rng, s: rng.standard_normal(s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),  # log, sqrt, division, a**b
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),  # asin, atanh, erfinv
    "above1": lambda rng, s: rng.uniform(1.2, 3.0, s),  # acosh
    "prob": lambda rng, s: rng.uniform(0.1, 0.9, s),  # logit
    "wide": lambda rng, s: rng.uniform(-4.0, 4.0, s),  # erf and friends in both regimes
    "ties": lambda rng, s: rng.integers(-1, 2, s).astype(np.float64),
    # products whose gradients need care at exact zeros: a third of the elements are 0
    "zeros": lambda rng, s: rng.standard_normal(s) * (rng.random(s) > 1 / 3),
}


def make_inputs(shapes, domain, rng: np.random.Generator) -> list[np.ndarray]:
    if callable(domain):
        return domain(rng, shapes)
    return [DOMAINS[domain](rng, s) for s in shapes]


def draw(shapes, domain, seed: int) -> list[np.ndarray]:
    return make_inputs(shapes, domain, np.random.default_rng(seed))


def smooth(cases) -> list:
    """The cases finite differences can check (not the "ties" ones)."""
    return [c for c in cases if c[3] != "ties"]


def _float64_leaves(shapes, domain, seed: int) -> list:
    arrays = draw(shapes, domain, seed)
    return [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]


def check_gradcheck(fn, shapes, domain) -> None:
    inputs = _float64_leaves(shapes, domain, 1)
    assert gradcheck(lambda *xs: items(fn(ember, *xs)), inputs)


def check_gradgradcheck(fn, shapes, domain) -> None:
    inputs = _float64_leaves(shapes, domain, 1)
    assert gradgradcheck(lambda *xs: items(fn(ember, *xs)), inputs)


def check_double_backward_parity(torch, fn, shapes, domain) -> None:
    """The gradient of (first gradients . v) matches PyTorch's, float64."""
    arrays = draw(shapes, domain, 5)
    results = []
    for m in (ember, torch):
        rng = np.random.default_rng(6)
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        outs = [o for o in items(fn(m, *xs)) if o.requires_grad]
        seeds = [m.tensor(np.random.default_rng(7).standard_normal(tuple(o.shape)))
                 for o in outs]
        firsts = m.autograd.grad(outs, xs, seeds, create_graph=True, allow_unused=True)
        total = sum((g * m.tensor(rng.standard_normal(tuple(g.shape)))).sum()
                    for g in firsts if g is not None and g.requires_grad)
        if isinstance(total, int):  # every first gradient is constant: nothing to compare
            results.append(None)
            continue
        seconds = m.autograd.grad(total, xs, allow_unused=True)
        results.append([_array_or_none(g) for g in seconds])
    ours, theirs = results
    ours, theirs = ours or [None] * len(arrays), theirs or [None] * len(arrays)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b is None or not np.any(b):  # no second derivative (None, or zeros)
            assert a is None or not np.any(a), f"input {i}"
        else:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"input {i}")


def _array_or_none(g):
    """A gradient's values; None for none, or for PyTorch's symbolic ZeroTensor."""
    if g is None or getattr(g, "_is_zerotensor", lambda: False)():
        return None
    return g.detach().numpy()


def check_parity(torch, fn, shapes, domain, dtype, tolerance=None) -> None:
    """Values, output dtypes and every input's gradient, against PyTorch. `tolerance`: per dtype
    (TOLERANCE's form), for a table whose reference computations differ more (LAPACK)."""
    tol = (tolerance or TOLERANCE)[dtype]
    arrays = [a.astype(dtype) for a in draw(shapes, domain, 2)]
    ours = [ember.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs, refs = items(fn(ember, *ours)), items(fn(torch, *theirs))
    assert len(outs) == len(refs)
    loss_ours, loss_theirs = 0, 0
    rng = np.random.default_rng(3)
    for out, ref in zip(outs, refs):
        assert isinstance(out, ember.Tensor)
        assert tuple(out.shape) == tuple(ref.shape)
        assert str(out.dtype) == str(ref.dtype).replace("torch.", "ember.")
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
        if ref.requires_grad:
            assert out.requires_grad and out.grad_fn is not None
            weight = rng.standard_normal(tuple(ref.shape)).astype(dtype)
            loss_ours = loss_ours + (out * ember.tensor(weight)).sum()
            loss_theirs = loss_theirs + (ref * torch.tensor(weight)).sum()
        else:  # integer outputs (indices of max/min) carry no graph
            assert not out.requires_grad
    if isinstance(loss_theirs, int):  # no output carries a graph
        return
    loss_ours.backward()
    loss_theirs.backward()
    for i, (x, ref) in enumerate(zip(ours, theirs)):
        if ref.grad is None:  # an input the outputs do not depend on differentiably
            assert x.grad is None or not np.any(x.grad.numpy()), f"input {i}"
            continue
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.dtype == x.dtype, f"input {i}: gradient dtype {x.grad.dtype} != {x.dtype}"
        np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), **tol,
                                   err_msg=f"gradient of input {i}")


def assert_same(ours, theirs, what: str = "") -> None:
    """Same structure (tensor, tuple or named tuple of them, number), shapes, dtypes and values
    (NaN equal to NaN)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (what, ours)
        if hasattr(theirs, "_fields"):
            assert getattr(ours, "_fields", None) == theirs._fields, what
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{what}[{k}]")
        return
    if not hasattr(theirs, "dtype"):  # a Python number or bool
        assert ours == theirs or (ours != ours and theirs != theirs), (what, ours, theirs)
        return
    assert isinstance(ours, ember.Tensor), (what, type(ours))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember."), (
        what, ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape), (what, ours.shape, theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                               atol=1e-12, equal_nan=True, err_msg=what)


def table_tests(cases, tolerance=None, parity_only=(), no_torch_double_backward=()) -> tuple:
    """The four tests of a table of differentiable cases, for a test module to bind:
    `test_gradcheck, test_gradgradcheck, test_double_backward_parity, test_parity =
    table_tests(CASES)`. `tolerance`: check_parity's; `parity_only`: more cases for the parity
    test alone (kinks, as "ties" cases are); `no_torch_double_backward`: ids of cases whose
    second derivative PyTorch lacks (gradgradcheck still checks ember's)."""
    smooth_cases = smooth(cases)
    double = [c for c in smooth_cases if c[0] not in no_torch_double_backward]
    every = list(cases) + list(parity_only)

    @pytest.mark.parametrize("name, fn, shapes, domain", smooth_cases, ids=_ids(smooth_cases))
    def test_gradcheck(name, fn, shapes, domain):
        check_gradcheck(fn, shapes, domain)

    @pytest.mark.parametrize("name, fn, shapes, domain", smooth_cases, ids=_ids(smooth_cases))
    def test_gradgradcheck(name, fn, shapes, domain):
        check_gradgradcheck(fn, shapes, domain)

    @pytest.mark.parametrize("name, fn, shapes, domain", double, ids=_ids(double))
    def test_double_backward_parity(torch, name, fn, shapes, domain):
        check_double_backward_parity(torch, fn, shapes, domain)

    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("name, fn, shapes, domain", every, ids=_ids(every))
    def test_parity(torch, name, fn, shapes, domain, dtype):
        check_parity(torch, fn, shapes, domain, dtype, tolerance)

    return test_gradcheck, test_gradgradcheck, test_double_backward_parity, test_parity


def _ids(cases) -> list[str]:
    return [c[0] for c in cases]


def value_parity_test(cases):
    """A test that each (id, fn(m)) of `cases` gives the same as in PyTorch (assert_same)."""

    @pytest.mark.parametrize("name, fn", cases, ids=[c[0] for c in cases])
    def test_value_parity(torch, name, fn):
        assert_same(fn(ember), fn(torch), name)

    return test_value_parity


def error_parity_test(cases):
    """A test that each (id, fn(m)) of `cases` raises in PyTorch, and in ember the same kind of
    exception."""

    @pytest.mark.parametrize("name, fn", cases, ids=[c[0] for c in cases])
    def test_errors_as_pytorch(torch, name, fn):
        ours, theirs = outcome(lambda: fn(ember)), outcome(lambda: fn(torch))
        assert theirs[0] != "ok", "PyTorch accepts this case: it is not an error case"
        same_kind(ours, theirs, name)

    return test_errors_as_pytorch


def node_name_test(fns):
    """A test that each fn(m, x) of `fns`, on a (2, 3) tensor that requires grad, gives a result
    whose grad_fn has the name of PyTorch's."""

    @pytest.mark.parametrize("fn", fns)
    def test_node_names(torch, fn):
        ours = fn(ember, ember.ones(2, 3, requires_grad=True))
        theirs = fn(torch, torch.ones(2, 3, requires_grad=True))
        assert ours.grad_fn.name() == type(theirs.grad_fn).__name__

    return test_node_names
