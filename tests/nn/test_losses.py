"""NLL, MSE, L1, BCE and BCE-with-logits against torch; gradcheck; errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

REDUCTIONS = ("mean", "sum", "none")
RNG = np.random.default_rng(0)


def _pair(torch, array):
    return (None, None) if array is None else (ember.tensor(array), torch.tensor(array))


@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2), (5,)], ids=["2d", "3d", "1d"])
@pytest.mark.parametrize("weighted,ignore", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(parity, shape, weighted, ignore, reduction):
    torch = parity.torch
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    log_probs = RNG.standard_normal(shape).astype(np.float32)
    target = RNG.integers(0, n_classes, size=() if len(shape) == 1 else shape[:1] + shape[2:])
    if ignore:
        target.flat[::2] = 1
    ew, tw = _pair(torch, RNG.uniform(0.5, 2, n_classes).astype(np.float32) if weighted else None)
    options = dict(ignore_index=1 if ignore else -100, reduction=reduction)
    ours, theirs = nn.NLLLoss(ew, **options), torch.nn.NLLLoss(tw, **options)
    parity.check(lambda x: ours(x, ember.tensor(target)),
                 lambda x: theirs(x, torch.tensor(target)), log_probs)


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_match_torch(parity, name, reduction):
    ours = getattr(nn, name)(reduction=reduction)
    theirs = getattr(parity.torch.nn, name)(reduction=reduction)
    parity.check(ours, theirs, RNG.standard_normal((4, 3)).astype(np.float32),
                 RNG.standard_normal((4, 3)).astype(np.float32))


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_with_weight_match_torch(parity, fn, reduction):
    torch = parity.torch
    weight = RNG.uniform(0, 2, (4, 3)).astype(np.float32)
    parity.check(
        lambda x, y: getattr(F, fn)(x, y, reduction=reduction, weight=ember.tensor(weight)),
        lambda x, y: getattr(torch.nn.functional, fn)(x, y, reduction=reduction,
                                                      weight=torch.tensor(weight)),
        RNG.standard_normal((4, 3)).astype(np.float32),
        RNG.standard_normal((4, 3)).astype(np.float32))


def test_regression_broadcast_warns_like_torch(parity):
    torch = parity.torch
    with pytest.warns(UserWarning, match="different to the input size"):
        parity.check(F.mse_loss, torch.nn.functional.mse_loss,
                     RNG.standard_normal((4, 3)).astype(np.float32),
                     RNG.standard_normal((3,)).astype(np.float32))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(parity, weighted, reduction):
    torch = parity.torch
    probs = RNG.uniform(0, 1, (5, 3)).astype(np.float32)
    probs[0, :2] = [0.0, 1.0]  # exercises the log clamp at -100
    ew, tw = _pair(torch, RNG.uniform(0.5, 2, (3,)).astype(np.float32) if weighted else None)
    ours, theirs = nn.BCELoss(ew, reduction=reduction), torch.nn.BCELoss(tw, reduction=reduction)
    target = RNG.integers(0, 2, (5, 3)).astype(np.float32)
    target[0, :2] = [1.0, 0.0]
    parity.check(lambda x: ours(x, ember.tensor(target)),
                 lambda x: theirs(x, torch.tensor(target)), probs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("weighted,pos_weighted",
                         list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(parity, weighted, pos_weighted, reduction):
    torch = parity.torch
    logits = (RNG.standard_normal((5, 3)) * 10).astype(np.float32)
    logits[0, :2] = [200.0, -200.0]  # the stable form has no overflow
    targets = RNG.uniform(0, 1, (5, 3)).astype(np.float32)  # soft targets get a gradient
    ew, tw = _pair(torch, RNG.uniform(0.5, 2, (5, 1)).astype(np.float32) if weighted else None)
    ep, tp = _pair(torch, RNG.uniform(0.5, 3, (3,)).astype(np.float32) if pos_weighted else None)
    ours = nn.BCEWithLogitsLoss(ew, reduction=reduction, pos_weight=ep)
    theirs = torch.nn.BCEWithLogitsLoss(tw, reduction=reduction, pos_weight=tp)
    out = parity.check(ours, theirs, logits, targets)
    assert np.isfinite(out.detach().numpy()).all()


def _f64(shape, low=-1.0, high=1.0, seed=1):
    return ember.tensor(np.random.default_rng(seed).uniform(low, high, shape),
                        dtype=ember.float64, requires_grad=True)


@pytest.mark.parametrize("loss,inputs", [
    (lambda x, y: F.mse_loss(x, y), [_f64((3, 4)), _f64((3, 4), seed=2)]),
    (lambda x, y: F.l1_loss(x, y, reduction="sum"), [_f64((3, 4)), _f64((3, 4), seed=2)]),
    (lambda x, y: F.binary_cross_entropy(x, y, weight=ember.tensor([1.0, 2.0, 0.5, 1.5],
                                                                   dtype=ember.float64)),
     [_f64((3, 4), 0.05, 0.95), _f64((3, 4), 0, 1, seed=2)]),
    (lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=ember.tensor([1.0, 3.0, 0.5, 2.0], dtype=ember.float64)),
     [_f64((3, 4), -5, 5), _f64((3, 4), 0, 1, seed=2)]),
    (lambda x: F.nll_loss(x, ember.tensor([0, 3, 1]), weight=ember.tensor(
        [1.0, 2.0, 3.0, 4.0], dtype=ember.float64), ignore_index=1), [_f64((3, 4))]),
])
def test_gradcheck(loss, inputs):
    assert gradcheck(loss, inputs)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.binary_cross_entropy(ember.rand(3), ember.rand(3, 1)), ValueError,
     r"binary_cross_entropy: Target size \(3, 1\) must be the same as input size \(3,\)"),
    (lambda: F.binary_cross_entropy(ember.rand(3) + 1, ember.rand(3)), RuntimeError,
     "between 0 and 1"),
    (lambda: F.binary_cross_entropy_with_logits(ember.rand(3), ember.rand(2)), ValueError,
     "must be the same as input size"),
    (lambda: F.binary_cross_entropy_with_logits(ember.rand(3), ember.rand(3),
                                                pos_weight=ember.ones(2)), RuntimeError,
     r"pos_weight of shape \(2,\) cannot be broadcast"),
    (lambda: F.mse_loss(ember.rand(3), ember.rand(4)), RuntimeError, "cannot be broadcast"),
    (lambda: F.mse_loss(ember.rand(3), ember.rand(3), weight=ember.ones(2)), ValueError,
     "Weights and input must have the same size"),
    (lambda: F.nll_loss(ember.randn(3, 4), ember.tensor([0, 4, 1])), IndexError,
     "Target 4 is out of bounds"),
    (lambda: F.l1_loss(ember.rand(3), ember.rand(3), reduction="max"), ValueError,
     "max is not a valid value for reduction"),
])
def test_errors_name_the_loss_and_shapes(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_loss_reprs_match_torch(torch):
    for name in ("CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss",
                 "BCEWithLogitsLoss"):
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())
