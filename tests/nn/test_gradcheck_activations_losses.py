"""The primitives of the activations (ember/ops/activation_pointwise.py) and of the losses
(loss_pointwise.py, loss_margin.py, ctc.py): gradcheck and gradgradcheck in float64 for each op
and its options, and parity with PyTorch of the values and of the first and second derivatives.

A case is (id, fn, inputs), as in tests/nn/test_double_backward.py: `fn(m, *tensors)` is written
once against the module `m` (ember or torch); `inputs` lists (shape, domain) of the
differentiable inputs; targets and weights are NumPy constants the case makes tensors of `m`.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

# SMOOTH: values away from every kink of the activations below (0, +-0.5, +-1, +-3, 6, 0.3, 0.7,
# softplus's 4/3), where finite differences would straddle two slopes. REAL: standard normal.
# POSITIVE: in [0.1, 2] (KL divergence's target).
SMOOTH, REAL, POSITIVE = "smooth", "real", "positive"
_SMOOTH_VALUES = np.array([-4.1, -2.6, -1.7, -0.8, -0.3, 0.2, 0.38, 0.9, 1.6, 2.4, 3.3, 5.2])

PM1 = np.array([[1.0, -1, 1], [-1, -1, 1]])
CLASS = np.array([0, 2])
CLASS_WEIGHT = np.array([0.5, 1.0, 2.0])
MULTILABEL = np.array([[2, 0, -1], [1, -1, 2]])
CTC_TARGETS, CTC_INPUT_LENGTHS, CTC_TARGET_LENGTHS = (np.array([[1, 2], [1, 0]]),
                                                      np.array([3, 2]), np.array([2, 1]))


def F(m):
    return m.nn.functional


def const(m, array: np.ndarray):
    return m.tensor(array.copy())


def ctc(m, x, reduction):
    return F(m).ctc_loss(x.log_softmax(2), const(m, CTC_TARGETS), const(m, CTC_INPUT_LENGTHS),
                         const(m, CTC_TARGET_LENGTHS), reduction=reduction)


A = [((2, 6), SMOOTH)]
PAIR = [((2, 3), REAL), ((2, 3), REAL)]
CASES = [
    # ---- activations
    ("elu", lambda m, x: F(m).elu(x), A),
    ("elu_alpha", lambda m, x: F(m).elu(x, 0.5), A),
    ("selu", lambda m, x: F(m).selu(x), A),
    ("celu", lambda m, x: F(m).celu(x, 0.5), A),
    ("celu_negative_alpha", lambda m, x: F(m).celu(x, -1.5), A),
    ("hardtanh", lambda m, x: F(m).hardtanh(x, -2.0, 1.5), A),
    ("relu6", lambda m, x: F(m).relu6(x), A),
    ("hardswish", lambda m, x: F(m).hardswish(x), A),
    ("hardsigmoid", lambda m, x: F(m).hardsigmoid(x), A),
    ("hardshrink", lambda m, x: F(m).hardshrink(x), A),
    ("softshrink", lambda m, x: F(m).softshrink(x, 0.7), A),
    ("threshold", lambda m, x: F(m).threshold(x, 0.3, -4.0), A),
    ("softplus", lambda m, x: F(m).softplus(x), A),
    ("softplus_beta_threshold", lambda m, x: F(m).softplus(x, 1.5, 2.0), A),
    ("mish", lambda m, x: F(m).mish(x), A),
    ("logsigmoid", lambda m, x: F(m).logsigmoid(x), A),
    ("softsign", lambda m, x: F(m).softsign(x), A),
    ("tanhshrink", lambda m, x: F(m).tanhshrink(x), A),
    ("glu", lambda m, x: F(m).glu(x), A),
    ("glu_dim0", lambda m, x: F(m).glu(x, 0), [((4, 3), SMOOTH)]),
    ("prelu_per_channel", lambda m, x, w: F(m).prelu(x, w), [((2, 3, 2), SMOOTH), ((3,), REAL)]),
    ("prelu_one_weight", lambda m, x, w: F(m).prelu(x, w), [((2, 6), SMOOTH), ((1,), REAL)]),
    # ---- element-wise losses (the target gets gradients too)
    ("smooth_l1_loss_none", lambda m, x, y: F(m).smooth_l1_loss(x, y, reduction="none", beta=0.8),
     PAIR),
    ("smooth_l1_loss_beta0_sum",
     lambda m, x, y: F(m).smooth_l1_loss(x, y, reduction="sum", beta=0.0), PAIR),
    ("huber_loss", lambda m, x, y: F(m).huber_loss(x, y, delta=0.6), PAIR),
    ("kl_div_batchmean", lambda m, x, t: F(m).kl_div(x, t, reduction="batchmean"),
     [((2, 3), REAL), ((2, 3), POSITIVE)]),
    ("kl_div_log_target_none",
     lambda m, x, t: F(m).kl_div(x, t, reduction="none", log_target=True), PAIR),
    ("soft_margin_loss", lambda m, x: F(m).soft_margin_loss(x, const(m, PM1)), [((2, 3), REAL)]),
    # ---- margin losses on class indices
    ("multi_margin_loss_none",
     lambda m, x: F(m).multi_margin_loss(x, const(m, CLASS), margin=2.0, reduction="none"),
     [((2, 3), REAL)]),
    ("multi_margin_loss_p2_weight_sum",
     lambda m, x: F(m).multi_margin_loss(x, const(m, np.array([1, 2])), p=2, margin=1.5,
                                         weight=const(m, CLASS_WEIGHT), reduction="sum"),
     [((2, 3), REAL)]),
    ("multilabel_margin_loss",
     lambda m, x: F(m).multilabel_margin_loss(x, const(m, MULTILABEL)), [((2, 3), REAL)]),
    # ---- CTC on (T, N, C) = (3, 2, 3) logits
    ("ctc_loss_none", lambda m, x: ctc(m, x, "none"), [((3, 2, 3), REAL)]),
    ("ctc_loss_mean", lambda m, x: ctc(m, x, "mean"), [((3, 2, 3), REAL)]),
]
IDS = [c[0] for c in CASES]
GRADCHECK_CASES = CASES  # see tests/test_op_coverage.py
# torch has no double backward of these (hardsigmoid's is 0, the others raise "not
# implemented"): their second derivatives are checked by gradgradcheck only
TORCH_FIRST_ORDER_ONLY = {"hardsigmoid", "multi_margin_loss_none",
                          "multi_margin_loss_p2_weight_sum", "multilabel_margin_loss",
                          "ctc_loss_none", "ctc_loss_mean"}

TIGHT = dict(rtol=1e-9, atol=1e-11)
TOLERANCE = {"hardsigmoid": dict(rtol=1e-7, atol=1e-11)}  # torch's float64 gradient: float32's 1/6


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, domain in inputs:
        if domain == SMOOTH:  # the values in a random order, each moved by at most 0.02
            count = int(np.prod(shape))
            values = rng.permutation(np.resize(_SMOOTH_VALUES, count))
            arrays.append(np.reshape(values + rng.uniform(-0.02, 0.02, count), shape))
        elif domain == POSITIVE:
            arrays.append(rng.uniform(0.1, 2.0, shape))
        else:
            arrays.append(rng.standard_normal(shape))
    return arrays


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, inputs):
    leaves = [ember.tensor(a, requires_grad=True) for a in make_arrays(inputs, seed=1)]
    assert gradcheck(lambda *xs: fn(ember, *xs), leaves)
    assert gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


def _value_and_derivatives(m, fn, arrays: list[np.ndarray], second: bool):
    """fn's value, the gradients of sum(fn * u) and, if `second`, the gradients of
    sum(first gradients * v), for fixed random u and v; NumPy arrays, zeros for None."""
    leaves = [m.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(m, *leaves)
    rng = np.random.default_rng(3)
    upstream = m.tensor(rng.standard_normal(tuple(out.shape)))
    firsts = m.autograd.grad((out * upstream).sum(), leaves, create_graph=second,
                             allow_unused=True)
    results = [out, *firsts]
    if second:
        probes = [m.tensor(rng.standard_normal(a.shape)) for a in arrays]
        total = sum((g * p).sum() for g, p in zip(firsts, probes)
                    if g is not None and g.requires_grad)
        # a piecewise linear op's first derivatives may not depend on the inputs at all
        results += (m.autograd.grad(total, leaves, allow_unused=True)
                    if not isinstance(total, int) else [None] * len(leaves))
    shapes = [tuple(out.shape)] + [a.shape for a in arrays] * 2
    return [np.zeros(shape) if g is None else g.detach().numpy(force=True)
            for shape, g in zip(shapes, results)], out.dtype


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_values_and_derivatives_match_torch(torch, name, fn, inputs):
    arrays = make_arrays(inputs, seed=2)
    second = name not in TORCH_FIRST_ORDER_ONLY
    ours, our_dtype = _value_and_derivatives(ember, fn, arrays, second)
    theirs, their_dtype = _value_and_derivatives(torch, fn, arrays, second)
    assert str(our_dtype).split(".")[-1] == str(their_dtype).split(".")[-1] == "float64"
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, **TOLERANCE.get(name, TIGHT),
                                   err_msg=f"{name}: result {k}")


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_grad_fn_names_are_torch_names(torch, name, fn, inputs):
    """The op's node carries PyTorch's name. ember reduces an element-wise loss with a Mean or
    Sum node after the loss's own node, where PyTorch's loss node reduces itself."""
    arrays = make_arrays(inputs, seed=5)
    ours, theirs = [fn(m, *[m.tensor(a, requires_grad=True) for a in arrays]).grad_fn
                    for m in (ember, torch)]
    if ours.name() in ("MeanBackward0", "SumBackward0") and ours.name() != theirs.name():
        ours = ours.parents[0]
    assert ours.name() == theirs.name()
