"""The `out=` keyword of the selection, gathering, scan, triangular, stacking and sampling
functions, against PyTorch: the result is written into the tensor (or tuple of tensors) passed,
which is returned, resized from empty, with PyTorch's values and dtype."""

from __future__ import annotations

import pytest
from op_checks import assert_same
from parity_helpers import outcome, same_kind

import ember

DATA = [[3.0, 1.0, 2.0, 0.5], [0.0, 5.0, 4.0, 4.5]]  # no ties: their order is PyTorch's choice
INDEX = [[2, 0], [1, 1]]


def x(m):
    return m.tensor(DATA)


def floats(m):
    return m.empty(0)


def longs(m):
    return m.empty(0, dtype=m.int64)


def pair(m):
    return floats(m), longs(m)


# (id, fn(m, out), make_out(m)): fn calls the function with out=
CASES = [
    ("argsort", lambda m, o: m.argsort(x(m), stable=True, out=o), longs),
    ("msort", lambda m, o: m.msort(x(m), out=o), floats),
    ("topk", lambda m, o: m.topk(x(m), 2, out=o), pair),
    ("kthvalue", lambda m, o: m.kthvalue(x(m), 2, 1, out=o), pair),
    ("median", lambda m, o: m.median(x(m), 1, out=o), pair),
    ("nanmedian", lambda m, o: m.nanmedian(x(m), 0, keepdim=True, out=o), pair),
    ("mode", lambda m, o: m.mode(x(m), 1, out=o), pair),
    ("histc", lambda m, o: m.histc(x(m), bins=4, out=o), floats),
    ("isin", lambda m, o: m.isin(x(m), m.tensor([1.0, 4.0]), out=o), lambda m: m.empty(
        0, dtype=m.bool)),
    ("searchsorted", lambda m, o: m.searchsorted(m.tensor([1.0, 3.0]), x(m), out=o), longs),
    ("bucketize", lambda m, o: m.bucketize(x(m), m.tensor([1.0, 3.0]), right=True, out=o),
     longs),
    ("gather", lambda m, o: m.gather(x(m), 1, m.tensor(INDEX), out=o), floats),
    ("scatter", lambda m, o: m.scatter(x(m), 1, m.tensor(INDEX), -1.0, out=o), floats),
    ("scatter_add", lambda m, o: m.scatter_add(x(m), 1, m.tensor(INDEX), x(m), out=o), floats),
    ("scatter_reduce", lambda m, o: m.scatter_reduce(x(m), 1, m.tensor(INDEX), x(m), "amax",
                                                     out=o), floats),
    ("index_select", lambda m, o: m.index_select(x(m), 1, m.tensor([3, 0]), out=o), floats),
    ("index_add", lambda m, o: m.index_add(x(m), 0, m.tensor([1]), m.ones(1, 4), alpha=2,
                                           out=o), floats),
    ("index_copy", lambda m, o: m.index_copy(x(m), 1, m.tensor([2]), m.ones(2, 1), out=o),
     floats),
    ("masked_select", lambda m, o: m.masked_select(x(m), x(m) > 1, out=o), floats),
    ("take", lambda m, o: m.take(x(m), m.tensor([7, 0]), out=o), floats),
    ("take_along_dim", lambda m, o: m.take_along_dim(x(m), m.tensor(INDEX), 1, out=o), floats),
    ("nonzero", lambda m, o: m.nonzero(x(m), out=o), longs),
    ("where", lambda m, o: m.where(x(m) > 1, x(m), m.zeros(4), out=o), floats),
    ("cumsum", lambda m, o: m.cumsum(x(m), 1, out=o), floats),
    ("cumprod", lambda m, o: m.cumprod(x(m), 0, out=o), floats),
    ("logcumsumexp", lambda m, o: m.logcumsumexp(x(m), 1, out=o), floats),
    ("cummax", lambda m, o: m.cummax(x(m), 1, out=o), pair),
    ("cummin", lambda m, o: m.cummin(x(m), 0, out=o), pair),
    ("diff", lambda m, o: m.diff(x(m), 2, out=o), floats),
    ("tril", lambda m, o: m.tril(x(m), -1, out=o), floats),
    ("triu", lambda m, o: m.triu(x(m), 1, out=o), floats),
    ("diag", lambda m, o: m.diag(x(m), 1, out=o), floats),
    ("hstack", lambda m, o: m.hstack([x(m), x(m)], out=o), floats),
    ("vstack", lambda m, o: m.vstack([x(m), x(m)[:1]], out=o), floats),
    ("dstack", lambda m, o: m.dstack([x(m), x(m)], out=o), floats),
    ("column_stack", lambda m, o: m.column_stack([x(m)[0], x(m)[1]], out=o), floats),
    # sampling, where the draw does not depend on the random numbers
    ("multinomial", lambda m, o: m.multinomial(m.tensor([[0.0, 1.0], [1.0, 0.0]]), 1, out=o),
     longs),
    ("bernoulli", lambda m, o: m.bernoulli(m.tensor([0.0, 1.0]), out=o), floats),
    # (PyTorch's normal resizes no out: out has the result's shape)
    ("normal", lambda m, o: m.normal(x(m), 0.0, out=o), lambda m: m.empty(2, 4)),
]


@pytest.mark.parametrize("name, fn, make_out", CASES, ids=[c[0] for c in CASES])
def test_out_is_written_and_returned(torch, name, fn, make_out):
    results = []
    for m in (ember, torch):
        out = make_out(m)
        returned = fn(m, out)
        outs, got = (out, returned) if isinstance(out, tuple) else ((out,), (returned,))
        assert len(got) == len(outs) and all(r is o for r, o in zip(got, outs)), name
        results.append(outs)
    assert_same(results[0], results[1], name)


# PyTorch's diag(..., out=) gives a tensor whose grad_fn raises NotImplemented: ember refuses it
# up front, as the other differentiable functions.
GRAD_CASES = [c for c in CASES if c[0] != "diag"]


@pytest.mark.parametrize("name, fn, make_out", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_out_with_an_input_that_requires_grad(torch, name, fn, make_out):
    """As PyTorch: writing into out is not differentiable, so with grad mode on a float input
    that requires grad is an error for the differentiable functions (and none for the others)."""
    outcomes = []
    for m in (ember, torch):
        def tensor_requiring_grad(data, m=m, **kwargs):
            t = m.tensor(data, **kwargs)
            return t.requires_grad_() if t.is_floating_point() else t

        module = _Namespace(m, tensor=tensor_requiring_grad)
        outcomes.append(outcome(lambda m=m, module=module: fn(module, make_out(m))))
    same_kind(*outcomes, name)
    if outcomes[1][0] is not RuntimeError:
        assert not any(isinstance(o, ember.Tensor) and o.requires_grad
                       for o in (outcomes[0][1] if isinstance(outcomes[0][1], tuple)
                                 else (outcomes[0][1],))), name


class _Namespace:
    """A module (ember or torch), with some of its names replaced."""

    def __init__(self, base, **replaced) -> None:
        self._base, self._replaced = base, replaced

    def __getattr__(self, name: str):
        return self._replaced.get(name) or getattr(self._base, name)
