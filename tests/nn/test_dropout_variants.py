"""Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout and their F. forms: the masks are random,
so the tests check what torch's outputs also satisfy (whole channels dropped, survivors scaled,
alpha dropout's affine map and its mean and variance), and the gradients through the mask."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

RNG = np.random.default_rng(0)
SATURATION = 1.7580993408473766  # -SELU(-inf)


def _channel_factors(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y / x per (sample, channel), asserting that it is one factor per channel."""
    ratio = (y / x).reshape(x.shape[0], x.shape[1], -1)
    np.testing.assert_allclose(ratio, ratio[..., :1] * np.ones_like(ratio), rtol=1e-6)
    return ratio[..., 0]


@pytest.mark.parametrize("name, shape", [("dropout1d", (40, 30, 3)), ("dropout2d", (40, 30, 2, 2)),
                                         ("dropout3d", (40, 30, 2, 1, 2)),
                                         ("dropout1d", (300, 3)), ("dropout3d", (300, 2, 2, 2))])
def test_channel_dropout_drops_whole_channels_like_torch(torch, name, shape):
    x = RNG.uniform(1, 2, shape).astype(np.float32)
    batched = x if len(shape) == int(name[7]) + 2 else x[None]
    for y in (getattr(F, name)(ember.tensor(x), 0.3).numpy(),
              getattr(torch.nn.functional, name)(torch.tensor(x), 0.3).numpy()):
        factors = _channel_factors(batched, y.reshape(batched.shape))
        survivors = factors[factors != 0]
        np.testing.assert_allclose(survivors, 1 / 0.7, rtol=1e-6)
        assert 0.2 < (factors == 0).mean() < 0.4


def test_channel_dropout_gradient_is_the_mask():
    x = ember.tensor(RNG.uniform(1, 2, (6, 5, 4)), requires_grad=True)
    y = F.dropout1d(x, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy() / x.detach().numpy())


def test_channel_dropout_modules_match_torch_reprs_and_eval(torch):
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    for name in ("Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        ours, theirs = getattr(nn, name)(0.2, inplace=True), getattr(torch.nn, name)(0.2, True)
        assert repr(ours) == repr(theirs)
        assert type(ours).__module__ == "ember.nn.modules.dropout"
        ours.eval()
        t = ember.tensor(x[:, :, 0] if name == "Dropout1d" else x)
        assert ours(t) is t
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)


def test_channel_dropout_dims_and_warnings_match_torch(torch):
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(ember.zeros(2, 3, 4, 4))
    with pytest.raises(RuntimeError):
        torch.nn.functional.dropout1d(torch.zeros(2, 3, 4, 4))
    for fn, shape, match in [("dropout2d", (2, 3, 4), "channel-wise 1D"),
                             ("dropout2d", (2, 3), "deprecated"),
                             ("dropout3d", (2, 3, 4), "deprecated")]:
        with pytest.warns(UserWarning, match=match):
            getattr(torch.nn.functional, fn)(torch.ones(shape))
        with pytest.warns(UserWarning, match=match):
            y = getattr(F, fn)(ember.ones(shape))
        assert tuple(y.shape) == shape


def test_channel_dropout_inplace_on_unbatched_input():
    x = ember.ones(8, 5)
    out = F.dropout1d(x, 0.5, inplace=True)
    assert out is x
    values = x.numpy()
    assert set(np.unique(values)) <= {0.0, 2.0}
    assert (values == values[:, :1]).all()  # whole channels


def _alpha_parts(p: float) -> tuple[float, float, float]:
    """Alpha dropout's scale a, the shift of kept values and the value of dropped ones."""
    a = 1 / np.sqrt((SATURATION ** 2 * p + 1) * (1 - p))
    return a, SATURATION * a * p, -SATURATION * a + SATURATION * a * p


@pytest.mark.parametrize("name, feature", [("alpha_dropout", False),
                                           ("feature_alpha_dropout", True)])
def test_alpha_dropout_is_torchs_affine_map(torch, name, feature):
    p = 0.25
    a, shift, dropped = _alpha_parts(p)
    x = RNG.standard_normal((50, 40, 3)).astype(np.float64)
    x[np.abs(x + SATURATION) < 1e-3] = 0  # a kept value that would look dropped
    for y in (getattr(F, name)(ember.tensor(x), p, training=True).numpy(),
              getattr(torch.nn.functional, name)(torch.tensor(x), p, training=True).numpy()):
        kept = np.isclose(y, a * x + shift, rtol=1e-12, atol=1e-12)
        assert (kept | np.isclose(y, dropped, rtol=1e-12)).all()
        if feature:
            assert (kept == kept[:, :, :1]).all()
        assert abs((~kept).mean() - p) < 0.05
    # training defaults to False in the functional forms, as in torch
    t = ember.tensor(x)
    assert getattr(F, name)(t, p) is t


def test_alpha_dropout_keeps_zero_mean_unit_variance_and_its_gradient():
    values = RNG.standard_normal((400, 500))
    values[np.abs(values + SATURATION) < 1e-3] = 0  # a kept value that would look dropped
    x = ember.tensor(values, requires_grad=True)
    y = F.alpha_dropout(x, 0.2, training=True)
    values = y.detach().numpy()
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02
    y.sum().backward()
    a, shift, _ = _alpha_parts(0.2)
    kept = np.isclose(values, a * x.detach().numpy() + shift)
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0))


def test_dropout_p_one_and_zero():
    x = ember.randn(3, 4, 2)
    for fn in (F.dropout1d, F.dropout2d, F.alpha_dropout, F.feature_alpha_dropout):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_array_equal(fn(x, 1.0, True).numpy(), np.zeros((3, 4, 2)))
            assert fn(x, 0.0, True) is x
