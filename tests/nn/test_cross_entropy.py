"""CrossEntropyLoss / F.cross_entropy against torch: every option, both target kinds, K-dim."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

REDUCTIONS = ("mean", "sum", "none")


def _targets(shape: tuple, n_classes: int, ignore: bool, rng) -> np.ndarray:
    target = rng.integers(0, n_classes, size=shape)
    if ignore:
        target.flat[::3] = 2  # ignore_index=2 below: an index that is also a real class
    return target


@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)], ids=["2d", "4d", "1d"])
@pytest.mark.parametrize("weighted,ignore,smoothing",
                         list(itertools.product([False, True], [False, True], [0.0, 0.3])))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_index_targets_match_torch(parity, shape, weighted, ignore, smoothing, reduction):
    torch = parity.torch
    rng = np.random.default_rng(0)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    logits = rng.standard_normal(shape).astype(np.float32) * 3
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = _targets(target_shape, n_classes, ignore, rng)
    weight = rng.uniform(0.2, 2.0, n_classes).astype(np.float32) if weighted else None
    options = dict(ignore_index=2 if ignore else -100, reduction=reduction,
                   label_smoothing=smoothing)
    ember_loss = nn.CrossEntropyLoss(None if weight is None else ember.tensor(weight), **options)
    torch_loss = torch.nn.CrossEntropyLoss(None if weight is None else torch.tensor(weight),
                                           **options)
    parity.check(lambda x: ember_loss(x, ember.tensor(target)),
                 lambda x: torch_loss(x, torch.tensor(target)), logits)


@pytest.mark.parametrize("shape", [(6, 5), (2, 4, 3), (4,)], ids=["2d", "3d", "1d"])
@pytest.mark.parametrize("weighted,smoothing", list(itertools.product([False, True], [0.0, 0.2])))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_probability_targets_match_torch(parity, shape, weighted, smoothing, reduction):
    """Soft targets get a gradient too (both are leaves that require grad in check())."""
    torch = parity.torch
    rng = np.random.default_rng(1)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    logits = rng.standard_normal(shape).astype(np.float32)
    probs = rng.uniform(0.1, 1.0, shape)
    probs = (probs / probs.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)).astype(np.float32)
    weight = rng.uniform(0.2, 2.0, n_classes).astype(np.float32) if weighted else None
    options = dict(reduction=reduction, label_smoothing=smoothing)
    parity.check(
        lambda x, y: F.cross_entropy(x, y, None if weight is None else ember.tensor(weight),
                                     **options),
        lambda x, y: torch.nn.functional.cross_entropy(
            x, y, None if weight is None else torch.tensor(weight), **options),
        logits, probs)


def test_extreme_logits_are_stable(parity):
    """Log-sum-exp, never log(softmax): huge logits give finite, exact losses."""
    torch = parity.torch
    logits = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]], dtype=np.float32)
    target = np.array([1, 1])
    out = parity.check(lambda x: F.cross_entropy(x, ember.tensor(target), reduction="none"),
                       lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target),
                                                                   reduction="none"), logits)
    assert np.isfinite(out.detach().numpy()).all()


def test_many_classes_far_above_the_target_stay_finite(parity):
    """Rows are shifted by their target's logit unless exp of the others could overflow, alone
    or summed over the classes: 2000 logits 85 above the target would sum past float32's range."""
    torch = parity.torch
    logits = np.zeros((2, 2000), dtype=np.float32)
    logits[0, 3] = -85.0
    target = np.array([3, 7])
    out = parity.check(lambda x: F.cross_entropy(x, ember.tensor(target), reduction="none"),
                       lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target),
                                                                   reduction="none"), logits)
    assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_transposed_logits_get_the_gradient_of_a_contiguous_copy(parity, reduction):
    """The backward writes each row's target entry through a flat view of the gradient: logits
    laid out column-major (a transposed tensor) must get it too."""
    torch = parity.torch
    rng = np.random.default_rng(4)
    logits_t = rng.standard_normal((5, 6)).astype(np.float32)  # (classes, batch)
    target = np.array([0, 4, 2, 2, 1, 3])
    parity.check(lambda x: F.cross_entropy(x.T, ember.tensor(target), reduction=reduction),
                 lambda x: torch.nn.functional.cross_entropy(x.T, torch.tensor(target),
                                                             reduction=reduction), logits_t)


