"""multinomial, bernoulli, poisson, normal (four forms), rand*_like and the in-place samplers:
reproducible from ember's generators, the right distributions (moments of many draws), PyTorch's
shapes, dtypes, zero gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import error_parity_test, smooth, table_tests

import ember

N = 20000  # draws per moment check: standard errors of about 1% of the scale

# Samples whose values do not depend on the random draw (probability or rate 0 or 1), so that
# finite differences can check their zero gradients, added to a term with a non-zero one.
CASES = [
    ("bernoulli_p0", lambda m, a: m.bernoulli(a * 0) + a, [(3, 4)], "real"),
    ("bernoulli_p1", lambda m, a: m.bernoulli(a * 0 + 1) * a, [(3, 4)], "real"),
    ("poisson_rate0", lambda m, a: m.poisson(a * 0) + a.exp(), [(3, 4)], "real"),
    ("bernoulli_", lambda m, a: (a * 2).bernoulli_(1.0) * a, [(3, 4)], "real"),
]
GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


def draws_of(m, name):
    """One call of each sampler, on module m (ember or torch)."""
    weights = m.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]])
    return {
        "multinomial": lambda: m.multinomial(weights, 3),
        "multinomial_1d_replacement": lambda: weights[0].multinomial(6, replacement=True),
        "bernoulli": lambda: m.bernoulli(m.full((2, 3), 0.5)),
        "bernoulli_p": lambda: m.bernoulli(m.zeros(3, dtype=m.float64), 0.5),
        "bernoulli_method": lambda: m.full((3,), 0.2).bernoulli(),
        "poisson": lambda: m.poisson(m.full((2, 2), 3.0, dtype=m.float64)),
        "normal_tensors": lambda: m.normal(m.zeros(2, 1), m.ones(3)),
        "normal_tensor_mean": lambda: m.normal(m.zeros(3, dtype=m.float64), 2.0),
        "normal_tensor_std": lambda: m.normal(1.0, m.ones(2, 2)),
        "normal_numbers": lambda: m.normal(2.0, 3.0, (4, 2)),
        "normal_numbers_dtype": lambda: m.normal(0.0, 1.0, size=(3,), dtype=m.float64),
        "rand_like": lambda: m.rand_like(m.zeros(2, 3, dtype=m.float64)),
        "randn_like": lambda: m.randn_like(m.zeros(2, 3)),
        "randint_like": lambda: m.randint_like(m.zeros(3), 5),
        "randint_like_low_high": lambda: m.randint_like(m.zeros(3, dtype=m.int32), 2, 5),
        "uniform_": lambda: m.zeros(3, 2).uniform_(-1, 1),
        "normal_": lambda: m.zeros(4, dtype=m.float64).normal_(1.0, 0.5),
        "random_": lambda: m.zeros(5).random_(3, 7),
        "random_to": lambda: m.zeros(5, dtype=m.int64).random_(4),
        "random_uint8": lambda: m.zeros(5, dtype=m.uint8).random_(),
        "random_bool": lambda: m.zeros(5, dtype=m.bool).random_(),
        "exponential_": lambda: m.zeros(3).exponential_(2.0),
        "bernoulli_": lambda: m.zeros(3, dtype=m.int64).bernoulli_(0.3),
        "bernoulli_tensor_p": lambda: m.zeros(2).bernoulli_(m.tensor([0.0, 1.0])),
        "geometric_": lambda: m.zeros(3, dtype=m.int32).geometric_(0.4),
        "log_normal_": lambda: m.zeros(3).log_normal_(),
        "cauchy_": lambda: m.zeros(3, dtype=m.float64).cauchy_(1.0, 2.0),
    }[name]()


SAMPLERS = ["multinomial", "multinomial_1d_replacement", "bernoulli", "bernoulli_p",
            "bernoulli_method", "poisson", "normal_tensors", "normal_tensor_mean",
            "normal_tensor_std", "normal_numbers", "normal_numbers_dtype", "rand_like",
            "randn_like", "randint_like", "randint_like_low_high", "uniform_", "normal_",
            "random_", "random_to", "random_uint8", "random_bool", "exponential_", "bernoulli_",
            "bernoulli_tensor_p", "geometric_", "log_normal_", "cauchy_"]


@pytest.mark.parametrize("name", SAMPLERS)
def test_shape_and_dtype_as_pytorch(torch, name):
    ours, theirs = draws_of(ember, name), draws_of(torch, name)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember.")


@pytest.mark.parametrize("name", SAMPLERS)
def test_reproducible_from_the_seed(name):
    ember.manual_seed(7)
    first = draws_of(ember, name)
    ember.manual_seed(7)
    assert np.array_equal(draws_of(ember, name).numpy(), first.numpy())


def test_generator_argument_is_used():
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    p = ember.rand(5)
    a = ember.multinomial(p, 3, generator=g1)
    ember.manual_seed(99)  # the default generator plays no part
    assert ember.equal(a, ember.multinomial(p, 3, generator=g2))
    assert ember.equal(ember.zeros(4).normal_(generator=g1), ember.zeros(4).normal_(generator=g2))
    assert ember.equal(ember.rand_like(p, generator=g1), ember.rand_like(p, generator=g2))


def test_multinomial_frequencies():
    p = np.array([0.1, 0.0, 0.6, 0.3])
    with_replacement = ember.multinomial(ember.tensor(p), N, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(with_replacement, minlength=4) / N, p, atol=0.015)
    rows = ember.multinomial(ember.tensor(np.tile(p, (N // 10, 1))), 3).numpy()
    assert all(len(set(r)) == 3 for r in rows[:200])  # without replacement: distinct
    assert (rows != 1).all()  # weight 0 never drawn while others remain
    np.testing.assert_allclose(np.bincount(rows[:, 0], minlength=4) / len(rows), p, atol=0.03)
    # the second draw is from the rest, renormalized: P(2 second) = .1*.6/.9 + .3*.6/.7
    np.testing.assert_allclose((rows[:, 1] == 2).mean(), 0.1 * 0.6 / 0.9 + 0.3 * 0.6 / 0.7,
                               atol=0.03)


def test_multinomial_draws_zero_weights_last():
    drawn = ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 3).tolist()
    assert drawn[0] == 1 and sorted(drawn) == [0, 1, 2]


MOMENTS = [  # (draw N values, expected mean, expected std)
    ("bernoulli", lambda: ember.bernoulli(ember.full((N,), 0.3)), 0.3, np.sqrt(0.21)),
    ("poisson", lambda: ember.poisson(ember.full((N,), 4.0)), 4.0, 2.0),
    ("normal_tensors", lambda: ember.normal(ember.full((N,), 1.0), ember.full((N,), 2.0)), 1.0,
     2.0),
    ("normal_numbers", lambda: ember.normal(-1.0, 0.5, (N,)), -1.0, 0.5),
    ("uniform_", lambda: ember.empty(N).uniform_(2, 4), 3.0, 2 / np.sqrt(12)),
    ("normal_", lambda: ember.empty(N).normal_(3.0, 0.1), 3.0, 0.1),
    ("random_", lambda: ember.empty(N).random_(0, 10), 4.5, np.sqrt(99 / 12)),
    ("exponential_", lambda: ember.empty(N).exponential_(4.0), 0.25, 0.25),
    ("bernoulli_", lambda: ember.empty(N).bernoulli_(0.8), 0.8, 0.4),
    ("geometric_", lambda: ember.empty(N).geometric_(0.5), 2.0, np.sqrt(2.0)),
    ("log_normal_", lambda: ember.empty(N).log_normal_(0.0, 0.25),
     np.exp(0.25**2 / 2), np.sqrt((np.exp(0.25**2) - 1) * np.exp(0.25**2))),
    ("randint_like", lambda: ember.randint_like(ember.empty(N), 3, 6), 4.0, np.sqrt(2 / 3)),
]


@pytest.mark.parametrize("name, draw, mean, std", MOMENTS, ids=[c[0] for c in MOMENTS])
def test_moments(name, draw, mean, std):
    values = draw().double().numpy()
    assert abs(values.mean() - mean) < 5 * std / np.sqrt(N)
    assert abs(values.std() - std) < 0.05 * std


def test_ranges():
    assert set(ember.empty(N).random_(3, 7).tolist()) == {3.0, 4.0, 5.0, 6.0}
    assert ember.empty(N, dtype=ember.uint8).random_().max() == 255
    assert ember.empty(N).geometric_(0.9).min() == 1
    assert np.median(ember.empty(N, dtype=ember.float64).cauchy_(5.0).numpy()) == pytest.approx(
        5.0, abs=0.05)
    assert ember.empty(100).random_()._data.max() <= 2**24


def test_zero_gradients_as_pytorch(torch):
    """A sample's gradient with respect to its parameters is zero in PyTorch: same here."""
    for m in (ember, torch):
        mean = m.ones(3, requires_grad=True)
        std = m.ones(3, requires_grad=True)
        p = m.full((3,), 0.5, requires_grad=True)
        total = (m.normal(mean, std) + m.bernoulli(p) + m.poisson(p)).sum()
        total = total + (mean * 2).uniform_().sum()
        total.backward()
        for t in (mean, std, p):
            assert t.grad is not None and not t.grad.numpy().any()


