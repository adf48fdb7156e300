"""Dropout: checked by its statistics and mask semantics (its randomness is not torch's)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_zeroed_and_scale(p):
    x = ember.ones(200, 500)
    out = nn.Dropout(p)(x).detach().numpy()
    zeroed = (out == 0).mean()
    assert zeroed == pytest.approx(p, abs=0.01)
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p), rtol=1e-6)
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # inverted dropout keeps the expectation
    assert out.dtype == np.float32


def test_gradient_is_the_same_mask():
    x = ember.randn(50, 40, requires_grad=True)
    out = F.dropout(x, 0.3)
    out.backward(ember.ones(50, 40))
    kept = out.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy()[kept], 1 / 0.7, rtol=1e-6)
    assert not x.grad.numpy()[~kept].any()
    np.testing.assert_allclose(out.detach().numpy()[kept], x.detach().numpy()[kept] / 0.7,
                               rtol=1e-6)


def test_eval_mode_and_p_zero_are_the_identity():
    layer = nn.Dropout(0.5)
    x = ember.randn(10, 10)
    assert layer.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_p_one_zeroes_everything(torch):
    x = ember.randn(4, 5, requires_grad=True)
    out = F.dropout(x, 1.0)
    out.sum().backward()
    assert not out.detach().numpy().any() and not x.grad.numpy().any()
    assert not torch.nn.functional.dropout(torch.randn(4, 5), 1.0).any()


def test_manual_seed_reproduces_the_mask():
    x = ember.ones(30, 30)
    ember.manual_seed(123)
    a = F.dropout(x, 0.5).detach().numpy()
    ember.manual_seed(123)
    b = F.dropout(x, 0.5).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).detach().numpy())


def test_float64_stays_float64():
    assert F.dropout(ember.ones(3, dtype=ember.float64), 0.5).dtype == ember.float64


def test_repr_and_bad_probability(torch):
    assert repr(nn.Dropout(0.25)) == repr(torch.nn.Dropout(0.25))
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1, but got -0.1"):
        F.dropout(ember.ones(2), -0.1)
