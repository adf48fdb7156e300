"""ember.nn.init and the default initialisation of layers, checked by their statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
])
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "x")


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (2, 6, 7)])
def test_fans_match_torch(torch, shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == (
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape)))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(5))


def _uniform_ok(values: np.ndarray, bound: float) -> None:
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.98 * bound  # fills the range
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(values.mean()) < 0.02 * bound


def test_linear_default_init_follows_torch_bounds():
    layer = nn.Linear(1000, 500)
    bound = 1 / math.sqrt(1000)
    _uniform_ok(layer.weight.detach().numpy(), bound)
    _uniform_ok(layer.bias.detach().numpy(), bound)
    assert layer.weight.dtype == ember.float32 and layer.weight.requires_grad


def test_embedding_default_init_is_standard_normal_with_zero_padding_row():
    emb = nn.Embedding(1000, 64, padding_idx=3)
    values = np.delete(emb.weight.detach().numpy(), 3, axis=0)
    assert values.mean() == pytest.approx(0, abs=0.01)
    assert values.std() == pytest.approx(1, rel=0.01)
    assert not emb.weight.detach().numpy()[3].any()


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_uniform_and_normal(mode):
    w = ember.empty(300, 200)
    fan = 200 if mode == "fan_in" else 300
    init.kaiming_uniform_(w, mode=mode, nonlinearity="relu")
    _uniform_ok(w.detach().numpy(), math.sqrt(2) * math.sqrt(3 / fan))
    init.kaiming_normal_(w, a=0.1, mode=mode)
    expected = math.sqrt(2 / (1 + 0.01)) / math.sqrt(fan)
    assert w.detach().numpy().std() == pytest.approx(expected, rel=0.02)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(w, mode="fan_avg")


def test_xavier_uniform_and_normal():
    w = ember.empty(400, 200)
    init.xavier_uniform_(w, gain=2.0)
    _uniform_ok(w.detach().numpy(), 2.0 * math.sqrt(6 / 600))
    init.xavier_normal_(w)
    assert w.detach().numpy().std() == pytest.approx(math.sqrt(2 / 600), rel=0.02)


def test_basic_fills_work_in_place_on_parameters():
    p = nn.Parameter(ember.empty(200, 300))
    data = p.detach().numpy()
    assert init.uniform_(p, -2, 3) is p and p.detach().numpy() is data
    assert p.detach().numpy().min() >= -2 and p.detach().numpy().max() < 3
    init.normal_(p, 5, 0.5)
    values = p.detach().numpy()
    assert values.mean() == pytest.approx(5, abs=0.01) and values.std() == pytest.approx(0.5, 0.02)
    init.trunc_normal_(p, std=1.0, a=-0.5, b=1.0)
    assert p.detach().numpy().min() >= -0.5 and p.detach().numpy().max() <= 1.0
    assert p.detach().numpy().max() > 0.99 and p.detach().numpy().min() < -0.49
    init.constant_(p, 0.25)
    assert (p.detach().numpy() == 0.25).all()
    init.ones_(p)
    assert (p.detach().numpy() == 1).all()
    init.zeros_(p)
    assert not p.detach().numpy().any()
    init.eye_(p)
    np.testing.assert_array_equal(p.detach().numpy(), np.eye(200, 300))
    assert p.dtype == ember.float32 and p.is_leaf and p.grad is None


def test_manual_seed_and_generators_reproduce():
    ember.manual_seed(7)
    a = nn.Linear(5, 4).weight.detach().numpy().copy()
    ember.manual_seed(7)
    b = nn.Linear(5, 4).weight.detach().numpy().copy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    w1, w2 = ember.empty(4, 4), ember.empty(4, 4)
    init.xavier_normal_(w1, generator=g1)
    init.xavier_normal_(w2, generator=g2)
    np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())
    assert not np.array_equal(a, nn.Linear(5, 4).weight.detach().numpy())


def test_zero_sized_tensors_are_left_alone():
    w = ember.empty(0, 3)
    assert init.kaiming_uniform_(w) is w
    assert nn.Linear(0, 3).bias.shape == (3,)
