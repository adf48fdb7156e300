"""The ELU family, hard and shrink activations, softplus and relatives, PReLU, RReLU, GLU,
Softmin and Softmax2d against torch: values, gradients, second derivatives, reprs, state_dicts,
in-place variants and errors. gradcheck and gradgradcheck of the primitives:
tests/nn/test_gradcheck_activations_losses.py."""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind
from second_order import assert_second_order_matches

import ember
import ember.nn as nn
import ember.nn.functional as F

# Every kink of the activations below (0, +-0.5, +-1, +-3, 6, softplus's 20), tails, and noise.
KINKS = [0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0, 20.0, -20.0, 25.0, 0.1, 2.0]
X = np.concatenate([KINKS, np.linspace(-8, 8, 33),
                    np.random.default_rng(0).standard_normal(26) * 3]).reshape(6, 12)

LAYERS = [
    ("ELU", (), {}), ("ELU", (0.5,), {"inplace": True}), ("SELU", (), {}),
    ("SELU", (), {"inplace": True}), ("CELU", (), {}), ("CELU", (2.0, True), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0, True), {}), ("ReLU6", (), {}),
    ("ReLU6", (True,), {}), ("Hardswish", (), {}), ("Hardswish", (True,), {}),
    ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}), ("Hardshrink", (), {}),
    ("Hardshrink", (1.0,), {}), ("Softshrink", (), {}), ("Softshrink", (3.0,), {}),
    ("Tanhshrink", (), {}), ("Softplus", (), {}), ("Softplus", (2.0, 10.0), {}),
    ("Softplus", (-0.5,), {}), ("Softsign", (), {}), ("Mish", (), {}), ("Mish", (True,), {}),
    ("LogSigmoid", (), {}), ("Threshold", (0.5, -2.0), {}), ("Threshold", (1.0, 7.0, True), {}),
    ("GLU", (), {}), ("GLU", (0,), {}), ("Softmin", (1,), {}), ("Softmin", (0,), {}),
    ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}),
]
IDS = [f"{n}{a}{k}" for n, a, k in LAYERS]
TOL = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_matches_torch(parity, name, args, kwargs, dtype):
    # the layers behave alike in both modes (float32 in training mode); RReLU draws random
    # slopes in training (test_rrelu_training_draws_one_slope_per_element), so it is in eval
    training = dtype == np.float32 and name != "RReLU"
    ours = getattr(nn, name)(*args, **kwargs).train(training)
    theirs = getattr(parity.torch.nn, name)(*args, **kwargs).train(training)
    assert ours.training == theirs.training == training
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    tol = TOL[dtype]
    if name == "Hardsigmoid" and dtype == np.float64:
        tol = dict(rtol=1e-7, atol=1e-13)  # torch's float64 gradient uses float32's 1/6
    # through `x * 1`: torch refuses in-place ops on leaves, and inplace=True must still work
    parity.check(lambda x: ours(x * 1), lambda x: theirs(x * 1), X.astype(dtype), **tol)


# torch has no second derivative of hardsigmoid (ours is 0, which gradgradcheck confirms)
SECOND_ORDER = [(i, c) for i, c in zip(IDS, LAYERS)
                if "inplace" not in c[2] and True not in c[1] and c[0] != "Hardsigmoid"]


