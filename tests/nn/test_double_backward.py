"""Second derivatives of the layer primitives (activations, convolution, pooling, normalization,
losses, recurrent layers, attention): gradgradcheck in float64 for each op and its options, and
parity with PyTorch for the gradient of a function of the gradient (create_graph=True).

A case is (id, fn, inputs). `fn(m, *tensors)` is written once against the module `m` (ember or
torch); `inputs` lists (shape, domain) of the differentiable inputs. Targets, class weights and
other constants are NumPy arrays the case turns into tensors of `m`.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import autograd
from ember.autograd import gradgradcheck
from ember.nn.functional.conv import pad_by_mode
from ember.ops.norm import BatchNormTraining

# padding='same' with an even kernel: torch warns that it pads a copy of the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

_rng = np.random.default_rng(7)
CLASS_WEIGHT = _rng.uniform(0.5, 2.0, 4)
POS_WEIGHT = _rng.uniform(0.5, 2.0, 4)
ELEMENT_WEIGHT = _rng.uniform(0.5, 2.0, (5, 4))
TARGET = np.array([0, 3, 1, -100, 2])  # one row ignored by the default ignore_index
TARGET_VALID = np.array([0, 3, 1, 3, 2])
TARGET_3D = _rng.integers(0, 4, (2, 3, 2))
RUNNING_MEAN, RUNNING_VAR = _rng.standard_normal(3), _rng.uniform(0.5, 2.0, 3)


def F(m):
    return m.nn.functional


def const(m, array: np.ndarray):
    return m.tensor(array.copy())


def reflect_pad(m, x, pads):
    """Reflection padding of the last two dims, (left, right, top, bottom) as in F.pad."""
    if m.__name__ == "torch":
        return F(m).pad(x, pads, mode="reflect")
    left, right, top, bottom = pads
    return pad_by_mode(x, (top, bottom, left, right), "reflect", "pad")


def batch_norm_train(m, x, w, b):
    running_mean, running_var = const(m, RUNNING_MEAN), const(m, RUNNING_VAR)
    return F(m).batch_norm(x, running_mean, running_var, w, b, training=True, momentum=0.3)


class _OneRank:
    """BatchNormTraining's `sync` for a process group of one: the code path of SyncBatchNorm,
    without MPI (tests/distributed checks several ranks against one process)."""

    def gather(self, local: np.ndarray) -> np.ndarray:
        return local[None].copy()

    def sum(self, local: np.ndarray) -> np.ndarray:
        return local


def sync_batch_norm_one_rank(m, x, w, b):
    """SyncBatchNorm's path (SyncSum in a recorded backward) in one process: torch's is plain
    batch norm."""
    if m.__name__ == "torch":
        return F(m).batch_norm(x, None, None, w, b, training=True)
    return BatchNormTraining.apply(x, w, b, eps=1e-5, momentum=0.1, sync=_OneRank())


def recurrent(m, name: str, x, states, weights, **options):
    """torch.lstm / gru / rnn_tanh / rnn_relu (one layer, biases; bidirectional when there are
    two directions' weights) as one flat tensor: output, then the final states. A packed x
    (rows, features) goes with options["batch_sizes"]."""
    directions = len(weights) // 4
    sizes = options.get("batch_sizes")
    common = (list(weights), True, 1, 0.0, False, directions == 2)
    if sizes is None:
        result = getattr(m, name)(x, states, *common, False)
    else:
        result = getattr(m, name)(x, m.tensor(sizes), states, *common)
    return m.cat([t.reshape(-1) for t in result])


def attention(m, q, k, v, mask=None, **options):
    """F.scaled_dot_product_attention; in torch through its math backend, the one whose
    gradient is differentiable (the CPU flash kernel's backward is not)."""
    if m.__name__ == "torch":
        with m.nn.attention.sdpa_kernel(m.nn.attention.SDPBackend.MATH):
            return F(m).scaled_dot_product_attention(q, k, v, mask, **options)
    return F(m).scaled_dot_product_attention(q, k, v, mask, **options)


R, UNIT, PROB = "real", "unit", "prob"
IMAGE = ((2, 3, 5, 5), R)
CASES = [
    # ---- activations
    ("gelu", lambda m, x: F(m).gelu(x), [((3, 5), R)]),
    ("gelu_tanh", lambda m, x: F(m).gelu(x, approximate="tanh"), [((3, 5), R)]),
    ("leaky_relu", lambda m, x: F(m).leaky_relu(x, 0.2), [((3, 5), R)]),
    ("silu", lambda m, x: F(m).silu(x), [((3, 5), R)]),
    # ---- convolution (Separable2d: reflection padding, uneven adaptive pooling)
    ("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [IMAGE, ((4, 3, 3, 3), R), ((4,), R)]),
    ("conv2d_stride_padding", lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1),
     [IMAGE, ((2, 3, 3, 2), R), ((2,), R)]),
    ("conv2d_dilation_groups",
     lambda m, x, w: F(m).conv2d(x, w, None, padding=(2, 1), dilation=(2, 1), groups=2),
     [((2, 4, 5, 4), R), ((6, 2, 2, 3), R)]),
    ("conv2d_same", lambda m, x, w: F(m).conv2d(x, w, padding="same"),
     [((1, 2, 4, 5), R), ((3, 2, 2, 3), R)]),
    ("conv2d_unbatched", lambda m, x, w: F(m).conv2d(x, w), [((2, 4, 4), R), ((3, 2, 2, 2), R)]),
    ("reflect_pad_conv2d", lambda m, x, w: F(m).conv2d(reflect_pad(m, x, (2, 1, 1, 2)), w),
     [((1, 2, 4, 4), R), ((2, 2, 3, 3), R)]),
    # ---- pooling
    ("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [((2, 3, 4, 6), R)]),
    ("max_pool2d_overlapping_padded",
     lambda m, x: F(m).max_pool2d(x, 3, stride=2, padding=1), [IMAGE]),
    ("max_pool2d_dilation_ceil",
     lambda m, x: F(m).max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=True), [IMAGE]),
    ("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [((2, 3, 4, 6), R)]),
    ("avg_pool2d_padded_ceil_exclude_pad",
     lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False), [IMAGE]),
    ("adaptive_avg_pool2d_even", lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 3)),
     [((2, 2, 4, 6), R)]),
    ("adaptive_avg_pool2d_uneven", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 4)),
     [((2, 2, 5, 6), R)]),
    # ---- normalization
    ("batch_norm_train", batch_norm_train, [((4, 3, 2, 2), R), ((3,), R), ((3,), R)]),
    ("sync_batch_norm_one_rank", sync_batch_norm_one_rank,
     [((4, 3, 2), R), ((3,), R), ((3,), R)]),
    ("batch_norm_train_2d_weight_only",
     lambda m, x, w: F(m).batch_norm(x, None, None, w, None, training=True),
     [((5, 3), R), ((3,), R)]),
    ("batch_norm_train_no_affine",
     lambda m, x: F(m).batch_norm(x, None, None, training=True), [((3, 3, 4), R)]),
    ("batch_norm_eval",
     lambda m, x, w, b: F(m).batch_norm(x, const(m, RUNNING_MEAN), const(m, RUNNING_VAR), w, b,
                                        training=False),
     [((4, 3, 2, 2), R), ((3,), R), ((3,), R)]),
    ("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (3, 4), w, b),
     [((2, 3, 4), R), ((3, 4), R), ((3, 4), R)]),
    ("layer_norm_no_affine", lambda m, x: F(m).layer_norm(x, (4,)), [((3, 4), R)]),
    # ---- losses on class indices
    ("cross_entropy", lambda m, x: F(m).cross_entropy(x, const(m, TARGET)), [((5, 4), R)]),
    ("cross_entropy_weight_sum",
     lambda m, x: F(m).cross_entropy(x, const(m, TARGET), const(m, CLASS_WEIGHT),
                                     reduction="sum"), [((5, 4), R)]),
    ("cross_entropy_smoothing_none",
     lambda m, x: F(m).cross_entropy(x, const(m, TARGET), reduction="none",
                                     label_smoothing=0.2), [((5, 4), R)]),
    ("cross_entropy_weight_smoothing_ignore_index",
     lambda m, x: F(m).cross_entropy(x, const(m, TARGET_VALID), const(m, CLASS_WEIGHT),
                                     ignore_index=3, label_smoothing=0.3), [((5, 4), R)]),
    ("cross_entropy_spatial_smoothing",
     lambda m, x: F(m).cross_entropy(x, const(m, TARGET_3D), label_smoothing=0.1),
     [((2, 4, 3, 2), R)]),
    ("cross_entropy_one_sample",
     lambda m, x: F(m).cross_entropy(x, const(m, np.array(2))), [((4,), R)]),
    ("cross_entropy_probabilities", lambda m, x, p: F(m).cross_entropy(x, p),
     [((5, 4), R), ((5, 4), UNIT)]),
    ("cross_entropy_probabilities_weight_smoothing_none",
     lambda m, x, p: F(m).cross_entropy(x, p, const(m, CLASS_WEIGHT), reduction="none",
                                        label_smoothing=0.2), [((5, 4), R), ((5, 4), UNIT)]),
    ("nll_loss", lambda m, x: F(m).nll_loss(x, const(m, TARGET)), [((5, 4), R)]),
    ("nll_loss_weight_none",
     lambda m, x: F(m).nll_loss(x, const(m, TARGET), const(m, CLASS_WEIGHT), reduction="none"),
     [((5, 4), R)]),
    ("nll_loss_sum_ignore_index",
     lambda m, x: F(m).nll_loss(x, const(m, TARGET_3D), ignore_index=0, reduction="sum"),
     [((2, 4, 3, 2), R)]),
    # ---- element-wise losses (the target gets gradients too)
    ("mse_loss", lambda m, x, y: F(m).mse_loss(x, y), [((5, 4), R), ((5, 4), R)]),
    ("mse_loss_sum", lambda m, x, y: F(m).mse_loss(x, y, reduction="sum"),
     [((5, 4), R), ((5, 4), R)]),
    ("mse_loss_weight_none",
     lambda m, x, y: F(m).mse_loss(x, y, reduction="none", weight=const(m, ELEMENT_WEIGHT)),
     [((5, 4), R), ((5, 4), R)]),
    ("l1_loss", lambda m, x, y: F(m).l1_loss(x, y), [((5, 4), R), ((5, 4), R)]),
    ("l1_loss_weight_none",
     lambda m, x, y: F(m).l1_loss(x, y, reduction="none", weight=const(m, ELEMENT_WEIGHT)),
     [((5, 4), R), ((5, 4), R)]),
    ("binary_cross_entropy", lambda m, x, y: F(m).binary_cross_entropy(x, y),
     [((5, 4), PROB), ((5, 4), UNIT)]),
    ("binary_cross_entropy_weight_none",
     lambda m, x, y: F(m).binary_cross_entropy(x, y, const(m, CLASS_WEIGHT), reduction="none"),
     [((5, 4), PROB), ((5, 4), UNIT)]),
    ("binary_cross_entropy_with_logits",
     lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y), [((5, 4), R), ((5, 4), UNIT)]),
    ("binary_cross_entropy_with_logits_pos_weight_sum",
     lambda m, x, y: F(m).binary_cross_entropy_with_logits(
         x, y, const(m, ELEMENT_WEIGHT), reduction="sum", pos_weight=const(m, POS_WEIGHT)),
     [((5, 4), R), ((5, 4), UNIT)]),
    ("binary_cross_entropy_with_logits_pos_weight_none",
     lambda m, x, y: F(m).binary_cross_entropy_with_logits(
         x, y, reduction="none", pos_weight=const(m, POS_WEIGHT)), [((5, 4), R), ((5, 4), UNIT)]),
]
# ---- recurrent layers (T=3, B=2, input 2, hidden 2) and attention
LSTM_WEIGHTS = [((8, 2), R), ((8, 2), R), ((8,), R), ((8,), R)]
CASES += [
    ("lstm", lambda m, x, h, c, *w: recurrent(m, "lstm", x, (h, c), w),
     [((3, 2, 2), R), ((1, 2, 2), R), ((1, 2, 2), R), *LSTM_WEIGHTS]),
    ("lstm_projection",  # proj_size 1: weight_hh (8, 1), weight_hr (1, 2)
     lambda m, x, h, c, *w: recurrent(m, "lstm", x, (h, c), w),
     [((2, 2, 2), R), ((1, 2, 1), R), ((1, 2, 2), R), ((8, 2), R), ((8, 1), R), ((8,), R),
      ((8,), R), ((1, 2), R)]),
    ("gru_packed_bidirectional",  # lengths 3, 2, 1; input and hidden size 1
     lambda m, x, h, *w: recurrent(m, "gru", x, h, w, batch_sizes=[3, 2, 1]),
     [((6, 1), R), ((2, 3, 1), R)] + [((3, 1), R), ((3, 1), R), ((3,), R), ((3,), R)] * 2),
    ("rnn_tanh", lambda m, x, h, *w: recurrent(m, "rnn_tanh", x, h, w),
     [((3, 2, 2), R), ((1, 2, 2), R), ((2, 2), R), ((2, 2), R), ((2,), R), ((2,), R)]),
    ("rnn_relu_packed", lambda m, x, h, *w: recurrent(m, "rnn_relu", x, h, w, batch_sizes=[2, 1]),
     [((3, 2), R), ((1, 2, 2), R), ((2, 2), R), ((2, 2), R), ((2,), R), ((2,), R)]),
    ("lstm_cell", lambda m, x, h, c, *w: m.cat(m.lstm_cell(x, (h, c), *w), 1),
     [((2, 2), R), ((2, 2), R), ((2, 2), R), *LSTM_WEIGHTS]),
    ("sdpa_float_mask", lambda m, q, k, v, mask: attention(m, q, k, v, mask),
     [((2, 3, 2), R), ((2, 4, 2), R), ((2, 4, 3), R), ((3, 4), R)]),
    ("sdpa_causal_scale", lambda m, q, k, v: attention(m, q, k, v, is_causal=True, scale=0.7),
     [((1, 2, 4, 2), R), ((1, 2, 4, 2), R), ((1, 2, 4, 2), R)]),
    ("sdpa_gqa", lambda m, q, k, v: attention(m, q, k, v, enable_gqa=True),
     [((1, 4, 2, 2), R), ((1, 2, 3, 2), R), ((1, 2, 3, 2), R)]),
]
IDS = [c[0] for c in CASES]
GRADCHECK_CASES = CASES  # see tests/test_op_coverage.py


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, domain in inputs:
        if domain == PROB:  # probabilities away from 0 and 1, where BCE's logs are clamped
            arrays.append(rng.uniform(0.1, 0.9, shape))
        elif domain == UNIT:
            arrays.append(rng.uniform(0.0, 1.0, shape))
        else:
            arrays.append(rng.standard_normal(shape))
    return arrays


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_gradgradcheck(name, fn, inputs):
    leaves = [ember.tensor(a, requires_grad=True) for a in make_arrays(inputs, seed=1)]
    assert gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


