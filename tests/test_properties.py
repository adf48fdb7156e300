"""Property tests (hypothesis): over random broadcastable shapes and values, element-wise binary
ops and reductions agree with PyTorch, forward and backward, and each gradient has its input's
shape."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
TOL = dict(rtol=1e-9, atol=1e-12, equal_nan=True)

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: m.sub(a, b),
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: m.abs(a) ** b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b * 2),
}


def values(shape, low: float, high: float):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high))


@st.composite
def binary_case(draw):
    op = draw(st.sampled_from(sorted(BINARY)))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    a_shape, b_shape = shapes.input_shapes
    # operands of pow and div stay away from 0 (where they have poles)
    a = draw(values(a_shape, 0.5, 3.0) if op == "pow" else values(a_shape, -3.0, 3.0))
    if op in ("div", "pow"):
        b = draw(values(b_shape, 0.5, 2.0)) * draw(st.sampled_from([1.0, -1.0]))
    else:
        b = draw(values(b_shape, -3.0, 3.0))
    return op, a, b


def run_both(torch, fn, arrays, weight_seed: int = 0):
    """fn through ember and torch; backward with the same random weights; results as numpy."""
    results = []
    for m in (ember, torch):
        inputs = [m.tensor(a, requires_grad=True) for a in arrays]
        out = fn(m, *inputs)
        weight = np.random.default_rng(weight_seed).standard_normal(tuple(out.shape))
        (out * m.tensor(weight)).sum().backward()
        results.append((out.detach().numpy(), [x.grad.numpy() for x in inputs]))
    return results


@SETTINGS
@given(case=binary_case())
def test_binary_ops_match_torch(torch, case):
    op, a, b = case
    (out, grads), (ref, ref_grads) = run_both(torch, BINARY[op], [a, b])
    assert out.shape == ref.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(out, ref, **TOL)
    for x, g, rg in zip((a, b), grads, ref_grads):
        assert g.shape == x.shape
        np.testing.assert_allclose(g, rg, **TOL)


REDUCTIONS = {
    "sum": lambda m, x, dim, keep: x.sum(dim, keepdim=keep),
    "mean": lambda m, x, dim, keep: m.mean(x, dim, keepdim=keep),
    "max": lambda m, x, dim, keep: x.max(dim, keepdim=keep).values,
    "min": lambda m, x, dim, keep: m.min(x, dim, keepdim=keep)[0],
    "amax": lambda m, x, dim, keep: m.amax(x, dim, keepdim=keep),
    "var": lambda m, x, dim, keep: x.var(dim, keepdim=keep),
    "std": lambda m, x, dim, keep: m.std(x, dim, unbiased=False, keepdim=keep),
    "logsumexp": lambda m, x, dim, keep: m.logsumexp(x, dim, keepdim=keep),
    "softmax": lambda m, x, dim, keep: m.softmax(x, dim),
    "log_softmax": lambda m, x, dim, keep: x.log_softmax(dim),
}


@st.composite
def reduction_case(draw):
    op = draw(st.sampled_from(sorted(REDUCTIONS)))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    # a few distinct values, so that ties (max, min) and zero variance (std) come up
    x = draw(values(shape, -3.0, 3.0) | values(shape, -1.0, 1.0).map(np.round))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return op, x, dim, draw(st.booleans())


@SETTINGS
@given(case=reduction_case())
def test_reductions_match_torch(torch, case):
    op, x, dim, keep = case
    (out, (grad,)), (ref, (ref_grad,)) = run_both(
        torch, lambda m, t: REDUCTIONS[op](m, t, dim, keep), [x])
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, **TOL)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, ref_grad, **TOL)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_float32_stays_float32(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (ember.tensor(rng.standard_normal(s), dtype=ember.float32, requires_grad=True)
            for s in shapes.input_shapes)
    out = ((a * b + a / (b.abs() + 1)).exp() - 2.5).sum()
    assert out.dtype is ember.float32
    out.backward()
    assert a.grad.dtype is b.grad.dtype is ember.float32
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
