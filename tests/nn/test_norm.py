"""BatchNorm1d/2d and LayerNorm: gradients, PyTorch parity (running stats too), errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck

rng = np.random.default_rng(0)


def _input(shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_gradcheck(shape, affine):
    x = ember.tensor(_input(shape, np.float64), requires_grad=True)
    params = [ember.tensor(rng.standard_normal(3) + 1, requires_grad=True),
              ember.tensor(rng.standard_normal(3), requires_grad=True)] if affine else []

    def bn(x, *params):
        return F.batch_norm(x, None, None, *params, training=True)

    assert gradcheck(bn, [x, *params])


def test_batch_norm_eval_gradcheck():
    x = ember.tensor(_input((4, 3, 2, 2), np.float64), requires_grad=True)
    weight = ember.tensor(rng.standard_normal(3), requires_grad=True)
    bias = ember.tensor(rng.standard_normal(3), requires_grad=True)
    mean, var = ember.tensor(rng.standard_normal(3)), ember.tensor(rng.random(3) + 0.5)
    assert gradcheck(lambda *a: F.batch_norm(a[0], mean, var, a[1], a[2]), [x, weight, bias])


@pytest.mark.parametrize("normalized_shape,affine", [(5, "both"), ((4, 5), "both"),
                                                     ((3, 4, 5), "weight"), (5, "none")])
def test_layer_norm_gradcheck(normalized_shape, affine):
    x = ember.tensor(_input((2, 3, 4, 5), np.float64), requires_grad=True)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    params = {"both": 2, "weight": 1, "none": 0}[affine]
    tensors = [ember.tensor(rng.standard_normal(shape), requires_grad=True)
               for _ in range(params)]
    assert gradcheck(lambda x, *p: F.layer_norm(x, normalized_shape, *p), [x, *tensors])


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 4)), ("BatchNorm1d", (5, 4, 3)),
                                       ("BatchNorm2d", (4, 4, 3, 5))])
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batch_norm_training_and_eval_match_torch(parity, torch, cls, shape, momentum):
    layer = getattr(nn, cls)(4, momentum=momentum)
    oracle = getattr(torch.nn, cls)(4, momentum=momentum)
    layer.weight.detach().numpy()[...] = rng.standard_normal(4)
    layer.bias.detach().numpy()[...] = rng.standard_normal(4)
    parity.copy_weights(layer, oracle)
    for _ in range(3):
        parity.check(layer, oracle, _input(shape), rtol=1e-4, atol=1e-5,
                     ember_params=[layer.weight, layer.bias],
                     torch_params=[oracle.weight, oracle.bias])
        layer.zero_grad()
        oracle.zero_grad()
    state, want = layer.state_dict(), oracle.state_dict()
    assert list(state) == list(want)
    for key in want:
        np.testing.assert_allclose(state[key].numpy(), want[key].numpy(), rtol=1e-5, atol=1e-6)
    assert state["num_batches_tracked"].item() == 3
    assert state["num_batches_tracked"].dtype == ember.int64
    layer.eval()
    oracle.eval()
    parity.check(layer, oracle, _input(shape), rtol=1e-4, atol=1e-5,
                 ember_params=[layer.weight, layer.bias],
                 torch_params=[oracle.weight, oracle.bias])
    assert layer.num_batches_tracked.item() == 3  # eval leaves the statistics alone
    np.testing.assert_allclose(layer.running_var.numpy(), oracle.running_var.numpy(), rtol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(affine=False), dict(track_running_stats=False),
                                    dict(affine=False, track_running_stats=False, eps=1e-3),
                                    dict(bias=False)])
def test_batch_norm_options_match_torch(parity, torch, kwargs):
    layer, oracle = nn.BatchNorm2d(3, **kwargs), torch.nn.BatchNorm2d(3, **kwargs)
    assert repr(layer) == repr(oracle)
    assert list(layer.state_dict()) == list(oracle.state_dict())
    for mode in (True, False):  # without running stats, eval still uses batch statistics
        layer.train(mode)
        oracle.train(mode)
        parity.check(layer, oracle, _input((4, 3, 2, 3)), rtol=1e-4, atol=1e-5,
                     ember_params=list(layer.parameters()),
                     torch_params=list(oracle.parameters()))
        layer.zero_grad()
        oracle.zero_grad()


def test_batch_norm_functional_matches_torch(parity, torch):
    x = _input((6, 3, 4))
    bias = rng.standard_normal(3).astype(np.float32)
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    ember_stats = [ember.tensor(mean.copy()), ember.tensor(var.copy())]
    torch_stats = [torch.tensor(mean.copy()), torch.tensor(var.copy())]
    # A bias without a weight, and momentum=0.3, updating the running stats in place.
    parity.check(lambda t: F.batch_norm(t, *ember_stats, None, ember.tensor(bias), True, 0.3),
                 lambda t: torch.nn.functional.batch_norm(t, *torch_stats, None,
                                                          torch.tensor(bias), True, 0.3),
                 x, rtol=1e-4, atol=1e-5)
    for e, t in zip(ember_stats, torch_stats):
        np.testing.assert_allclose(e.detach().numpy(), t.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(ember_stats[1].detach().numpy(), 1)  # the unbiased variance went in


@pytest.mark.parametrize("normalized_shape,kwargs", [
    (6, {}), ((5, 6), {}), ((5, 6), dict(elementwise_affine=False)), (6, dict(bias=False)),
    ((4, 5, 6), dict(eps=1e-3)),
])
def test_layer_norm_matches_torch(parity, torch, normalized_shape, kwargs):
    layer = nn.LayerNorm(normalized_shape, **kwargs)
    oracle = torch.nn.LayerNorm(normalized_shape, **kwargs)
    for p in layer.parameters():
        p.detach().numpy()[...] = rng.standard_normal(p.shape)
    parity.check_module(layer, oracle, _input((3, 4, 5, 6)), rtol=1e-4, atol=1e-5)
    assert repr(layer) == repr(oracle)


def test_norms_keep_float64():
    x = ember.tensor(_input((4, 3, 2, 2), np.float64), requires_grad=True)
    for layer in (nn.BatchNorm2d(3).double(), nn.LayerNorm((2, 2)).double()):
        out = layer(x)
        out.sum().backward()
        assert out.dtype == ember.float64 and layer.weight.grad.dtype == ember.float64
    assert nn.BatchNorm2d(3).double().running_mean.dtype == ember.float64


def test_batch_norm_buffers_survive_state_dict_round_trip():
    layer = nn.BatchNorm1d(4)
    layer(ember.tensor(_input((8, 4))))
    copy = nn.BatchNorm1d(4)
    copy.load_state_dict(layer.state_dict())
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(copy.state_dict()[key].numpy(), value.numpy())
    layer.reset_running_stats()
    assert layer.num_batches_tracked.item() == 0 and (layer.running_var.detach().numpy() == 1).all()


def test_norm_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input \(N, C, H, W\) with 3 "
                                         r"channels, got shape \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(ember.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d: .* with 3 channels, got shape \(2, 4\)"):
        nn.BatchNorm1d(3)(ember.randn(2, 4))
    with pytest.raises(ValueError, match="BatchNorm1d: expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(ember.randn(1, 3))
    with pytest.raises(RuntimeError, match=r"LayerNorm: given normalized_shape=\[4\], expected "
                                           r"input with shape \[\*, 4\], got shape \(2, 3\)"):
        nn.LayerNorm(4)(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="batch_norm: running_mean should have shape"):
        F.batch_norm(ember.randn(2, 3), ember.zeros(4), ember.ones(4))
    with pytest.raises(RuntimeError, match="running_mean and running_var must be given"):
        F.batch_norm(ember.randn(2, 3), None, None)
