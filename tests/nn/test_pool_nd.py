"""1-D pooling, adaptive max pooling, max unpooling and LP pooling: gradcheck and
gradgradcheck, derivatives against PyTorch, indices, the layers against torch's, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck, gradgradcheck


def _F(m):
    return m.nn.functional


# indices of the maxima of a 2x2 pooling of a (2, 2, 6, 6) image, for max_unpool2d
UNPOOL_INDICES = np.argmax(np.random.default_rng(8).standard_normal((2, 2, 3, 3, 4)), -1)
UNPOOL_INDICES = ((np.arange(3)[:, None] * 2 + UNPOOL_INDICES // 2) * 6
                  + np.arange(3) * 2 + UNPOOL_INDICES % 2)

CASES = [
    ("max_pool1d", lambda m, x: _F(m).max_pool1d(x, 3, stride=2, padding=1), [(2, 3, 7)]),
    ("avg_pool1d_ceil_exclude_pad",
     lambda m, x: _F(m).avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True,
                                   count_include_pad=False), [(2, 3, 8)]),
    ("adaptive_avg_pool1d", lambda m, x: _F(m).adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    ("adaptive_max_pool1d", lambda m, x: _F(m).adaptive_max_pool1d(x, 3), [(2, 3, 7)]),
    ("adaptive_max_pool2d", lambda m, x: _F(m).adaptive_max_pool2d(x, (3, 4)), [(2, 2, 5, 6)]),
    ("adaptive_max_pool2d_unbatched_keep_width",
     lambda m, x: _F(m).adaptive_max_pool2d(x, (2, None)), [(2, 5, 3)]),
    ("max_unpool2d", lambda m, x: _F(m).max_unpool2d(x, m.tensor(UNPOOL_INDICES), 2),
     [(2, 2, 3, 3)]),
    ("lp_pool2d", lambda m, x: _F(m).lp_pool2d(x, 2, 2), [(2, 2, 4, 4)]),
    ("lp_pool1d_stride", lambda m, x: _F(m).lp_pool1d(x, 2.5, 3, stride=2), [(2, 2, 7)]),
]
IDS = [c[0] for c in CASES]
# In the format of tests/nn/test_double_backward.py (read by tests/test_op_coverage.py)
GRADCHECK_CASES = [(name, fn, [(shape, "real") for shape in shapes])
                   for name, fn, shapes in CASES]


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    """Real inputs whose entries differ by at least 1e-3 (no ties for the max pools)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, _ in inputs:
        values = rng.permutation(int(np.prod(shape))) * 1e-2 - 0.5 * np.prod(shape) * 1e-2
        arrays.append(values.reshape(shape) + rng.uniform(0, 1e-3, shape))
    return arrays


@pytest.mark.parametrize("name, fn, inputs", GRADCHECK_CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, inputs):
    leaves = [ember.tensor(a, requires_grad=True) for a in make_arrays(inputs, seed=1)]
    if name.startswith("lp_pool"):  # (sum x**p) ** (1/p) is smooth away from x = 0
        leaves = [ember.tensor(np.abs(a.detach().numpy()) + 0.5, requires_grad=True)
                  for a in leaves]
    assert gradcheck(lambda *xs: fn(ember, *xs), leaves)
    assert gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


