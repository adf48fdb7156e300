"""SmoothL1, Huber, KLDiv, PoissonNLL, GaussianNLL, the margin and embedding losses and CTC
against torch: module and functional forms, every reduction, float32 and float64, values and
the gradients of every differentiable input, second derivatives, reprs and state_dicts, errors.
gradcheck and gradgradcheck of the primitives: tests/nn/test_gradcheck_activations_losses.py."""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind
from second_order import assert_second_order_matches

import ember
import ember.nn as nn
import ember.nn.functional as F

N, C, D = 4, 5, 3


def _pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _log_softmax(a, axis=-1):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# Each case: (id, module name, module kwargs, inputs(rng) -> [(array, requires_grad)], kinds)
# kinds: the dtype each float array takes in the test ("f": the tested dtype).
def _pair(rng):
    x = rng.standard_normal((N, C)) * 2
    y = rng.standard_normal((N, C)) * 2
    y[0, :3] = x[0, :3] + np.array([0.5, -1.0, 0.2])  # on and near the quadratic/linear seam
    return [(x, True), (y, True)]


def _kl(rng):
    return [(_log_softmax(rng.standard_normal((N, C))), True),
            (np.exp(_log_softmax(rng.standard_normal((N, C)))), True)]


def _kl_log(rng):
    return [(_log_softmax(rng.standard_normal((N, C))), True),
            (_log_softmax(rng.standard_normal((N, C))), True)]


def _poisson(rng):
    return [(rng.standard_normal((N, C)), True), (rng.integers(0, 5, (N, C)) * 1.0, True)]


def _poisson_rate(rng):
    return [(rng.uniform(0.2, 3.0, (N, C)), True), (rng.integers(0, 5, (N, C)) * 1.0, True)]


def _gaussian(var_shape):
    def make(rng):
        return [(rng.standard_normal((N, C)), True), (rng.standard_normal((N, C)), True),
                (rng.uniform(0.1, 2.0, var_shape), True)]
    return make


def _cosine(rng):
    return [(rng.standard_normal((N, D)), True), (rng.standard_normal((N, D)), True),
            (np.array([1, -1, 1, -1]), False)]


def _ranking(rng):
    return [(rng.standard_normal(N), True), (rng.standard_normal(N), True),
            (_pm1(rng, N), True)]


def _hinge(rng):
    return [(rng.uniform(0, 2, (N, C)), True), (_pm1(rng, (N, C)), True)]


def _soft_margin(rng):
    return [(rng.standard_normal((N, C)) * 3, True), (_pm1(rng, (N, C)), False)]


def _multilabel_soft(rng):
    return [(rng.standard_normal((N, C)) * 2, True), ((rng.random((N, C)) < 0.5) * 1.0, True)]


def _multilabel_margin(rng):
    target = np.array([[3, 0, -1, 1, 1], [1, 2, 4, 0, 3], [-1, 2, 0, 0, 0], [2, 2, -1, 0, 1]])
    return [(rng.standard_normal((N, C)), True), (target, False)]


def _multi_margin(rng):
    return [(rng.standard_normal((N, C)), True), (np.array([0, 4, 2, 2]), False)]


def _triplet(rng):
    return [(rng.standard_normal((N, D)), True) for _ in range(3)]


