"""Conv2d and F.conv2d: finite-difference gradients, PyTorch parity, init, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck

rng = np.random.default_rng(0)

# (stride, padding, dilation, groups, bias): covers asymmetric 'same' padding (even kernel
# width), tuples, dilation with padding, grouped and depthwise convolutions.
GEOMETRIES = [
    (1, 0, 1, 1, True),
    (2, 1, 1, 1, True),
    (1, 2, 2, 1, False),
    ((2, 1), (1, 0), (1, 2), 1, True),
    (1, "same", 1, 1, True),
    (1, "same", 2, 2, True),
    (1, "valid", 1, 1, False),
    (2, 1, 1, 2, True),
    (1, 1, 1, 4, True),
    (3, (1, 2), (2, 1), 2, False),
]


def _arrays(groups: int, dtype, kernel=(3, 2), channels=4, out_channels=8, size=(7, 9)):
    x = rng.standard_normal((2, channels, *size)).astype(dtype)
    w = rng.standard_normal((out_channels, channels // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(out_channels).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("stride,padding,dilation,groups,bias", GEOMETRIES)
def test_conv2d_gradcheck(stride, padding, dilation, groups, bias):
    x, w, b = _arrays(groups, np.float64, channels=4, out_channels=4, size=(5, 6))
    inputs = [ember.tensor(a, requires_grad=True) for a in ((x, w, b) if bias else (x, w))]

    def conv(*args):
        return F.conv2d(*args, stride=stride, padding=padding, dilation=dilation, groups=groups)

    assert gradcheck(conv, inputs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", GEOMETRIES)
def test_conv2d_matches_torch(parity, torch, stride, padding, dilation, groups, bias):
    x, w, b = _arrays(groups, np.float32)
    arrays = (x, w, b) if bias else (x, w)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = parity.check(lambda *a: F.conv2d(*a, **kw),
                       lambda *a: torch.nn.functional.conv2d(*a, **kw), *arrays,
                       rtol=1e-4, atol=1e-5)
    assert out.dtype == ember.float32


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_module_matches_torch(parity, torch, padding_mode, padding):
    layer = nn.Conv2d(3, 5, (3, 4), padding=padding, padding_mode=padding_mode)
    oracle = torch.nn.Conv2d(3, 5, (3, 4), padding=padding, padding_mode=padding_mode)
    x = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    parity.check_module(layer, oracle, x, rtol=1e-4, atol=1e-5)
    assert repr(layer) == repr(oracle)


def test_conv2d_module_float64_grouped_matches_torch(parity, torch):
    layer = nn.Conv2d(4, 6, 3, stride=2, dilation=2, groups=2, bias=False).double()
    oracle = torch.nn.Conv2d(4, 6, 3, stride=2, dilation=2, groups=2, bias=False).double()
    x = rng.standard_normal((3, 4, 11, 10))
    out = parity.check_module(layer, oracle, x, rtol=1e-10, atol=1e-12)
    assert out.dtype == ember.float64 and layer.weight.grad.dtype == ember.float64
    assert repr(layer) == repr(oracle)


def test_conv2d_unbatched_input(torch):
    layer = nn.Conv2d(2, 3, 3, padding=1)
    x = rng.standard_normal((2, 5, 5)).astype(np.float32)
    out = layer(ember.tensor(x))
    batched = layer(ember.tensor(x[None]))
    assert out.shape == (3, 5, 5)
    np.testing.assert_array_equal(out.detach().numpy(), batched.detach().numpy()[0])


def test_conv2d_default_init_is_torchs():
    layer = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform_(a=sqrt(5)) and the bias rule agree here
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.dtype == np.float32 and w.shape == (32, 16, 3, 3)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(b).max() <= bound and b.std() > 0.3 * bound
    ember.manual_seed(7)
    first = nn.Conv2d(2, 2, 3).weight.detach().numpy().copy()
    ember.manual_seed(7)
    np.testing.assert_array_equal(nn.Conv2d(2, 2, 3).weight.detach().numpy(), first)


def test_conv2d_state_dict_and_parameters_match_torch(torch):
    layer, oracle = nn.Conv2d(2, 4, 3, bias=False), torch.nn.Conv2d(2, 4, 3, bias=False)
    assert list(layer.state_dict()) == list(oracle.state_dict()) == ["weight"]
    assert layer.bias is None
    assert [tuple(p.shape) for p in nn.Conv2d(6, 4, (3, 2), groups=2).parameters()] == [
        (4, 3, 3, 2), (4,)]


def test_conv2d_no_grad_and_grad_flags():
    layer = nn.Conv2d(1, 2, 3)
    x = ember.randn(1, 1, 5, 5)
    with ember.no_grad():
        assert not layer(x).requires_grad
    out = layer(x)
    assert out.requires_grad and out.grad_fn is not None
    out.sum().backward()
    assert x.grad is None and layer.weight.grad.shape == (2, 1, 3, 3)


def test_conv2d_errors_name_the_layer_and_shapes():
    layer = nn.Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d: expected input with 4 dims \(N, C, H, W\) "
                                           r"and 3 channels, got shape \(8, 1, 28, 28\)"):
        layer(ember.randn(8, 1, 28, 28))
    with pytest.raises(RuntimeError, match=r"Conv2d: .*got shape \(28, 28\)"):
        layer(ember.randn(28, 28))
    with pytest.raises(RuntimeError, match="Conv2d: padded input size per channel 2 x 2"):
        layer(ember.randn(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="Conv2d: input dtype ember.float64 and weight dtype "
                                           "ember.float32"):
        layer(ember.randn(1, 3, 5, 5, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="conv2d: expected a bias of shape"):
        F.conv2d(ember.randn(1, 3, 5, 5), ember.randn(2, 3, 3, 3), ember.randn(3))
    with pytest.raises(RuntimeError, match="conv2d: groups must be"):
        F.conv2d(ember.randn(1, 4, 5, 5), ember.randn(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="conv2d: stride must be at least 1"):
        F.conv2d(ember.randn(1, 3, 5, 5), ember.randn(2, 3, 3, 3), stride=0)


@pytest.mark.parametrize("kwargs,message", [
    (dict(groups=2, in_channels=3), "in_channels .* divisible by groups"),
    (dict(groups=3, out_channels=4), "out_channels .* divisible by groups"),
    (dict(groups=0), "groups must be a positive integer"),
    (dict(padding="full"), "invalid padding string"),
    (dict(padding="same", stride=2), "not supported for strided convolutions"),
    (dict(padding_mode="mirror"), "padding_mode must be one of"),
])
def test_conv2d_constructor_errors(kwargs, message):
    args = dict(in_channels=6, out_channels=6, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(**args)


def test_reflect_padding_too_large_is_an_error():
    layer = nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="reflect padding .* too large"):
        layer(ember.randn(1, 1, 3, 3))


@pytest.mark.parametrize("columns", [1, 100])
def test_conv2d_in_chunks_of_images_matches_torch(torch, monkeypatch, columns):
    """Convolutions whose im2col matrix is too large to keep make their columns a few images
    at a time (ember.ops.conv._column_chunks), in forward and again for the weight gradient:
    one image per chunk, then two with a shorter last chunk. The input gradient of this 'same'
    convolution, its rows longer than 8, is a convolution with the flipped kernel, chunked too."""
    import ember.ops.conv as conv_ops
    for name in ("CHUNK_BYTES", "WEIGHT_GRAD_CHUNK", "KEPT_COLUMNS_BYTES"):
        monkeypatch.setattr(conv_ops, name, 1)
    monkeypatch.setattr(conv_ops, "CHUNK_COLUMNS", columns)  # 5x10 = 50 positions an image
    x, w, b = _arrays(2, np.float32, kernel=(3, 3), size=(5, 10))
    x = np.concatenate([x, x[:1] * 2])  # 3 images
    kw = dict(padding=1, groups=2)
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*ours, **kw)
    expected = torch.nn.functional.conv2d(*theirs, **kw)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(ember.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    for mine, oracle in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-4, atol=1e-4)
