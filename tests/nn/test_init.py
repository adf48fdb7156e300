"""ember.nn.init and the default initialisation of layers, checked by their statistics."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu"]


@pytest.mark.parametrize("name,param", [(name, None) for name in NONLINEARITIES] + [
    ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 3), ("relu", 0.5),
])
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


@pytest.mark.parametrize("name,param", [("softsign", None), ("leaky_relu", "x"),
                                        ("leaky_relu", True), ("ReLU", None)])
def test_calculate_gain_rejects_what_torch_rejects(torch, name, param):
    with pytest.raises(ValueError) as expected:
        torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        init.calculate_gain(name, param)


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (2, 6, 7), (4, 2, 3, 5, 2), (0, 3),
                                   (3, 0, 2)])
def test_fans_match_torch(torch, shape):
    fans = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    assert fans == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    for mode in ("fan_in", "fan_out"):
        assert init._calculate_correct_fan(ember.empty(*shape), mode) == (
            torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode))


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
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(w) is w
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_normal_(w) is w
    with pytest.warns(UserWarning, match="zero-element"):  # as torch.nn.Linear(0, 3) warns
        assert nn.Linear(0, 3).bias.shape == (3,)
    assert init.orthogonal_(w) is w


PUBLIC = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
          "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
          "kaiming_normal_", "orthogonal_", "sparse_"]


@pytest.mark.parametrize("name", PUBLIC)
def test_signatures_match_torch(torch, name):
    def described(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert described(getattr(init, name)) == described(getattr(torch.nn.init, name))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("leaky_relu", 0), ("leaky_relu", 0.2),
                                            ("relu", 0), ("tanh", 0), ("selu", 0),
                                            ("linear", 0), ("conv2d", 0), ("sigmoid", 0)])
def test_kaiming_every_mode_and_nonlinearity(torch, mode, nonlinearity, a):
    """The bound and the std follow PyTorch's gain and fan for a conv weight's shape."""
    shape = (64, 32, 3, 3)
    fan = torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = ember.empty(*shape)
    assert init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity) is w
    _uniform_ok(w.detach().numpy(), math.sqrt(3.0) * std)
    init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    assert w.detach().numpy().std() == pytest.approx(std, rel=0.02)
    assert abs(w.detach().numpy().mean()) < 0.02 * std


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 5, 5), (128, 40, 9)])
@pytest.mark.parametrize("gain", [1.0, 0.5, 5.0 / 3])
def test_xavier_on_every_shape(torch, shape, gain):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    w = ember.empty(*shape)
    init.xavier_uniform_(w, gain=gain)
    _uniform_ok(w.detach().numpy(), math.sqrt(3.0) * std)
    init.xavier_normal_(w, gain=gain)
    assert w.detach().numpy().std() == pytest.approx(std, rel=0.03)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1)])
def test_eye_equals_torch(torch, shape):
    expected = torch.nn.init.eye_(torch.empty(shape)).numpy()
    np.testing.assert_array_equal(init.eye_(ember.empty(*shape)).detach().numpy(), expected)


@pytest.mark.parametrize("shape,groups", [((4, 2, 3, 3), 2), ((3, 5, 3), 1), ((5, 3, 3), 1),
                                          ((6, 4, 3, 3, 3), 3), ((2, 2, 4, 4), 1),
                                          ((6, 1, 2, 5), 3)])
def test_dirac_equals_torch(torch, shape, groups):
    t = torch.full(shape, 7.0)
    e = ember.full(shape, 7.0)
    torch.nn.init.dirac_(t, groups)
    assert init.dirac_(e, groups) is e
    np.testing.assert_array_equal(e.detach().numpy(), t.numpy())


def test_dirac_convolution_passes_its_input_through():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = ember.randn(2, 3, 5, 5)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3), (6, 6), (2, 3, 2, 2)])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, dtype):
    w = ember.empty(*shape, dtype=dtype)
    assert init.orthogonal_(w, gain=2.0) is w and w.dtype == dtype
    flat = w.detach().numpy().reshape(shape[0], -1).astype(np.float64)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    tol = 1e-5 if dtype == ember.float32 else 1e-12
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=4 * tol)


def test_orthogonal_is_uniformly_distributed():
    """Haar-distributed: each entry of an n x n orthogonal matrix has mean 0 and variance 1/n,
    and the determinant is +1 or -1 equally often (plain QR would bias both)."""
    n, draws = 4, 4000
    samples = np.stack([init.orthogonal_(ember.empty(n, n, dtype=ember.float64)).numpy()
                        for _ in range(draws)])
    assert np.abs(samples.mean(axis=0)).max() < 0.04
    np.testing.assert_allclose((samples**2).mean(axis=0), 1 / n, atol=0.025)
    positive = (np.linalg.det(samples) > 0).mean()
    assert 0.46 < positive < 0.54


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.35, 1.0])
def test_sparse_zeros_the_same_number_in_every_column(sparsity):
    rows, cols = 40, 300
    w = ember.empty(rows, cols)
    assert init.sparse_(w, sparsity, std=0.2) is w
    values = w.detach().numpy()
    zeros = (values == 0).sum(axis=0)
    assert (zeros == math.ceil(sparsity * rows)).all()
    if 0 < sparsity < 1:
        assert values[values != 0].std() == pytest.approx(0.2, rel=0.03)
        # the zeroed rows differ from column to column
        assert len({tuple(np.flatnonzero(col == 0)) for col in values.T}) > cols // 2


def _normal_tail(x):
    """P(Z > x) for Z ~ N(0, 1), accurate far in either tail."""
    return 0.5 * math.erfc(x / math.sqrt(2))


@pytest.mark.parametrize("mean,std,a,b", [
    (0.0, 1.0, -2.0, 2.0),      # the default: most of the mass
    (1.0, 0.5, 1.25, 2.5),      # the right side
    (0.0, 1.0, 5.0, 6.0),       # far in the right tail (PyTorch warns: its values go wrong)
    (0.0, 1.0, 4.0, 4.05),      # a narrow slice of the tail
    (2.0, 3.0, -30.0, -15.0),   # far in the left tail
    (0.0, 1.0, -0.1, 0.05),     # a narrow slice around the mean
    (0.0, 2.0, 0.0, math.inf),  # a half-normal
    (0.0, 1.0, 1.5, math.inf),  # the tail beyond 1.5 std
])
def test_trunc_normal_follows_the_truncated_distribution(mean, std, a, b):
    """A Kolmogorov-Smirnov test against the exact CDF, at the 1% level, seed fixed."""
    n = 20000
    w = init.trunc_normal_(ember.empty(n, dtype=ember.float64), mean, std, a, b)
    values = np.sort(w.detach().numpy())
    assert values[0] >= a and values[-1] <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    if alpha >= 0:  # from the upper tail's probabilities, accurate on the right
        def mass(z):
            return _normal_tail(alpha) - _normal_tail(z)
    else:  # from the lower tail's, accurate on the left
        def mass(z):
            return _normal_tail(-z) - _normal_tail(-alpha)
    cdf = np.array([mass((x - mean) / std) for x in values]) / mass(beta)
    empirical = np.arange(1, n + 1) / n
    distance = max(np.abs(empirical - cdf).max(), np.abs(empirical - 1 / n - cdf).max())
    assert distance < 1.63 / math.sqrt(n)


def test_trunc_normal_rejects_bad_bounds():
    with pytest.raises(ValueError, match="expected a < b"):
        init.trunc_normal_(ember.empty(3), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match="positive std"):
        init.trunc_normal_(ember.empty(3), std=0.0)


@pytest.mark.parametrize("fn,args,shape", [
    ("eye_", (), (3,)), ("eye_", (), (2, 2, 2)), ("dirac_", (), (3, 3)),
    ("dirac_", (), (3, 3, 3, 3, 3, 3)), ("dirac_", (2,), (3, 2, 3)),
    ("orthogonal_", (), (4,)), ("sparse_", (0.1,), (4, 3, 2)), ("sparse_", (0.1,), (4,)),
    ("xavier_uniform_", (), (5,)), ("kaiming_normal_", (), (5,)),
])
def test_bad_shapes_raise_like_torch(torch, fn, args, shape):
    with pytest.raises(ValueError) as expected:
        getattr(torch.nn.init, fn)(torch.empty(shape), *args)
    with pytest.raises(ValueError, match="^" + re.escape(str(expected.value))):
        getattr(init, fn)(ember.empty(*shape), *args)


def test_sparse_rejects_a_sparsity_outside_0_1():
    with pytest.raises(ValueError, match=r"in \[0, 1\]; got -0.5"):
        init.sparse_(ember.empty(4, 3), -0.5)


@pytest.mark.parametrize("old,args", [
    ("uniform", ()), ("normal", ()), ("constant", (0.5,)), ("eye", ()), ("xavier_uniform", ()),
    ("xavier_normal", ()), ("kaiming_uniform", ()), ("kaiming_normal", ()), ("orthogonal", ()),
    ("sparse", (0.5,)),
])
def test_deprecated_names_warn_like_torch_and_still_work(torch, old, args):
    with pytest.warns(FutureWarning) as expected:
        getattr(torch.nn.init, old)(torch.empty(4, 6), *args)
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    kwargs = {} if old in ("constant", "eye") else {"generator": g1}
    with pytest.warns(FutureWarning, match=re.escape(str(expected[0].message))):
        w = getattr(init, old)(ember.empty(4, 6), *args, **kwargs)
    new_kwargs = {} if old in ("constant", "eye") else {"generator": g2}
    np.testing.assert_array_equal(
        w.numpy(), getattr(init, old + "_")(ember.empty(4, 6), *args, **new_kwargs).numpy())
    assert getattr(init, old).__name__ == old


def test_deprecated_dirac_warns():
    with pytest.warns(FutureWarning, match="`nn.init.dirac` is now deprecated in favor of "
                                           "`nn.init.dirac_`"):
        init.dirac(ember.empty(2, 2, 3))