CASES = [
    ("smooth_l1", "SmoothL1Loss", {}, _pair), ("smooth_l1_beta", "SmoothL1Loss",
                                                {"beta": 0.4}, _pair),
    ("smooth_l1_beta0", "SmoothL1Loss", {"beta": 0.0}, _pair),
    ("huber", "HuberLoss", {}, _pair), ("huber_delta", "HuberLoss", {"delta": 0.7}, _pair),
    ("kl", "KLDivLoss", {}, _kl), ("kl_log", "KLDivLoss", {"log_target": True}, _kl_log),
    ("poisson", "PoissonNLLLoss", {}, _poisson),
    ("poisson_full", "PoissonNLLLoss", {"full": True}, _poisson),
    ("poisson_rate", "PoissonNLLLoss", {"log_input": False}, _poisson_rate),
    ("poisson_rate_full", "PoissonNLLLoss", {"log_input": False, "full": True},
     _poisson_rate),
    ("gaussian", "GaussianNLLLoss", {}, _gaussian((N, C))),
    ("gaussian_full_shared", "GaussianNLLLoss", {"full": True}, _gaussian((N,))),
    ("gaussian_size1", "GaussianNLLLoss", {"eps": 0.3}, _gaussian((N, 1))),
    ("cosine", "CosineEmbeddingLoss", {}, _cosine),
    ("cosine_margin", "CosineEmbeddingLoss", {"margin": 0.2}, _cosine),
    ("ranking", "MarginRankingLoss", {"margin": 0.3}, _ranking),
    ("hinge", "HingeEmbeddingLoss", {}, _hinge),
    ("hinge_margin", "HingeEmbeddingLoss", {"margin": 0.5}, _hinge),
    ("soft_margin", "SoftMarginLoss", {}, _soft_margin),
    ("multilabel_soft", "MultiLabelSoftMarginLoss", {}, _multilabel_soft),
    ("multilabel_soft_weight", "MultiLabelSoftMarginLoss", {"weight": "C"}, _multilabel_soft),
    ("multilabel_margin", "MultiLabelMarginLoss", {}, _multilabel_margin),
    ("multi_margin", "MultiMarginLoss", {}, _multi_margin),
    ("multi_margin_p2", "MultiMarginLoss", {"p": 2, "margin": 0.5}, _multi_margin),
    ("multi_margin_weight", "MultiMarginLoss", {"weight": "C"}, _multi_margin),
    ("triplet", "TripletMarginLoss", {}, _triplet),
    ("triplet_p1_swap", "TripletMarginLoss", {"p": 1.0, "swap": True, "margin": 2.0},
     _triplet),
    ("triplet_distance", "TripletMarginWithDistanceLoss", {}, _triplet),
    ("triplet_cosine_swap", "TripletMarginWithDistanceLoss",
     {"distance_function": "cosine", "swap": True}, _triplet),
]
IDS = [c[0] for c in CASES]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
WEIGHT = np.linspace(0.5, 2.0, C)


def _options(m, kwargs: dict, dtype) -> dict:
    """The kwargs with placeholders made real in module m (ember or torch)."""
    out = dict(kwargs)
    if out.get("weight") == "C":
        out["weight"] = m.tensor(WEIGHT.astype(dtype))
    if out.get("distance_function") == "cosine":
        out["distance_function"] = lambda x, y: 1.0 - m.nn.functional.cosine_similarity(x, y)
    return out


def _leaves(m, inputs, dtype):
    return [m.tensor(a.astype(dtype) if a.dtype.kind == "f" else a, requires_grad=g)
            for a, g in inputs]


def compare(torch, ember_fn, torch_fn, inputs, dtype, tol):
    """Outputs and the gradients of every input that requires grad (None where torch's is)."""
    ours_in, theirs_in = _leaves(ember, inputs, dtype), _leaves(torch, inputs, dtype)
    ours, theirs = ember_fn(*ours_in), torch_fn(*theirs_in)
    expected = theirs.detach().numpy()
    assert ours.shape == tuple(theirs.shape) and ours.dtype.name == expected.dtype.name
    np.testing.assert_allclose(ours.detach().numpy(), expected, **tol)
    upstream = np.random.default_rng(5).standard_normal(expected.shape).astype(expected.dtype)
    ours.backward(ember.tensor(upstream))
    theirs.backward(torch.from_numpy(upstream))
    for k, (e, t) in enumerate(zip(ours_in, theirs_in)):
        if t.requires_grad:
            if t.grad is None:
                assert e.grad is None or not e.grad.numpy().any(), k
            else:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), err_msg=str(k),
                                           **tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_module_matches_torch(torch, case, reduction, dtype):
    _, name, kwargs, make = case
    ours = getattr(nn, name)(reduction=reduction, **_options(ember, kwargs, dtype))
    theirs = getattr(torch.nn, name)(reduction=reduction, **_options(torch, kwargs, dtype))
    if "distance_function" not in kwargs:
        assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    inputs = make(np.random.default_rng(hash(case[0]) % 2**32))
    ours.train(dtype == np.float32)  # losses behave alike in both modes
    compare(torch, ours, theirs, inputs, dtype, TOL[dtype])


