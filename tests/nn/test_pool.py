"""Max, average and adaptive average pooling: gradients, PyTorch parity, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck

rng = np.random.default_rng(0)

MAX_POOLS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2), ceil_mode=True),
    dict(kernel_size=2, stride=3, dilation=2),
    dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
]
AVG_POOLS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True,
         count_include_pad=False),
    dict(kernel_size=3, divisor_override=5),
]
ADAPTIVE_SIZES = [1, 3, (4, 5), (None, 2), 7, (10, 9), (6, 4)]


def _input(dtype=np.float32, shape=(2, 3, 10, 9)):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("kwargs", MAX_POOLS)
def test_max_pool2d_gradcheck(kwargs):
    x = ember.tensor(_input(np.float64, (2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, **kwargs), [x])


@pytest.mark.parametrize("kwargs", AVG_POOLS)
def test_avg_pool2d_gradcheck(kwargs):
    x = ember.tensor(_input(np.float64, (2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, **kwargs), [x])


@pytest.mark.parametrize("size", [1, (3, 4), (5, 3)])
def test_adaptive_avg_pool2d_gradcheck(size):
    x = ember.tensor(_input(np.float64, (2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, size), [x])


@pytest.mark.parametrize("kwargs", MAX_POOLS)
def test_max_pool2d_matches_torch(parity, torch, kwargs):
    parity.check(lambda t: F.max_pool2d(t, **kwargs),
                 lambda t: torch.nn.functional.max_pool2d(t, **kwargs), _input())
    x = _input()
    values, indices = F.max_pool2d(ember.tensor(x), return_indices=True, **kwargs)
    want_values, want_indices = torch.nn.functional.max_pool2d(
        torch.from_numpy(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(values.detach().numpy(), want_values.numpy())
    assert indices.dtype == ember.int64
    np.testing.assert_array_equal(indices.detach().numpy(), want_indices.numpy())


@pytest.mark.parametrize("kwargs", AVG_POOLS)
def test_avg_pool2d_matches_torch(parity, torch, kwargs):
    parity.check(lambda t: F.avg_pool2d(t, **kwargs),
                 lambda t: torch.nn.functional.avg_pool2d(t, **kwargs), _input())


@pytest.mark.parametrize("size", ADAPTIVE_SIZES)
def test_adaptive_avg_pool2d_matches_torch(parity, torch, size):
    parity.check(lambda t: F.adaptive_avg_pool2d(t, size),
                 lambda t: torch.nn.functional.adaptive_avg_pool2d(t, size), _input())


def test_pool_modules_match_torch(parity, torch):
    x = _input()
    pairs = [
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
         torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)),
        (nn.AdaptiveAvgPool2d((4, None)), torch.nn.AdaptiveAvgPool2d((4, None))),
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
    ]
    for layer, oracle in pairs:
        parity.check(layer, oracle, x)
        assert repr(layer) == repr(oracle)


def test_max_pool2d_module_return_indices(torch):
    x = _input()
    values, indices = nn.MaxPool2d(2, return_indices=True)(ember.tensor(x))
    _, want = torch.nn.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_array_equal(indices.detach().numpy(), want.numpy())
    assert values.shape == (2, 3, 5, 4)


def test_max_pool2d_ties_route_gradient_to_the_first_maximum(torch):
    x = np.ones((1, 1, 4, 4), np.float32)
    x[0, 0, 1, 1] = x[0, 0, 3, 2] = 0
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        F.max_pool2d(e, **kwargs).sum().backward()
        torch.nn.functional.max_pool2d(t, **kwargs).sum().backward()
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


def test_max_pool2d_propagates_nan():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 1] = np.nan
    out = F.max_pool2d(ember.tensor(x), 2).detach().numpy()
    assert np.isnan(out[0, 0, 0, 0]) and not np.isnan(out[0, 0, 1:, :]).any()


def test_pools_keep_dtype_and_accept_unbatched_input():
    for pool in (nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(3)):
        for dtype in (np.float32, np.float64):
            x = _input(dtype, (3, 8, 6))
            out = pool(ember.tensor(x))
            assert out.detach().numpy().dtype == dtype and out.ndim == 3
            batched = pool(ember.tensor(x[None]))
            np.testing.assert_array_equal(out.numpy(), batched.numpy()[0])


def test_pool_errors_name_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"MaxPool2d: expected input with 4 dims .* got shape "
                                           r"\(10, 9\)"):
        nn.MaxPool2d(2)(ember.randn(10, 9))
    with pytest.raises(RuntimeError, match="AvgPool2d: pad should be at most half"):
        nn.AvgPool2d(2, padding=2)(ember.randn(1, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"max_pool2d: input of shape \(1, 1, 2, 2\) is too "
                                           "small"):
        F.max_pool2d(ember.randn(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="AdaptiveAvgPool2d: output_size must be positive"):
        nn.AdaptiveAvgPool2d(0)(ember.randn(1, 1, 4, 4))
    with pytest.raises(RuntimeError, match="avg_pool2d: expected a floating point input"):
        F.avg_pool2d(ember.ones(1, 1, 4, 4, dtype=ember.int64), 2)
