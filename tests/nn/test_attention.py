"""F.scaled_dot_product_attention and nn.MultiheadAttention against torch: values, gradients
of every input (and of float masks), state dicts; gradcheck and gradgradcheck of the primitive."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
Q, K, V = (2, 4, 3, 5), (2, 4, 6, 5), (2, 4, 6, 7)


def fully_masked_row():
    mask = RNG.random((3, 6)) > 0.4
    mask[1] = False  # a query that may attend to nothing: zeros, as torch
    return mask


# (id, query/key/value shapes, float mask shape or None, keyword arguments)
SDPA_CASES = [
    ("plain", (Q, K, V), None, {}),
    ("causal-scale", (Q, K, V), None, dict(is_causal=True, scale=0.3)),
    ("float-mask", (Q, K, V), (3, 6), {}),
    ("broadcast-mask", (Q, K, V), (2, 1, 3, 6), {}),
    ("gqa", (Q, (2, 2, 6, 5), (2, 1, 6, 7)), None, dict(enable_gqa=True)),
    ("gqa-causal", ((1, 6, 4, 3), (1, 3, 4, 3), (1, 3, 4, 2)), None,
     dict(enable_gqa=True, is_causal=True)),
    ("broadcast-heads", (Q, (2, 1, 6, 5), (2, 1, 6, 7)), None, {}),
    ("3d", ((4, 3, 5), (4, 6, 5), (4, 6, 7)), (3, 6), {}),
    ("2d", ((3, 5), (6, 5), (6, 7)), None, dict(is_causal=True)),
]


@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_sdpa_matches_torch(parity, case, dtype):
    _, shapes, mask_shape, kwargs = case
    arrays = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    if mask_shape is not None:
        arrays.append(RNG.standard_normal(mask_shape).astype(dtype))

    def run(m):
        return lambda *xs: m.nn.functional.scaled_dot_product_attention(*xs, **kwargs)

    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else {}
    parity.check(run(ember), run(parity.torch), *arrays, **tol)


def test_sdpa_boolean_mask_and_fully_masked_rows_match_torch(parity):
    torch = parity.torch
    mask = fully_masked_row()

    def run(m):
        return lambda *xs: m.nn.functional.scaled_dot_product_attention(
            *xs, attn_mask=m.tensor(mask))

    out = parity.check(run(ember), run(torch), *[RNG.standard_normal(s) for s in (Q, K, V)],
                       rtol=1e-10, atol=1e-12)
    assert not out.detach().numpy()[:, :, 1].any()


def test_sdpa_is_one_node_and_stable_for_large_scores():
    q = ember.tensor(RNG.standard_normal(Q).astype(np.float32) * 1e4, requires_grad=True)
    out = F.scaled_dot_product_attention(q, ember.randn(*K), ember.randn(*V))
    assert type(out.grad_fn).__name__ == "ScaledDotProductAttention"
    out.sum().backward()
    assert np.isfinite(out.detach().numpy()).all() and np.isfinite(q.grad.numpy()).all()


def test_sdpa_dropout():
    q, k, v = (ember.randn(*s) for s in (Q, K, V))
    assert not F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()
    # dropout_p=0.5 keeps about half of the weights, scaled by 2: the mean over many draws
    # of softmax-weights-times-values is the undropped output
    out = F.scaled_dot_product_attention(ember.zeros(1, 1, 3, 4), ember.zeros(1, 1, 4000, 4),
                                         ember.ones(1, 1, 4000, 2), dropout_p=0.5)
    assert abs(out.numpy().mean() - 1.0) < 0.05 and 0 < out.numpy().std() < 0.1
    x = ember.randn(*V, requires_grad=True)
    F.scaled_dot_product_attention(q, k, x, dropout_p=0.5).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_sdpa_errors_match_torch(torch):
    def qkv(m, v_shape=V, dtype=None):
        return [m.zeros(*s, dtype=dtype) for s in (Q, K, v_shape)]

    cases = [
        (lambda m: m.nn.functional.scaled_dot_product_attention(
            *qkv(m), attn_mask=m.zeros(3, 6, dtype=m.bool), is_causal=True),
         "Explicit attn_mask should not be set when is_causal=True"),
        (lambda m: m.nn.functional.scaled_dot_product_attention(
            *qkv(m), attn_mask=m.zeros(3, 6, dtype=m.long)),
         "Expected attn_mask dtype to be bool or float or to match query dtype"),
        (lambda m: m.nn.functional.scaled_dot_product_attention(
            *qkv(m)[:2], m.zeros(*V, dtype=m.float64)),
         "Expected query, key, and value to have the same dtype"),
        (lambda m: m.nn.functional.scaled_dot_product_attention(*qkv(m), dropout_p=1.5),
         "dropout probability has to be between 0 and 1, but got 1.5"),
    ]
    for build, message in cases:
        for m in (ember, torch):
            with pytest.raises(RuntimeError, match=re.escape(message)):
                build(m)
    with pytest.raises(RuntimeError, match="must divide the number of heads in query"):
        F.scaled_dot_product_attention(ember.zeros(1, 6, 2, 3), ember.zeros(1, 4, 2, 3),
                                       ember.zeros(1, 4, 2, 3), enable_gqa=True)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        F.scaled_dot_product_attention(*qkv(ember), attn_mask=ember.zeros(4, 4))


PRIMITIVE_CASES = [
    ("mask", ((2, 3, 2), (2, 4, 2), (2, 4, 3), (3, 4)), {}),
    ("causal", ((1, 2, 4, 2), (1, 2, 4, 2), (1, 2, 4, 2)), dict(is_causal=True, scale=0.7)),
    ("gqa", ((1, 4, 2, 2), (1, 2, 3, 2), (1, 2, 3, 2)), dict(enable_gqa=True)),
]


@pytest.mark.parametrize("case", PRIMITIVE_CASES, ids=[c[0] for c in PRIMITIVE_CASES])
def test_sdpa_gradcheck_and_gradgradcheck(case):
    _, shapes, kwargs = case
    rng = np.random.default_rng(2)
    inputs = [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]

    def fn(*xs):
        return F.scaled_dot_product_attention(*xs, **kwargs)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_sdpa_gradgradcheck_with_dropout_and_masked_rows():
    rng = np.random.default_rng(3)
    inputs = [ember.tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((3, 2), (4, 2), (4, 2))]
    mask = ember.tensor(np.array([[True, False, True, True], [False] * 4, [True] * 4]))
    state = ember.get_rng_state()

    def fn(*xs):
        ember.set_rng_state(state)  # the same dropout mask on every evaluation
        return F.scaled_dot_product_attention(*xs, attn_mask=mask, dropout_p=0.3)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ---- MultiheadAttention ----------------------------------------------------------------------
MHA_CONFIGS = [dict(), dict(add_bias_kv=True, add_zero_attn=True, dropout=0.5),
               dict(kdim=3, vdim=2, batch_first=True), dict(bias=False)]


def mha_pair(torch, dtype=np.float32, **config):
    ours, theirs = nn.MultiheadAttention(8, 2, **config), torch.nn.MultiheadAttention(8, 2,
                                                                                      **config)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("config", MHA_CONFIGS, ids=lambda c: ",".join(c) or "default")
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_multihead_attention_matches_torch(parity, config, need_weights, dtype):
    torch = parity.torch
    ours, theirs = mha_pair(torch, dtype, **config)
    ours.eval(), theirs.eval()  # dropout off; torch's fast path is not taken (grad needed)
    length, source, batch = 3, 4, 2
    shapes = [(length, batch, 8), (source, batch, config.get("kdim", 8)),
              (source, batch, config.get("vdim", 8))]
    if config.get("batch_first"):
        shapes = [(s[1], s[0], s[2]) for s in shapes]
    arrays = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    padding = np.array([[False] * 4, [False, True, False, True]])
    mask = RNG.standard_normal((length, source)).astype(dtype)

    def run(m, module):
        def call(q, k, v, mask):
            out, weights = module(q, k, v, key_padding_mask=m.tensor(padding), attn_mask=mask,
                                  need_weights=need_weights, average_attn_weights=False)
            parts = [out.reshape(-1)] + ([] if weights is None else [weights.reshape(-1)])
            return m.cat(parts)
        return call

    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else {}
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        parity.check(run(ember, ours), run(torch, theirs), *arrays, mask,
                     ember_params=list(ours.parameters()),
                     torch_params=list(theirs.parameters()), **tol)


@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_causal_and_unbatched_match_torch(parity, batch_first):
    torch = parity.torch
    ours, theirs = mha_pair(torch, batch_first=batch_first)
    x = RNG.standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32)

    def run(m, module):
        def call(x):
            mask = m.nn.Transformer.generate_square_subsequent_mask(5)
            causal = module(x, x, x, attn_mask=mask, is_causal=True, need_weights=False)[0]
            weights = module(x, x, x)[1]
            unbatched = module(x[0], x[0], x[0], key_padding_mask=m.tensor(
                [False, False, True, False, False] if batch_first else [False, True]))[0]
            return m.cat([causal.reshape(-1), weights.reshape(-1), unbatched.reshape(-1)])
        return call

    parity.check(run(ember, ours), run(torch, theirs), x, ember_params=list(ours.parameters()),
                 torch_params=list(theirs.parameters()))


@pytest.mark.parametrize("config", MHA_CONFIGS, ids=lambda c: ",".join(c) or "default")
def test_multihead_attention_state_dict_repr_and_init_match_torch(torch, config):
    ours, theirs = nn.MultiheadAttention(8, 2, **config), torch.nn.MultiheadAttention(8, 2,
                                                                                      **config)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    if ours.in_proj_bias is not None:
        assert not ours.in_proj_bias.detach().numpy().any()
        assert not ours.out_proj.bias.detach().numpy().any()
    if ours.in_proj_weight is not None:  # xavier uniform: bound sqrt(6 / (8 + 24))
        assert np.abs(ours.in_proj_weight.detach().numpy()).max() <= np.sqrt(6 / 32)


def test_multihead_attention_errors_match_torch(torch):
    cases = [
        (lambda m: m.nn.MultiheadAttention(8, 3), AssertionError,
         "embed_dim must be divisible by num_heads"),
        (lambda m: m.nn.MultiheadAttention(8, 2)(m.zeros(3, 2, 8), m.zeros(4, 2, 8),
                                                 m.zeros(4, 2, 8), attn_mask=m.zeros(3, 3)),
         RuntimeError, "The shape of the 2D attn_mask is"),
        (lambda m: m.nn.MultiheadAttention(8, 2)(m.zeros(3, 8), m.zeros(4, 2, 8),
                                                 m.zeros(4, 2, 8)),
         AssertionError, "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"),
        (lambda m: m.nn.MultiheadAttention(8, 2)(m.zeros(3, 2, 8), m.zeros(3, 2, 8),
                                                 m.zeros(3, 2, 8), is_causal=True),
         RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    ]
    for build, error, message in cases:
        for m in (ember, torch):
            with pytest.raises(error, match=re.escape(message)):
                build(m)