FUNCTIONAL = {
    "SmoothL1Loss": "smooth_l1_loss", "HuberLoss": "huber_loss", "KLDivLoss": "kl_div",
    "PoissonNLLLoss": "poisson_nll_loss", "GaussianNLLLoss": "gaussian_nll_loss",
    "CosineEmbeddingLoss": "cosine_embedding_loss", "MarginRankingLoss": "margin_ranking_loss",
    "HingeEmbeddingLoss": "hinge_embedding_loss", "SoftMarginLoss": "soft_margin_loss",
    "MultiLabelSoftMarginLoss": "multilabel_soft_margin_loss",
    "MultiLabelMarginLoss": "multilabel_margin_loss", "MultiMarginLoss": "multi_margin_loss",
    "TripletMarginLoss": "triplet_margin_loss",
    "TripletMarginWithDistanceLoss": "triplet_margin_with_distance_loss",
}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_functional_second_derivatives_match_torch(torch, case):
    _, name, kwargs, make = case
    fn = FUNCTIONAL[name]
    inputs = make(np.random.default_rng(1))
    arrays = [a for a, _ in inputs]

    def call(m):
        options = _options(m, kwargs, np.float64)
        return lambda *xs: getattr(m.nn.functional, fn)(*xs, reduction="sum", **options)

    if name in ("SoftMarginLoss",):  # torch refuses a target that requires grad
        arrays[1] = arrays[1].astype(np.int64)
    try:
        assert_second_order_matches(torch, call(ember), call(torch), *arrays)
    except (RuntimeError, NotImplementedError) as e:
        if "not implemented" not in str(e):
            raise
        pytest.skip(f"torch has no double backward here ({e}); gradgradcheck covers ours")


def test_kl_div_batchmean_and_warning(torch):
    rng = np.random.default_rng(3)
    inputs = _kl(rng)
    compare(torch, lambda x, t: F.kl_div(x, t, reduction="batchmean"),
            lambda x, t: torch.nn.functional.kl_div(x, t, reduction="batchmean"), inputs,
            np.float64, TOL[np.float64])
    compare(torch, nn.KLDivLoss(reduction="batchmean", log_target=True),
            torch.nn.KLDivLoss(reduction="batchmean", log_target=True), _kl_log(rng),
            np.float32, TOL[np.float32])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(ember.zeros(2, 3), ember.ones(2, 3))


def test_kl_div_target_zero_gives_torchs_gradients(torch):
    x = np.log(np.array([0.2, 0.3, 0.5]))
    t = np.array([0.0, 0.4, 0.6])
    compare(torch, lambda a, b: F.kl_div(a, b, reduction="sum"),
            lambda a, b: torch.nn.functional.kl_div(a, b, reduction="sum"),
            [(x, True), (t, False)], np.float64, TOL[np.float64])


def test_huber_weight_and_float_variance(torch):
    rng = np.random.default_rng(4)
    (x, _), (y, _) = _pair(rng)
    w = rng.uniform(0.1, 2, (N, C))
    for reduction in ("none", "mean", "sum"):
        compare(torch, lambda a, b, c, r=reduction: F.huber_loss(a, b, r, 0.5, weight=c),
                lambda a, b, c, r=reduction: torch.nn.functional.huber_loss(a, b, r, 0.5,
                                                                             weight=c),
                [(x, True), (y, True), (w, False)], np.float64, TOL[np.float64])
        compare(torch, lambda a, b, r=reduction: F.gaussian_nll_loss(a, b, 0.3, reduction=r),
                lambda a, b, r=reduction: torch.nn.functional.gaussian_nll_loss(
                    a, b, 0.3, reduction=r),
                [(x, True), (y, True)], np.float64, TOL[np.float64])


