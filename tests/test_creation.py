"""Factories: dtypes inferred and defaulted as PyTorch does, shapes, values, requires_grad, and
reproducible randomness under ember.manual_seed."""

from __future__ import annotations

import numpy as np
import pytest

import ember

# Each expression runs in both libraries (m is ember or torch): same dtype, shape, requires_grad.
FACTORIES = [
    "m.tensor(1)", "m.tensor(1.5)", "m.tensor(True)", "m.tensor([1, 2.5])", "m.tensor([True, 2])",
    "m.tensor([[1, 2], [3, 4]], dtype=m.float64)", "m.tensor([])", "m.tensor([[]])",
    "m.tensor(np.array([1, 2]))", "m.tensor(np.array([1.0, 2.0]))", "m.tensor(np.float64(1.5))",
    "m.tensor(np.array([1, 2], dtype=np.int32))", "m.tensor(np.int32(2))",
    "m.tensor([m.tensor(1.0), m.tensor(2.0)])", "m.tensor([1.0], requires_grad=True)",
    "m.as_tensor([1, 2])", "m.as_tensor(np.array([1.0, 2.0]))",
    "m.as_tensor([1, 2], dtype=m.float64)",
    "m.from_numpy(np.zeros(3))", "m.from_numpy(np.zeros((2, 1), dtype=np.int32))",
    "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2, 3], dtype=m.int64)", "m.zeros(0)",
    "m.zeros(2, 3, requires_grad=True)", "m.ones(3, dtype=m.bool)", "m.ones(2, 1, dtype=m.float64)",
    "m.full((2, 3), 7)", "m.full((2, 3), 7.0)", "m.full((2,), True)", "m.full((2,), np.float64(1))",
    "m.full((2, 3), 7, dtype=m.float32)", "m.full((2,), 1.0, requires_grad=True)", "m.empty(2, 3)",
    "m.empty(2, dtype=m.int32)", "m.zeros_like(m.ones(2, dtype=m.int32))",
    "m.ones_like(m.ones(2), dtype=m.float64)", "m.full_like(m.ones(2), 3)",
    "m.full_like(m.ones(2, dtype=m.int64), 3)", "m.empty_like(m.ones(2, 3))",
    "m.zeros_like(m.ones(2), requires_grad=True)", "m.rand_like(m.ones(2, dtype=m.float64))",
    "m.randn_like(m.ones(2, 3))", "m.arange(5)", "m.arange(5.0)", "m.arange(1, 4)",
    "m.arange(0, 1, 0.25)", "m.arange(5, dtype=m.float32)", "m.arange(0, 10, 3)",
    "m.arange(-1.0, 1.0, 0.3)", "m.arange(0, 1, 0.1)", "m.linspace(0, 1, 5)",
    "m.linspace(-1, 1, 1)",
    "m.linspace(0, 1, 5, dtype=m.float64)", "m.eye(3)", "m.eye(2, 3)", "m.eye(3, dtype=m.int64)",
    "m.rand(2, 3)", "m.rand((2, 3))", "m.rand(2, dtype=m.float64)",
    "m.randn(2, 3, requires_grad=True)",
    "m.randint(0, 10, (3,))", "m.randint(10, (3,))", "m.randint(0, 10, (3,), dtype=m.int32)",
    "m.randperm(5)", "m.randperm(4, dtype=m.int32)", "m.normal(0.0, 1.0, (2, 3))",
    "m.normal(m.zeros(3), 1.0)", "m.normal(m.zeros(3), m.ones(3))", "m.normal(0.0, m.ones(2, 2))",
    "m.normal(m.zeros(3, dtype=m.float64), 1.0)",
]


@pytest.mark.parametrize("expr", FACTORIES)
def test_factory_matches_torch(torch, expr):
    ours = eval(expr, {"m": ember, "np": np})
    theirs = eval(expr, {"m": torch, "np": np})
    assert isinstance(ours, ember.Tensor)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad and ours.is_leaf
    if not any(name in expr for name in ("rand", "empty", "normal")):  # deterministic values
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_tensor_copies_but_as_tensor_and_from_numpy_share():
    a = np.array([1.0, 2.0])
    assert not np.shares_memory(ember.tensor(a).detach().numpy(), a)
    assert np.shares_memory(ember.as_tensor(a).detach().numpy(), a)
    shared = ember.from_numpy(a)
    a[0] = 5.0
    assert shared.tolist() == [5.0, 2.0]
    t = ember.ones(2)
    assert ember.as_tensor(t) is t
    with pytest.raises(TypeError):
        ember.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError):
        ember.tensor(np.array(["a", "b"]))


def test_random_values_are_in_range():
    u = ember.rand(1000)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0 and 0.4 < u.mean().item() < 0.6
    n = ember.randn(4000, dtype=ember.float64)
    assert abs(n.mean().item()) < 0.1 and 0.9 < n.std().item() < 1.1
    r = ember.randint(3, 7, (1000,))
    assert set(r.tolist()) == {3, 4, 5, 6}
    assert sorted(ember.randperm(10).tolist()) == list(range(10))
    g = ember.normal(5.0, 0.5, (4000,))
    assert 4.9 < g.mean().item() < 5.1 and 0.45 < g.std().item() < 0.55
    per_elem = ember.normal(ember.tensor([0.0, 100.0]), ember.tensor([1e-3, 1e-3]))
    np.testing.assert_allclose(per_elem.numpy(), [0.0, 100.0], atol=0.01)


@pytest.mark.parametrize("draw", [
    lambda **kw: ember.rand(3, 2, **kw), lambda **kw: ember.randn(5, **kw),
    lambda **kw: ember.randint(0, 100, (6,), **kw), lambda **kw: ember.randperm(8, **kw),
    lambda **kw: ember.normal(0.0, 1.0, (4,), **kw),
])
def test_manual_seed_reproducible(draw):
    ember.manual_seed(123)
    first = [draw().tolist() for _ in range(2)]
    ember.manual_seed(123)
    again = [draw().tolist() for _ in range(2)]
    assert first == again and first[0] != first[1]
    ember.manual_seed(124)
    assert draw().tolist() != first[0]
    gen = ember.Generator().manual_seed(123)
    assert draw(generator=gen).tolist() == first[0]  # a private generator of the same seed


def test_rng_state_roundtrip():
    ember.manual_seed(7)
    state = ember.get_rng_state()
    a = ember.randn(3).tolist()
    ember.set_rng_state(state)
    assert ember.randn(3).tolist() == a