def test_inplace_samplers_keep_the_graph_rules():
    leaf = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.normal_()
    with ember.no_grad():
        assert leaf.uniform_(-1, 1) is leaf  # how nn.init fills parameters
    assert leaf._version == 1 and (leaf.abs() <= 1).all()


ERRORS = [
    ("normal_shapes", lambda m: m.normal(m.ones(4), m.ones(2, 2))),
    ("multinomial_int", lambda m: m.multinomial(m.tensor([1, 2]), 1)),
    ("multinomial_3d", lambda m: m.multinomial(m.ones(1, 1, 2), 1)),
    ("multinomial_0d", lambda m: m.multinomial(m.tensor(1.0), 1)),
    ("multinomial_zero_samples", lambda m: m.multinomial(m.ones(2), 0)),
    ("multinomial_too_many", lambda m: m.multinomial(m.ones(2), 3)),
    ("multinomial_negative", lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1)),
    ("multinomial_nan", lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1)),
    ("multinomial_zero_sum", lambda m: m.multinomial(m.zeros(2), 1)),
    ("multinomial_out_dtype", lambda m: m.multinomial(m.ones(2), 1, out=m.zeros(1))),
    ("bernoulli_range", lambda m: m.bernoulli(m.tensor([1.5]))),
    ("bernoulli_int", lambda m: m.bernoulli(m.zeros(3, dtype=m.long))),
    ("poisson_negative", lambda m: m.poisson(m.tensor([-1.0]))),
    ("poisson_int", lambda m: m.poisson(m.tensor([1]))),
    ("normal_negative_std", lambda m: m.normal(m.zeros(2), -1.0)),
    ("normal_negative_std_tensor", lambda m: m.normal(m.zeros(2), m.tensor([-1.0, 1.0]))),
    ("normal_int", lambda m: m.normal(m.zeros(2, dtype=m.long), 1.0)),
    ("normal_numbers_no_size", lambda m: m.normal(0.0, 1.0)),
    ("rand_like_int", lambda m: m.rand_like(m.zeros(3, dtype=m.int32))),
    ("uniform_int", lambda m: m.zeros(2, dtype=m.long).uniform_()),
    ("uniform_from_to", lambda m: m.zeros(2).uniform_(1, 0)),
    ("normal_int_", lambda m: m.zeros(2, dtype=m.long).normal_()),
    ("normal_std", lambda m: m.zeros(2).normal_(0, -1)),
    ("random_from_to", lambda m: m.zeros(2).random_(5, 3)),
    ("random_uint8_range", lambda m: m.zeros(2, dtype=m.uint8).random_(0, 300)),
    ("exponential_lambda", lambda m: m.zeros(2).exponential_(0)),
    ("exponential_int", lambda m: m.zeros(2, dtype=m.long).exponential_()),
    ("bernoulli_p", lambda m: m.zeros(2).bernoulli_(1.5)),
    ("geometric_p", lambda m: m.zeros(2).geometric_(1)),
    ("geometric_bool", lambda m: m.zeros(2, dtype=m.bool).geometric_(0.5)),
    ("log_normal_std", lambda m: m.zeros(2).log_normal_(1, 0)),
    ("cauchy_sigma", lambda m: m.zeros(2).cauchy_(0, 0)),
    ("cauchy_int", lambda m: m.zeros(2, dtype=m.long).cauchy_()),
]


test_errors_as_pytorch = error_parity_test(ERRORS)