def test_all_targets_ignored_gives_nan_mean_and_zero_grad(torch):
    logits = ember.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(logits, ember.tensor([-100, -100, -100]))
    expected = torch.nn.functional.cross_entropy(torch.randn(3, 4), torch.tensor([-100] * 3))
    assert np.isnan(loss.item()) and expected.isnan().item()
    loss.backward()
    assert not logits.grad.numpy().any()


def test_uint8_targets_are_accepted_as_in_torch(torch):
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 2], dtype=np.uint8)
    got = F.cross_entropy(ember.tensor(x), ember.tensor(t)).item()
    expected = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t)).item()
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("weighted,ignore,smoothing,reduction", [
    (False, False, 0.0, "mean"), (True, True, 0.25, "mean"), (True, False, 0.1, "sum"),
    (False, True, 0.0, "none"),
])
def test_gradcheck_class_targets(weighted, ignore, smoothing, reduction):
    rng = np.random.default_rng(3)
    logits = ember.tensor(rng.standard_normal((4, 5, 2)), dtype=ember.float64,
                          requires_grad=True)
    target = ember.tensor(_targets((4, 2), 5, ignore, rng))
    weight = ember.tensor(rng.uniform(0.5, 2, 5), dtype=ember.float64) if weighted else None
    assert gradcheck(lambda x: F.cross_entropy(x, target, weight, ignore_index=2,
                                               reduction=reduction, label_smoothing=smoothing),
                     [logits])


def test_gradcheck_probability_targets():
    rng = np.random.default_rng(4)
    logits = ember.tensor(rng.standard_normal((3, 4)), dtype=ember.float64, requires_grad=True)
    probs = ember.tensor(rng.dirichlet(np.ones(4), 3), dtype=ember.float64, requires_grad=True)
    weight = ember.tensor(rng.uniform(0.5, 2, 4), dtype=ember.float64)
    assert gradcheck(lambda x, y: F.cross_entropy(x, y, weight, label_smoothing=0.1),
                     [logits, probs])


def test_float32_stays_float32_and_is_one_node():
    x = ember.randn(8, 10, requires_grad=True)
    loss = F.cross_entropy(x, ember.randint(0, 10, (8,)))
    assert loss.dtype == ember.float32
    assert loss.grad_fn.parents == (x,)  # fused: the loss node reads the logits directly
    loss.backward()
    assert x.grad.dtype == ember.float32


@pytest.mark.parametrize("logits_shape,target,error,match", [
    ((3, 5), [1, 2, 12], IndexError, "Target 12 is out of bounds"),
    ((3, 5), [1, -1, 0], IndexError, "Target -1 is out of bounds"),
    ((3, 5), [1, 2], ValueError, r"Expected input batch_size \(3\) to match target batch_size"),
    ((2, 5, 4), [[0, 1, 2], [0, 1, 2]], RuntimeError, r"Expected target size \[2, 4\]"),
    ((3, 5), np.array([1, 2, 3], dtype=np.int32), RuntimeError, "expected target dtype"),
    ((3, 5), np.ones((3, 4), dtype=np.float32), RuntimeError, "class-probability targets"),
])
def test_bad_targets_raise_clear_errors(logits_shape, target, error, match):
    with pytest.raises(error, match=match):
        F.cross_entropy(ember.randn(*logits_shape), ember.tensor(target))


def test_bad_options_raise():
    x, t = ember.randn(3, 4), ember.tensor([0, 1, 2])
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(x, t, reduction="avg")
    with pytest.raises(RuntimeError, match=r"weight \(one per class\) should have shape \(4,\)"):
        F.cross_entropy(x, t, weight=ember.ones(3))
    with pytest.raises(RuntimeError, match="floating point input"):
        F.cross_entropy(ember.tensor([[1, 2]]), ember.tensor([0]))


def test_legacy_size_average_and_reduce_flags(torch):
    x = np.random.default_rng(5).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 1, 2, 1])
    got = F.cross_entropy(ember.tensor(x), ember.tensor(t), size_average=False).item()
    expected = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t),
                                                 reduction="sum").item()
    assert got == pytest.approx(expected, rel=1e-6)
    assert nn.CrossEntropyLoss(reduce=False).reduction == "none"


def test_weight_is_a_buffer_in_the_state_dict(torch):
    weight = ember.tensor([1.0, 2.0, 3.0])
    ember_loss = nn.CrossEntropyLoss(weight=weight)
    torch_loss = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))
    assert list(ember_loss.state_dict()) == list(torch_loss.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