@pytest.mark.parametrize("name,args,kwargs", [c for _, c in SECOND_ORDER],
                         ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_torch(torch, name, args, kwargs):
    ours = getattr(nn, name)(*args, **kwargs).eval()
    theirs = getattr(torch.nn, name)(*args, **kwargs).eval()
    assert_second_order_matches(torch, ours, theirs, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,num", [((4, 3, 5), 3), ((4, 3, 5), 1), ((6,), 1), ((2, 3), 3)])
def test_prelu_matches_torch(parity, dtype, shape, num):
    torch = parity.torch
    theirs = torch.nn.PReLU(num).to(getattr(torch, np.dtype(dtype).name))
    with torch.no_grad():
        theirs.weight.uniform_(-1, 1)
    ours = nn.PReLU(num, dtype=getattr(ember, np.dtype(dtype).name))
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    x.flat[:3] = 0.0
    parity.check(ours, theirs, x, ember_params=[ours.weight], torch_params=[theirs.weight],
                 **TOL[dtype])
    assert ours.weight.grad.dtype == ours.weight.dtype


def test_prelu_second_derivatives_match_torch(torch):
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    w = np.array([0.3, -0.7])
    assert_second_order_matches(torch, F.prelu, torch.nn.functional.prelu, x, w)


def test_prelu_defaults_and_init():
    layer = nn.PReLU()
    assert layer.weight.shape == (1,) and layer.weight.tolist() == [0.25]
    assert nn.PReLU(4, init=0.1).weight.tolist() == pytest.approx([0.1] * 4)


INPLACE = [("elu_", ()), ("selu_", ()), ("celu_", (0.5,)), ("hardtanh_", (-0.5, 0.5)),
           ("threshold_", (0.2, 9.0)), ("rrelu_", ())]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_functions_match_torch(parity, name, args):
    def run(m, x):
        y = x * 2
        out = getattr(m.nn.functional, name)(y, *args)
        assert out is y
        return y * 3

    parity.check(lambda x: run(ember, x), lambda x: run(parity.torch, x), X)


def test_inplace_variants_write_into_the_input():
    for fn in (F.elu, F.selu, F.celu, F.hardtanh, F.relu6, F.hardswish, F.hardsigmoid, F.mish,
               lambda x, inplace: F.threshold(x, 0.0, 1.0, inplace),
               lambda x, inplace: F.rrelu(x, inplace=inplace)):
        x = ember.tensor(X.copy())
        expected = fn(x, inplace=False).numpy()
        assert fn(x, inplace=True) is x
        np.testing.assert_array_equal(x.numpy(), expected)


def test_rrelu_training_draws_one_slope_per_element(torch):
    x = ember.tensor(X, requires_grad=True)
    layer = nn.RReLU(0.1, 0.3)
    ember.manual_seed(3)
    out = layer(x)
    out.sum().backward()
    negative = X <= 0
    slopes = out.detach().numpy()[negative & (X != 0)] / X[negative & (X != 0)]
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and np.unique(slopes).size > 10
    np.testing.assert_array_equal(out.detach().numpy()[~negative], X[~negative])
    # the gradient is the slope that was drawn (1 for positive inputs), as torch's
    grad = x.grad.numpy()
    np.testing.assert_allclose(grad[negative & (X != 0)], slopes)
    assert (grad[~negative] == 1).all()
    ember.manual_seed(3)
    np.testing.assert_array_equal(nn.RReLU(0.1, 0.3)(ember.tensor(X)).numpy(),
                                  out.detach().numpy())
    theirs = torch.nn.RReLU(0.1, 0.3)(torch.tensor(X))  # torch's draws, in the same range
    their_slopes = theirs.numpy()[negative & (X != 0)] / X[negative & (X != 0)]
    assert ((their_slopes >= 0.1) & (their_slopes <= 0.3)).all()


def test_softmax2d_matches_torch(parity):
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    parity.check(nn.Softmax2d(), parity.torch.nn.Softmax2d(), x, rtol=1e-12, atol=1e-13)
    parity.check(nn.Softmax2d(), parity.torch.nn.Softmax2d(), x[0], rtol=1e-12, atol=1e-13)
    assert repr(nn.Softmax2d()) == "Softmax2d()"


def test_softmin_without_dim_warns(torch):
    x = np.random.default_rng(2).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ours = F.softmin(ember.tensor(x))
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmin(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


ERRORS = [
    ("elu_int", lambda m: m.nn.functional.elu(m.tensor([1, 2]))),
    ("softplus_int", lambda m: m.nn.functional.softplus(m.tensor([1, 2]))),
    ("mish_int", lambda m: m.nn.functional.mish(m.tensor([1, 2]))),
    ("hardtanh_int", lambda m: m.nn.functional.hardtanh(m.tensor([-3, 0, 2]))),
    ("softsign_int", lambda m: m.nn.functional.softsign(m.tensor([-3, 0, 2]))),
    ("tanhshrink_int", lambda m: m.nn.functional.tanhshrink(m.tensor([-3, 0, 2]))),
    ("threshold_int", lambda m: m.nn.functional.threshold(m.tensor([1, 2]), 1, 0)),
    ("softshrink_negative", lambda m: m.nn.functional.softshrink(m.ones(3), -1.0)),
    ("celu_zero", lambda m: m.nn.functional.celu(m.ones(3), 0.0)),
    ("hardtanh_bounds", lambda m: m.nn.functional.hardtanh(m.ones(3), 2.0, 1.0)),
    ("Hardtanh_bounds", lambda m: m.nn.Hardtanh(1.0, 1.0)),
    ("glu_odd", lambda m: m.nn.functional.glu(m.ones(2, 3))),
    ("glu_scalar", lambda m: m.nn.functional.glu(m.ones(()))),
    ("glu_dim", lambda m: m.nn.functional.glu(m.ones(2, 4), 2)),
    ("prelu_channels", lambda m: m.nn.functional.prelu(m.ones(2, 3), m.ones(2))),
    ("prelu_1d", lambda m: m.nn.functional.prelu(m.ones(3), m.ones(3))),
    ("prelu_2d_weight", lambda m: m.nn.functional.prelu(m.ones(2, 3), m.ones(1, 3))),
    ("rrelu_bounds", lambda m: m.nn.functional.rrelu(m.ones(3), 0.5, 0.1, True)),
    ("softmax2d_2d", lambda m: m.nn.Softmax2d()(m.ones(3, 3))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(torch, name, fn):
    ours, theirs = outcome(lambda: fn(ember)), outcome(lambda: fn(torch))
    if same_kind(ours, theirs, name) and hasattr(theirs[1], "numpy"):
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        assert ours[1].dtype.name == str(theirs[1].dtype).split(".")[-1]


def test_hardtanh_deprecated_names_warn():
    with pytest.warns(FutureWarning, match="min_value"):
        layer = nn.Hardtanh(min_value=-2.0)
    assert layer.min_val == -2.0