def _derivatives(m, fn, arrays: list[np.ndarray], upstream: np.ndarray, order: int):
    """Gradients of order 1 to `order`: first of sum(fn(inputs) * upstream) with respect to
    the inputs, then, each time, of sum(g * probe + g**2) over the previous gradients g, with
    respect to the inputs and to upstream. As NumPy arrays (zeros where a gradient is None)."""
    leaves = [m.tensor(a.copy(), requires_grad=True) for a in arrays]
    up = m.tensor(upstream.copy(), requires_grad=True)
    objective = (fn(m, *leaves) * up).sum()
    wrt, rng, results = leaves, np.random.default_rng(3), []
    for k in range(1, order + 1):
        grads = m.autograd.grad(objective, wrt, create_graph=k < order, allow_unused=True)
        # force: torch answers some higher derivatives with a ZeroTensor
        results.append([np.zeros(t.shape) if g is None else g.detach().numpy(force=True)
                        for t, g in zip(wrt, grads)])
        probes = [rng.standard_normal(tuple(t.shape)) for t in wrt]
        objective = sum((g * m.tensor(p) + g * g).sum()
                        for g, p in zip(grads, probes) if g is not None)
        wrt = [*leaves, up]
    return results


def _assert_derivatives_match_torch(torch, name, fn, inputs, order: int, torch_fn=None):
    """ember's derivatives of fn against torch's (of torch_fn when given)."""
    torch_fn = fn if torch_fn is None else torch_fn
    arrays = make_arrays(inputs, seed=2)
    out_shape = tuple(fn(torch, *[torch.tensor(a) for a in arrays]).shape)
    upstream = np.asarray(np.random.default_rng(4).standard_normal(out_shape))
    ours = _derivatives(ember, fn, arrays, upstream, order)
    theirs = _derivatives(torch, torch_fn, arrays, upstream, order)
    for k, (mine, ref) in enumerate(zip(ours, theirs), start=1):
        for i, (a, b) in enumerate(zip(mine, ref)):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9,
                                       err_msg=f"{name}: order {k}, input {i}")