@pytest.mark.parametrize("fn,make", [
    ("multi_margin_loss", lambda r: [(r.standard_normal(C), True), (np.array(3), False)]),
    ("multi_margin_loss", lambda r: [(r.standard_normal(C), True), (np.array([1]), False)]),
    ("multilabel_margin_loss", lambda r: [(r.standard_normal(C), True),
                                          (np.array([4, 1, -1, 0, 0]), False)]),
    ("cosine_embedding_loss", lambda r: [(r.standard_normal(D), True),
                                         (r.standard_normal(D), True), (np.array(-1), False)]),
    ("triplet_margin_loss", lambda r: [(r.standard_normal(D), True) for _ in range(3)]),
    ("multilabel_soft_margin_loss", lambda r: [(r.standard_normal(C), True),
                                               ((r.random(C) < 0.5) * 1.0, False)]),
], ids=["multi_margin_0d", "multi_margin_1", "multilabel_margin", "cosine", "triplet",
        "multilabel_soft"])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_unbatched_inputs_match_torch(torch, fn, make, reduction):
    inputs = make(np.random.default_rng(6))
    compare(torch, lambda *xs: getattr(F, fn)(*xs, reduction=reduction),
            lambda *xs: getattr(torch.nn.functional, fn)(*xs, reduction=reduction), inputs,
            np.float64, TOL[np.float64])


# ---- CTC --------------------------------------------------------------------------------
T_STEPS = 7
CTC_TARGETS = np.array([[1, 2, 2], [3, 0, 0], [4, 4, 1], [2, 0, 0]])
CTC_INPUT_LENGTHS = np.array([7, 5, 6, 1])
CTC_TARGET_LENGTHS = np.array([3, 1, 3, 1])  # the third needs 6 steps for 4 4 1: it has 6


def _ctc_call(m, log_probs, targets, reduction="mean", blank=0, zero_infinity=False,
              concatenated=False, tuples=False):
    lengths_in, lengths_target = CTC_INPUT_LENGTHS, CTC_TARGET_LENGTHS
    if concatenated:
        targets = np.concatenate([row[:k] for row, k in zip(targets, lengths_target)])
    if tuples:
        lengths = (tuple(int(v) for v in lengths_in), tuple(int(v) for v in lengths_target))
    else:
        lengths = (m.tensor(lengths_in), m.tensor(lengths_target))
    loss = m.nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    return loss(log_probs.log_softmax(2), m.tensor(targets), *lengths)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("variant", ["padded", "concatenated", "tuples", "blank_last",
                                     "zero_infinity"])
def test_ctc_matches_torch(torch, reduction, dtype, variant):
    logits = np.random.default_rng(7).standard_normal((T_STEPS, N, C))
    targets = CTC_TARGETS.copy()
    options = dict(reduction=reduction)
    if variant == "blank_last":
        targets = np.where(targets == 4, 0, targets)
        options["blank"] = C - 1
    elif variant in ("concatenated", "tuples"):
        options[variant] = True
    elif variant == "zero_infinity":
        targets[3] = [1, 1, 0]  # 1 1 needs 3 steps; the fourth input has 1: impossible
        options["zero_infinity"] = True
    compare(torch, lambda x: _ctc_call(ember, x, targets, **options),
            lambda x: _ctc_call(torch, x, targets, **options), [(logits, True)], dtype,
            TOL[dtype])