@pytest.mark.parametrize("name, fn, inputs", GRADCHECK_CASES, ids=IDS)
def test_values_and_two_orders_of_derivatives_match_torch(torch, name, fn, inputs):
    (x,) = [np.abs(a) + 0.5 for a in make_arrays(inputs, seed=2)]
    upstream = np.random.default_rng(4).standard_normal(tuple(fn(ember, ember.tensor(x)).shape))
    results = []
    for m in (ember, torch):
        leaf = m.tensor(x.copy(), requires_grad=True)
        out = fn(m, leaf)
        up = m.tensor(upstream.copy(), requires_grad=True)
        g, = m.autograd.grad((out * up).sum(), leaf, create_graph=True)
        probe = m.tensor(np.linspace(-1, 1, g.numel()).reshape(tuple(g.shape)))
        second = m.autograd.grad((g * probe).sum(), [leaf, up], allow_unused=True)
        results.append([out.detach().numpy(), g.detach().numpy()] +
                       [np.zeros(tuple(t.shape)) if s is None else s.numpy()
                        for t, s in zip([leaf, up], second)])
    for i, (a, b) in enumerate(zip(*results)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{name}: result {i}")
    ours = fn(ember, ember.tensor(x, requires_grad=True)).grad_fn.name()
    theirs = type(fn(torch, torch.tensor(x, requires_grad=True)).grad_fn).__name__
    # 1-d and unbatched pools end in a squeeze, which ember names ViewBackward0
    assert ours == theirs or (theirs, ours) == ("SqueezeBackward1", "ViewBackward0")


def test_indices_match_torch_and_round_trip_through_unpool(torch):
    x = make_arrays([((2, 3, 7, 8), "real")], seed=3)[0]
    cases = [(lambda m, t: _F(m).max_pool2d(t, 3, stride=2, padding=1, return_indices=True)),
             (lambda m, t: _F(m).max_pool1d(t.flatten(2), 4, return_indices=True)),
             (lambda m, t: _F(m).adaptive_max_pool2d(t, (3, 5), return_indices=True)),
             (lambda m, t: _F(m).adaptive_max_pool1d(t.flatten(2), 5, return_indices=True))]
    for fn in cases:
        (out, idx), (t_out, t_idx) = fn(ember, ember.tensor(x)), fn(torch, torch.tensor(x))
        np.testing.assert_array_equal(out.numpy(), t_out.numpy())
        np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
        assert idx.dtype == ember.int64
    out, idx = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    restored = F.max_unpool2d(out, idx, 2, output_size=(7, 8))
    t_out, t_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    expected = torch.nn.functional.max_unpool2d(t_out, t_idx, 2, output_size=(7, 8))
    np.testing.assert_array_equal(restored.numpy(), expected.numpy())


LAYERS = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=2), (2, 3, 9)),
    ("MaxPool1d", (2,), dict(ceil_mode=True), (3, 9)),
    ("AvgPool1d", (3, 2, 1), dict(count_include_pad=False), (2, 3, 9)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("LPPool2d", (2, 3), dict(stride=2, ceil_mode=True), (2, 3, 7, 8)),
    ("LPPool1d", (1.5, 3), {}, (2, 3, 9)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, args, kwargs, shape", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch(parity, torch, cls, args, kwargs, shape, dtype):
    layer, oracle = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    x = np.abs(make_arrays([(shape, "real")], seed=5)[0]).astype(dtype) + 0.5
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12,
                                                                          atol=1e-12)
    out = parity.check_module(layer, oracle, x, **tolerance)
    assert out.dtype == getattr(ember, dtype)
    assert repr(layer) == repr(oracle)


def test_max_unpool2d_layer_matches_torch(parity, torch):
    x = make_arrays([((2, 2, 6, 5), "real")], seed=6)[0].astype(np.float32)
    pool, unpool = nn.MaxPool2d(2, stride=2, return_indices=True), nn.MaxUnpool2d(2, stride=2)
    oracle = torch.nn.MaxUnpool2d(2, stride=2)
    out, idx = pool(ember.tensor(x))
    _, t_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    parity.check(lambda t: unpool(t, idx, output_size=(6, 5)),
                 lambda t: oracle(t, t_idx, output_size=(6, 5)), out.numpy())
    assert repr(unpool) == repr(oracle)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.max_pool1d(ember.randn(2, 3, 4, 5), 2), RuntimeError,
     r"max_pool1d: expected input with 3 dims \(N, C, L\)"),
    (lambda: F.adaptive_max_pool2d(ember.randn(1, 2, 4, 4), (0, 2)), RuntimeError,
     "adaptive_max_pool2d: output_size must be positive"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.tensor([[[[0, 1], [2, 99]]]]), 2),
     RuntimeError, "max_unpool2d: found an invalid max index 99 for an output of size 4 x 4"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.randn(1, 1, 2, 2), 2), RuntimeError,
     "max_unpool2d: expected integer indices of the input's shape"),
    (lambda: nn.AvgPool1d(2)(ember.randn(2, 3, 1)), RuntimeError,
     "AvgPool1d: input of shape .* is too small"),
])
def test_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()
