"""Conv1d, Conv3d, ConvTranspose1d/2d/3d, Fold and Unfold, and their functional forms:
gradcheck and gradgradcheck, derivatives of first and second order against PyTorch, the layers
against torch's with the same weights (outputs, every gradient, state_dict, repr), errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck, gradgradcheck

# padding='same' with an even kernel: torch warns that it pads a copy of the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def _F(m):
    return m.nn.functional


TRANSPOSE_2D = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2,
                    dilation=(1, 2))
# (id, fn(m, *tensors), inputs as [(shape, domain)]): the format of
# tests/nn/test_double_backward.py, which tests/test_op_coverage.py reads.
CASES = [
    ("conv1d_stride_padding_dilation_groups",
     lambda m, x, w, b: _F(m).conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
     [((2, 4, 7), "real"), ((4, 2, 3), "real"), ((4,), "real")]),
    ("conv1d_same", lambda m, x, w: _F(m).conv1d(x, w, padding="same"),
     [((1, 2, 5), "real"), ((3, 2, 4), "real")]),
    ("conv3d", lambda m, x, w, b: _F(m).conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1)),
     [((1, 2, 3, 4, 3), "real"), ((2, 2, 2, 2, 2), "real"), ((2,), "real")]),
    ("conv_transpose1d",
     lambda m, x, w, b: _F(m).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     [((2, 3, 4), "real"), ((3, 2, 3), "real"), ((2,), "real")]),
    # rows longer than 8: col2im's path (shorter ones take the spatial-major one)
    ("conv_transpose1d_long_rows_groups",
     lambda m, x, w: _F(m).conv_transpose1d(x, w, stride=2, groups=2, dilation=2),
     [((1, 4, 10), "real"), ((4, 1, 3), "real")]),
    ("conv_transpose2d_groups_dilation_output_padding",
     lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, **TRANSPOSE_2D),
     [((1, 4, 3, 3), "real"), ((4, 1, 3, 2), "real"), ((2,), "real")]),
    ("conv_transpose2d_unbatched", lambda m, x, w: _F(m).conv_transpose2d(x, w, stride=2),
     [((2, 2, 3), "real"), ((2, 2, 2, 2), "real")]),
    # stride 1, rows longer than 8, output about as large as the input: the convolution with
    # the flipped kernel (ember.ops.conv._flipped_pads), with groups and dilation
    ("conv_transpose2d_stride1_as_flipped_convolution",
     lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, padding=(1, 2), groups=2,
                                               dilation=(1, 2)),
     [((2, 4, 3, 10), "real"), ((4, 1, 3, 3), "real"), ((2,), "real")]),
    # stride 1 with output_padding (PyTorch allows it below the dilation): output positions
    # past the input's reach, on the flipped path and (output much larger) on col2im's
    ("conv_transpose2d_stride1_output_padding_flipped",
     lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, padding=(1, 2), output_padding=(0, 1),
                                               groups=2, dilation=(1, 2)),
     [((1, 4, 3, 10), "real"), ((4, 1, 3, 3), "real"), ((2,), "real")]),
    ("conv_transpose1d_stride1_output_padding_col2im",
     lambda m, x, w, b: _F(m).conv_transpose1d(x, w, b, output_padding=2, dilation=3),
     [((1, 2, 9), "real"), ((2, 2, 3), "real"), ((2,), "real")]),
    ("conv_transpose3d", lambda m, x, w: _F(m).conv_transpose3d(x, w, stride=(2, 1, 1)),
     [((1, 2, 2, 2, 2), "real"), ((2, 1, 2, 1, 2), "real")]),
    ("unfold", lambda m, x: _F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
     [((2, 2, 3, 4), "real")]),
    ("fold", lambda m, c: _F(m).fold(c, (3, 4), (2, 2), padding=(1, 0), stride=(2, 1)),
     [((2, 8, 6), "real")]),
]
IDS = [c[0] for c in CASES]
GRADCHECK_CASES = CASES  # see tests/test_op_coverage.py


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape, _ in inputs]


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, inputs):
    leaves = [ember.tensor(a, requires_grad=True) for a in make_arrays(inputs, seed=1)]
    assert gradcheck(lambda *xs: fn(ember, *xs), leaves)
    assert gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


def _first_and_second_derivatives(m, fn, arrays, upstream, probe_seed=3):
    """The output, the gradients of sum(out * upstream), and the gradients of a random
    combination of those with respect to the inputs and to upstream (linear ops' gradients
    depend on upstream only)."""
    leaves = [m.tensor(a.copy(), requires_grad=True) for a in arrays]
    up = m.tensor(upstream.copy(), requires_grad=True)
    out = fn(m, *leaves)
    grads = m.autograd.grad((out * up).sum(), leaves, create_graph=True)
    rng = np.random.default_rng(probe_seed)
    objective = sum((g * m.tensor(rng.standard_normal(tuple(g.shape)))).sum() for g in grads)
    second = m.autograd.grad(objective, [*leaves, up], allow_unused=True)
    return [out.detach().numpy()] + [g.detach().numpy() for g in grads] + [
        np.zeros(t.shape) if g is None else g.numpy() for t, g in zip([*leaves, up], second)]


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_values_and_two_orders_of_derivatives_match_torch(torch, name, fn, inputs):
    arrays = make_arrays(inputs, seed=2)
    out_shape = tuple(fn(torch, *[torch.tensor(a) for a in arrays]).shape)
    upstream = np.random.default_rng(4).standard_normal(out_shape)
    ours = _first_and_second_derivatives(ember, fn, arrays, upstream)
    theirs = _first_and_second_derivatives(torch, fn, arrays, upstream)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{name}: result {i}")


# (unbatched inputs end in ember's squeeze, named ViewBackward0: torch's is SqueezeBackward1)
@pytest.mark.parametrize("name, fn, inputs", [c for c in CASES if "unbatched" not in c[0]],
                         ids=[i for i in IDS if "unbatched" not in i])
def test_grad_fn_names_are_torchs(torch, name, fn, inputs):
    arrays = make_arrays(inputs, seed=5)
    ours = fn(ember, *[ember.tensor(a, requires_grad=True) for a in arrays])
    theirs = fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert ours.grad_fn.name() == type(theirs.grad_fn).__name__


LAYERS = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    ("Conv1d", (3, 5, 4), dict(padding="same", padding_mode="reflect"), (2, 3, 8)),
    ("Conv1d", (3, 5, 3), dict(padding=2, padding_mode="circular", bias=False), (3, 7)),
    ("Conv3d", (2, 4, (2, 3, 2)), dict(stride=(1, 2, 1), padding=1), (2, 2, 4, 5, 4)),
    ("Conv3d", (2, 3, 3), dict(padding=(1, 2, 1), padding_mode="replicate"), (1, 2, 3, 4, 5)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 6)),
    ("ConvTranspose2d", (4, 3, (3, 4)),
     dict(stride=2, padding=(1, 2), output_padding=(1, 0), dilation=(1, 2)), (2, 4, 5, 4)),
    ("ConvTranspose2d", (3, 2, 4), dict(stride=2, padding=1, bias=False), (3, 4, 4)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=(1, 2), padding=1, groups=2), (2, 4, 3, 11)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2, groups=1), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, args, kwargs, shape", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch(parity, torch, cls, args, kwargs, shape, dtype):
    layer, oracle = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    if dtype == "float64":
        layer, oracle = layer.double(), oracle.double()
    tolerance = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10,
                                                                          atol=1e-12)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out = parity.check_module(layer, oracle, x, **tolerance)
    assert out.dtype == getattr(ember, dtype)
    assert repr(layer) == repr(oracle)
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == {
        k: tuple(v.shape) for k, v in oracle.state_dict().items()}


@pytest.mark.parametrize("cls, args", [("Conv1d", (6, 4, 3)), ("Conv3d", (6, 4, 3)),
                                       ("ConvTranspose1d", (6, 4, 3)),
                                       ("ConvTranspose2d", (6, 4, (3, 2)))])
def test_default_init_is_torchs_ranges(torch, cls, args):
    """kaiming_uniform_(a=sqrt(5)) over the fan-in PyTorch computes (for a transposed weight,
    (out/groups) * kernel), and the bias in U(±1/sqrt(fan_in))."""
    layer = getattr(nn, cls)(*args, groups=2)
    oracle = getattr(torch.nn, cls)(*args, groups=2)
    assert layer.weight.shape == tuple(oracle.weight.shape)
    fan_in = np.prod(oracle.weight.shape[1:])
    bound = 1 / np.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound


@pytest.mark.parametrize("output_size", [(9, 7), (10, 8), [2, 4, 10, 7]])
def test_conv_transpose_output_size_picks_the_output_padding(parity, torch, output_size):
    layer, oracle = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1), \
        torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    x = np.random.default_rng(1).standard_normal((2, 4, 5, 4)).astype(np.float32)
    parity.copy_weights(layer, oracle)
    out = parity.check(lambda t: layer(t, output_size=output_size),
                       lambda t: oracle(t, output_size=output_size), x, rtol=1e-4, atol=1e-5,
                       ember_params=list(layer.parameters()),
                       torch_params=list(oracle.parameters()))
    assert out.shape[2:] == tuple(output_size)[-2:]
    with pytest.raises(ValueError, match=r"requested an output size of \[11, 8\], but valid "
                                         r"sizes range from \[9, 7\] to \[10, 8\]"):
        layer(ember.tensor(x), output_size=(11, 8))


def test_fold_and_unfold_layers_match_torch(parity, torch):
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6)).astype(np.float32)
    unfold, oracle = nn.Unfold((2, 3), padding=1, stride=2), torch.nn.Unfold((2, 3), padding=1,
                                                                              stride=2)
    cols = parity.check_module(unfold, oracle, x)
    assert repr(unfold) == repr(oracle) and cols.shape == (2, 18, 9)
    fold = nn.Fold((5, 6), (2, 3), padding=1, stride=2)
    oracle = torch.nn.Fold((5, 6), (2, 3), padding=1, stride=2)
    out = parity.check_module(fold, oracle, cols.detach().numpy())
    assert repr(fold) == repr(oracle) and out.shape == (2, 3, 5, 6)
    # unbatched: (C*k, L) -> (C, H, W)
    assert F.fold(cols[0], (5, 6), (2, 3), padding=1, stride=2).shape == (3, 5, 6)


def test_transposed_convolution_is_the_gradient_of_convolution():
    """conv_transpose2d(g, w) equals d/dx of sum(conv2d(x, w) * g), as PyTorch defines it."""
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((2, 3, 7, 6)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((4, 3, 3, 2)))
    g = rng.standard_normal((2, 4, 4, 4))
    (F.conv2d(x, w, stride=2, padding=1) * ember.tensor(g)).sum().backward()
    transposed = F.conv_transpose2d(ember.tensor(g), w, stride=2, padding=1)
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv1d(ember.randn(2, 3, 5), ember.randn(4, 3, 3, 3)), RuntimeError,
     r"conv1d: expected a 3-D weight \(out_channels, in_channels/groups, \*kernel_size\)"),
    (lambda: F.conv3d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3, 3, 3)), RuntimeError,
     r"conv3d: expected input with 5 dims \(N, C, D, H, W\) and 3 channels, got shape"),
    (lambda: F.conv_transpose2d(ember.randn(1, 4, 3, 3), ember.randn(4, 2, 3, 3), stride=2,
                                output_padding=2), RuntimeError,
     "conv_transpose2d: output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose1d(ember.randn(1, 3, 5), ember.randn(4, 2, 3)), RuntimeError,
     r"conv_transpose1d: expected input with 3 dims \(N, C, L\) and 4 channels"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: F.fold(ember.randn(1, 7, 4), (3, 3), 2), RuntimeError,
     r"fold: expected an input of shape \(N, C\*4, 4\)"),
    (lambda: F.unfold(ember.randn(1, 2, 2, 2), 3), RuntimeError,
     "unfold: input of shape .* is too small"),
    (lambda: nn.Conv3d(3, 4, 3)(ember.randn(1, 3, 2, 5, 5)), RuntimeError,
     "Conv3d: padded input size per channel 2 x 5 x 5 is smaller than the"),
])
def test_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()