def test_ctc_log_probs_gradient_and_unbatched_match_torch(torch):
    rng = np.random.default_rng(8)
    lp = _log_softmax(rng.standard_normal((T_STEPS, N, C)), 2)
    args = (CTC_TARGETS, CTC_INPUT_LENGTHS, CTC_TARGET_LENGTHS)

    def call(m, reduction="sum"):
        return lambda x: m.nn.functional.ctc_loss(x, *[m.tensor(a) for a in args],
                                                  reduction=reduction)

    # the gradient with respect to log_probs itself is PyTorch's exp(lp) - posterior
    compare(torch, call(ember), call(torch), [(lp, True)], np.float64, TOL[np.float64])
    one = lp[:, 0]
    for reduction in ("none", "mean"):
        compare(torch, lambda x, r=reduction: F.ctc_loss(
                    x, ember.tensor([1, 2, 2]), ember.tensor(7), ember.tensor(3), reduction=r),
                lambda x, r=reduction: torch.nn.functional.ctc_loss(
                    x, torch.tensor([1, 2, 2]), torch.tensor(7), torch.tensor(3), reduction=r),
                [(one, True)], np.float64, TOL[np.float64])


def test_ctc_impossible_and_empty_alignments_match_torch(torch):
    lp = _log_softmax(np.random.default_rng(9).standard_normal((4, 3, C)), 2)
    args = ([[1, 1], [2, 0], [0, 0]], [3, 0, 0], [2, 1, 0])  # too short, no steps, empty
    for zero_infinity in (False, True):
        def call(m, zero_infinity=zero_infinity):
            return lambda x: m.nn.functional.ctc_loss(
                x, *[m.tensor(a) for a in args], reduction="none", zero_infinity=zero_infinity)

        ours = call(ember)(ember.tensor(lp)).numpy()
        theirs = call(torch)(torch.tensor(lp)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        if zero_infinity:
            compare(torch, call(ember), call(torch), [(lp, True)], np.float64,
                    TOL[np.float64])


def test_distance_modules_match_torch(torch):
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    for ours, theirs in ((nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
                         (nn.PairwiseDistance(1.0, 1e-3, True),
                          torch.nn.PairwiseDistance(1.0, 1e-3, True)),
                         (nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
                         (nn.CosineSimilarity(0, 0.5), torch.nn.CosineSimilarity(0, 0.5))):
        assert repr(ours) == repr(theirs)
        compare(torch, ours, theirs, [(a, True), (b, True)], np.float64, TOL[np.float64])
    compare(torch, lambda x: F.normalize(x, p=3.0, dim=0), lambda x: torch.nn.functional
            .normalize(x, p=3.0, dim=0), [(a, True)], np.float64, TOL[np.float64])
    zero = np.zeros((2, D))  # cosine similarity clamps each norm at eps
    compare(torch, lambda x, y: F.cosine_similarity(x, y, dim=1),
            lambda x, y: torch.nn.functional.cosine_similarity(x, y, dim=1),
            [(zero, True), (b[:2], True)], np.float64, TOL[np.float64])


ERRORS = [
    ("smooth_l1_beta", lambda m: m.nn.functional.smooth_l1_loss(m.ones(3), m.ones(3), beta=-1.)),
    ("huber_delta", lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), delta=0.0)),
    ("smooth_l1_shapes", lambda m: m.nn.functional.smooth_l1_loss(m.ones(2, 3), m.ones(3, 3))),
    ("bad_reduction", lambda m: m.nn.functional.poisson_nll_loss(m.ones(3), m.ones(3),
                                                                  reduction="foo")),
    ("kl_reduction", lambda m: m.nn.functional.kl_div(m.ones(3), m.ones(3), reduction="foo")),
    ("kl_int", lambda m: m.nn.functional.kl_div(m.ones(3), m.tensor([1, 2, 3]))),
    ("gauss_var_shape", lambda m: m.nn.functional.gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3),
                                                                     m.ones(2, 2))),
    ("gauss_var_negative", lambda m: m.nn.functional.gaussian_nll_loss(
        m.ones(2, 3), m.ones(2, 3), -m.ones(2, 3))),
    ("gauss_reduction", lambda m: m.nn.functional.gaussian_nll_loss(
        m.ones(2, 3), m.ones(2, 3), m.ones(2, 3), reduction="foo")),
    ("cosine_target_2d", lambda m: m.nn.functional.cosine_embedding_loss(
        m.ones(2, 3), m.ones(2, 3), m.ones(1, 2))),
    ("cosine_dims", lambda m: m.nn.functional.cosine_embedding_loss(
        m.ones(3), m.ones(2, 3), m.tensor(1))),
    ("ranking_dims", lambda m: m.nn.functional.margin_ranking_loss(m.ones(2), m.ones(2),
                                                                    m.ones(2, 1))),
    ("soft_margin_target_grad", lambda m: m.nn.functional.soft_margin_loss(
        m.ones(3), m.ones(3, requires_grad=True))),
    ("multi_margin_p", lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3),
                                                                    m.tensor([0, 1]), p=3)),
    ("multi_margin_range", lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3),
                                                                        m.tensor([0, 3]))),
    ("multi_margin_target_size", lambda m: m.nn.functional.multi_margin_loss(
        m.ones(2, 3), m.tensor([0, 1, 2]))),
    ("multi_margin_target_float", lambda m: m.nn.functional.multi_margin_loss(
        m.ones(2, 3), m.tensor([0.0, 1.0]))),
    ("multi_margin_3d", lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3, 4),
                                                                     m.tensor([0, 1]))),
    ("multi_margin_weight_size", lambda m: m.nn.functional.multi_margin_loss(
        m.ones(2, 3), m.tensor([0, 1]), weight=m.ones(2))),
    ("multi_margin_weight_2d", lambda m: m.nn.functional.multi_margin_loss(
        m.ones(2, 3), m.tensor([0, 1]), weight=m.ones(1, 3))),
    ("MultiMarginLoss_p", lambda m: m.nn.MultiMarginLoss(p=3)),
    ("multilabel_range", lambda m: m.nn.functional.multilabel_margin_loss(
        m.ones(2, 3), m.tensor([[0, 3, -1], [2, -1, 0]]))),
    ("multilabel_shape", lambda m: m.nn.functional.multilabel_margin_loss(
        m.ones(2, 3), m.tensor([[0, 1], [2, -1]]))),
    ("multilabel_float", lambda m: m.nn.functional.multilabel_margin_loss(
        m.ones(2, 3), m.ones(2, 3))),
    ("triplet_dims", lambda m: m.nn.functional.triplet_margin_loss(m.ones(2, 3), m.ones(2, 3),
                                                                    m.ones(3))),
    ("triplet_distance_margin", lambda m: m.nn.functional.triplet_margin_with_distance_loss(
        m.ones(2, 3), m.ones(2, 3), m.ones(2, 3), margin=0.0)),
    ("TripletMarginLoss_margin", lambda m: m.nn.TripletMarginLoss(margin=-1.0)),
    ("ctc_blank", lambda m: m.nn.functional.ctc_loss(m.zeros(5, 2, 4), m.tensor([[1, 2]] * 2),
                                                     [5, 4], [2, 1], blank=4)),
    ("ctc_input_lengths", lambda m: m.nn.functional.ctc_loss(
        m.zeros(5, 2, 4), m.tensor([[1, 2]] * 2), [6, 4], [2, 1])),
    ("ctc_batch", lambda m: m.nn.functional.ctc_loss(m.zeros(5, 2, 4), m.tensor([[1, 2]] * 2),
                                                     [5], [2, 1])),
    ("ctc_target_width", lambda m: m.nn.functional.ctc_loss(
        m.zeros(5, 2, 4), m.tensor([[1, 2]] * 2), [5, 4], [3, 1])),
    ("ctc_concatenated_size", lambda m: m.nn.functional.ctc_loss(
        m.zeros(5, 2, 4), m.tensor([1, 2, 3, 3]), [5, 4], [2, 1])),
    ("ctc_negative_length", lambda m: m.nn.functional.ctc_loss(
        m.zeros(5, 2, 4), m.tensor([[1, 2]] * 2), [5, 4], [-1, 1])),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(torch, name, fn):
    with np.errstate(all="ignore"):
        same_kind(outcome(lambda: fn(ember)), outcome(lambda: fn(torch)), name)
