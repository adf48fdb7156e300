"""Activation layers and functions against torch, gradcheck for the new primitives, and erf."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck
from ember.ops.activation import erf

# Values spanning the tails, zero and the erf polynomial's switch-over (|x| / sqrt 2 = 2).
X = np.concatenate([np.linspace(-9, 9, 61), [0.0, 2 * math.sqrt(2), -2 * math.sqrt(2)],
                    np.random.default_rng(0).standard_normal(40) * 3]).astype(np.float32)

LAYERS = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {"inplace": True}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softmax", (), {"dim": 1}),
    ("LogSoftmax", (), {"dim": 0}), ("Softmax", (), {"dim": -1}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_matches_torch(parity, name, args, kwargs, dtype):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(parity.torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    if kwargs.get("approximate") == "tanh" and dtype == np.float32:
        # torch's vectorised float32 tanh rounds tanh(-8.8) to -1; ours is correctly rounded
        # (-0.99999994), which leaves 1e-6 in the saturated tail's gradient
        tol["atol"] = 3e-6
    # through `x * 1`: torch refuses in-place ops on leaves, and inplace=True must still work
    parity.check(lambda x: ours(x * 1), lambda x: theirs(x * 1), X.astype(dtype).reshape(8, 13),
                 **tol)


@pytest.mark.parametrize("fn,kwargs", [
    (F.gelu, {}), (F.gelu, {"approximate": "tanh"}), (F.silu, {}), (F.leaky_relu, {}),
    (F.leaky_relu, {"negative_slope": 0.3}),
])
def test_gradcheck(fn, kwargs):
    # avoid the kink of leaky_relu at 0, where finite differences straddle two slopes
    x = ember.tensor(np.random.default_rng(1).standard_normal(12) * 3 + 0.01, dtype=ember.float64,
                     requires_grad=True)
    assert gradcheck(lambda t: fn(t, **kwargs), [x])


def test_erf_is_accurate_to_float64_precision():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-300, 0.9, 500),
                        -np.logspace(-20, 0.9, 500)])
    expected = np.array([math.erf(v) for v in x])
    got = erf(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
    assert erf(np.array([np.inf, -np.inf, 0.0])).tolist() == [1.0, -1.0, 0.0]
    assert np.isnan(erf(np.array([np.nan]))).all()
    assert erf(np.float32([0.5])).dtype == np.float32


def test_float32_erf_is_within_0531_ulp():
    # float32 inputs take their own rational approximation: compare with math.erf rounded to
    # float32, over a dense grid of the whole range (both signs, subnormals, the tails past the
    # clamp at 3.92) and the special values
    x = np.concatenate([np.linspace(-6, 6, 200001), np.logspace(-44, 0.7, 20001),
                        -np.logspace(-30, 0.7, 2001), [3.919, 3.92, 3.921, 1e30, -1e30]])
    x = x.astype(np.float32)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    got = erf(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    rounded = exact.astype(np.float32)
    # the spacing of float32 at the exact value (below a power of two, the smaller one)
    spacing = np.spacing(np.nextafter(rounded, np.float32(0))).astype(np.float64)
    spacing = np.where(np.abs(exact) < np.abs(rounded), spacing, np.spacing(rounded))
    ulps = np.abs(got - exact) / np.abs(spacing)
    assert ulps.max() <= 0.531, x[np.argmax(ulps)]
    assert (got == rounded).mean() > 0.97  # correctly rounded but near ties
    special = erf(np.float32([np.inf, -np.inf, 0.0, -0.0, np.nan]))
    assert special[:4].tolist() == [1.0, -1.0, 0.0, 0.0]
    assert np.signbit(special[3]) and not np.signbit(special[2]) and np.isnan(special[4])
    assert erf(np.float32(0.5).reshape(())).shape == ()
    noncontiguous = np.linspace(-3, 3, 24, dtype=np.float32).reshape(4, 6)[:, ::2]
    np.testing.assert_array_equal(erf(noncontiguous), erf(noncontiguous.copy()))


def test_tanh_gelu_keeps_its_precision_in_the_left_tail():
    # x sigmoid(2z) computed exactly in float64: the float32 result and gradient stay close in
    # relative terms where 1 + tanh z would cancel to nothing
    x = np.linspace(-12, 12, 4801).astype(np.float32)
    t = ember.tensor(x, requires_grad=True)
    y = F.gelu(t, approximate="tanh")
    y.backward(ember.ones_like(y))
    x64 = x.astype(np.float64)
    inner = math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64**3)
    s = 1 / (1 + np.exp(-2 * inner))
    slope = s + x64 * 2 * s * (1 - s) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x64**2)
    np.testing.assert_allclose(y.detach().numpy(), x64 * s, rtol=2e-5, atol=1e-37)
    np.testing.assert_allclose(t.grad.numpy(), slope, rtol=2e-5, atol=1e-6)


def test_gelu_rejects_unknown_approximation_and_integers():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(ember.randn(3), approximate="fast")
    with pytest.raises(RuntimeError, match="gelu: expected a floating point input"):
        F.gelu(ember.tensor([1, 2]))


def test_softmax_without_dim_warns_and_picks_torchs_dim(torch):
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        ours = F.softmax(ember.tensor(x))
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmax(torch.tensor(x))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-6)


def test_sigmoid_and_tanh_are_the_core_functions():
    assert F.sigmoid is ember.sigmoid and F.tanh is ember.tanh