@pytest.mark.parametrize("name, fn, inputs", CASES, ids=IDS)
def test_second_derivatives_match_torch(torch, name, fn, inputs):
    _assert_derivatives_match_torch(torch, name, fn, inputs, order=2)


THIRD_ORDER = ["gelu", "silu", "lstm", "gru_packed_bidirectional", "sdpa_causal_scale",
               "conv2d_stride_padding", "max_pool2d_overlapping_padded",
               "avg_pool2d_padded_ceil_exclude_pad", "adaptive_avg_pool2d_uneven",
               "cross_entropy_weight_smoothing_ignore_index",
               "binary_cross_entropy_with_logits_pos_weight_sum"]


@pytest.mark.parametrize("name, fn, inputs", [c for c in CASES if c[0] in THIRD_ORDER],
                         ids=[c[0] for c in CASES if c[0] in THIRD_ORDER])
def test_third_derivatives_match_torch(torch, name, fn, inputs):
    """The backward-of-backward ops recorded in turn (ArgmaxGather, Im2col, WindowSpread...)."""
    _assert_derivatives_match_torch(torch, name, fn, inputs, order=3)


def _normalize(x, axes, w, b, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * w + b from primitives (in torch: the reference)."""
    mean = x.mean(axes, keepdim=True)
    var = ((x - mean) ** 2).mean(axes, keepdim=True)
    return (x - mean) / (var + eps).sqrt() * w + b


@pytest.mark.parametrize("name, torch_fn", [
    ("batch_norm_train", lambda m, x, w, b: _normalize(x, (0, 2, 3), w.reshape(1, 3, 1, 1),
                                                        b.reshape(1, 3, 1, 1))),
    ("layer_norm", lambda m, x, w, b: _normalize(x, (1, 2), w, b)),
])
def test_third_derivatives_of_norms_match_torch_primitives(torch, name, torch_fn):
    """PyTorch's fused batch_norm and layer_norm treat mean and 1/std as constants from the
    third derivative on (pytorch/pytorch#175754, #186256); ember recomputes them from x, so it
    matches the same normalization written with torch's primitives."""
    _, fn, inputs = next(c for c in CASES if c[0] == name)
    _assert_derivatives_match_torch(torch, name, fn, inputs, order=3, torch_fn=torch_fn)


@pytest.mark.parametrize("affine", [True, False])
def test_gradgradcheck_batch_norm_sync_path(affine):
    rng = np.random.default_rng(4)
    x = ember.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    params = [ember.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(2)]
    params = params if affine else []
    assert gradgradcheck(
        lambda *xs: BatchNormTraining.apply(*xs, eps=1e-5, momentum=0.1, sync=_OneRank()),
        [x, *params])


def test_hessian_of_a_small_cnn_loss_matches_torch(torch):
    """The layers composed: the Hessian-vector product of a conv / batch norm / GELU / max pool
    / cross entropy loss with respect to the first convolution's weight."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 6, 6))
    target = np.array([1, 0, 2])
    w1, w2 = rng.standard_normal((4, 2, 3, 3)) * 0.5, rng.standard_normal((3, 16))
    direction = rng.standard_normal(w1.shape)

    def hvp(m):
        weight = m.tensor(w1.copy(), requires_grad=True)
        h = F(m).conv2d(m.tensor(x), weight, padding=1)
        h = F(m).gelu(F(m).batch_norm(h, None, None, training=True))
        h = F(m).max_pool2d(h, 3).reshape(3, -1)
        loss = F(m).cross_entropy(h @ m.tensor(w2).T, m.tensor(target), label_smoothing=0.1)
        g, = m.autograd.grad(loss, weight, create_graph=True)
        hv, = m.autograd.grad((g * m.tensor(direction)).sum(), weight)
        return g.detach().numpy(), hv.numpy()

    for ours, theirs in zip(hvp(ember), hvp(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)
    assert np.abs(hvp(ember)[1]).max() > 1e-3  # a Hessian that is not trivially zero


def test_cross_entropy_ordinary_backward_ignores_later_changes_to_the_logits():
    """The first-order path reads cached values: changing the logits in place after
    cross_entropy does not disturb an ordinary backward, as in PyTorch."""
    logits = ember.randn(4, 3, requires_grad=True)
    h = logits * 1
    loss = ember.nn.functional.cross_entropy(h, ember.tensor([0, 2, 1, 1]))
    expected, = autograd.grad(loss, logits, retain_graph=True)
    with ember.no_grad():
        h.add_(1)
    got, = autograd.grad(loss, logits)
    np.testing.assert_allclose(got.numpy(), expected.numpy())


NAMED = ["gelu", "leaky_relu", "silu", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm_train",
         "layer_norm", "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy",
         "binary_cross_entropy_with_logits"]


@pytest.mark.parametrize("name, fn, inputs", [c for c in CASES if c[0] in NAMED],
                         ids=[c[0] for c in CASES if c[0] in NAMED])
def test_grad_fn_names_are_torch_names(torch, name, fn, inputs):
    """The layer ops' nodes, and the nodes their recorded backward makes, carry PyTorch's
    names (the first input's gradient, where PyTorch's is one op)."""
    arrays = make_arrays(inputs, seed=5)
    nodes = []
    for m in (ember, torch):
        leaves = [m.tensor(a, requires_grad=True) for a in arrays]
        out = fn(m, *leaves)
        upstream = m.ones(tuple(out.shape), dtype=m.float64, requires_grad=True)
        first, = m.autograd.grad((out * upstream).sum(), leaves[0], create_graph=True)
        nodes.append((out.grad_fn, first.grad_fn))
    (ours, ours_backward), (theirs, theirs_backward) = nodes
    assert ours.name() == theirs.name()
    if name in ("max_pool2d", "avg_pool2d"):
        assert ours_backward.name() == theirs_backward.name()
