"""Every differentiable op of the core, from one table: gradcheck in float64, and parity with
PyTorch (forward values, output dtype, and the gradient of every input) in float32 and float64.
The checks and the form of a case are in op_checks.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import smooth, table_tests

import ember

MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
IDX = np.array([0, 2, 0, 1, 2])  # repeated indices: their gradients must accumulate


def pad(m, x, widths, value=0.0):
    return (m.nn.functional.pad if m.__name__ == "torch" else m.pad)(x, widths, value=value)


def setitem(t, index, value):
    t[index] = value
    return t


def copy_into(t, src):
    t[1:].copy_(src)
    return t


def fill_into(t, value):
    t.t()[0].fill_(value)
    return t


B = [(3, 4), (3, 4)]  # two same-shape operands
CASES = [
    # ---- arithmetic: tensor-tensor (same shape and broadcast), tensor-scalar, reflected
    ("add", lambda m, a, b: a + b, B, "real"),
    ("add_bcast", lambda m, a, b: a + b, [(2, 3, 4), (3, 1)], "real"),
    ("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5), B, "real"),
    ("sub", lambda m, a, b: a - b, B, "real"),
    ("sub_bcast", lambda m, a, b: a - b, [(4,), (2, 3, 1)], "real"),
    ("mul", lambda m, a, b: a * b, B, "real"),
    ("mul_bcast", lambda m, a, b: a * b, [(2, 1, 4), (3, 1)], "real"),
    ("div", lambda m, a, b: a / b, B, "positive"),
    ("div_bcast", lambda m, a, b: a / b, [(3, 4), (4,)], "positive"),
    ("pow", lambda m, a, b: a**b, B, "positive"),
    ("pow_bcast", lambda m, a, b: m.pow(a, b), [(3, 4), (1, 4)], "positive"),
    ("add_scalar", lambda m, a: a + 2.5, [(3, 4)], "real"),
    ("radd_scalar", lambda m, a: 2.5 + a, [(3, 4)], "real"),
    ("sub_int", lambda m, a: a - 3, [(3, 4)], "real"),
    ("rsub_scalar", lambda m, a: 1.5 - a, [(3, 4)], "real"),
    ("mul_int", lambda m, a: a * 3, [(3, 4)], "real"),
    ("rmul_scalar", lambda m, a: -0.5 * a, [(3, 4)], "real"),
    ("div_scalar", lambda m, a: a / 4.0, [(3, 4)], "real"),
    ("rdiv_scalar", lambda m, a: 3.0 / a, [(3, 4)], "positive"),
    ("pow_int", lambda m, a: a**3, [(3, 4)], "real"),
    ("pow_half", lambda m, a: a**0.5, [(3, 4)], "positive"),
    ("rpow_scalar", lambda m, a: 2.0**a, [(3, 4)], "real"),
    ("div_self", lambda m, a: a / a, [(3, 4)], "positive"),
    ("mul_self", lambda m, a: a * a * a, [(3, 4)], "real"),
    # ---- unary
    ("neg", lambda m, a: -a, [(3, 4)], "real"),
    ("neg_fn", lambda m, a: m.neg(a), [(3, 4)], "real"),
    ("abs", lambda m, a: m.abs(a), [(3, 4)], "real"),
    ("exp", lambda m, a: m.exp(a), [(3, 4)], "real"),
    ("log", lambda m, a: m.log(a), [(3, 4)], "positive"),
    ("sqrt", lambda m, a: m.sqrt(a), [(3, 4)], "positive"),
    ("log1p", lambda m, a: m.log1p(a), [(3, 4)], "positive"),
    ("sign", lambda m, a: m.sign(a) * a, [(3, 4)], "ties"),
    ("round", lambda m, a: (a * 3).round() + a, [(3, 4)], "ties"),
    ("floor_ceil", lambda m, a: m.floor(a) * a.ceil(), [(3, 4)], "ties"),
    ("rsqrt", lambda m, a: a.rsqrt(), [(3, 4)], "positive"),
    ("masked_fill", lambda m, a: a.masked_fill(a > 0.5, -1.0), [(3, 4)], "real"),
    ("norm", lambda m, a: a.norm(), [(3, 4)], "real"),
    ("norm_dim_p1", lambda m, a: m.norm(a, p=1, dim=1), [(3, 4)], "real"),
    ("norm_p3_keep", lambda m, a: a.norm(p=3, dim=0, keepdim=True), [(3, 4)], "real"),
    ("sin", lambda m, a: m.sin(a), [(3, 4)], "real"),
    ("cos", lambda m, a: m.cos(a), [(3, 4)], "real"),
    ("tanh", lambda m, a: m.tanh(a), [(3, 4)], "real"),
    ("sigmoid", lambda m, a: m.sigmoid(a), [(3, 4)], "real"),
    ("sigmoid_large", lambda m, a: m.sigmoid(a * 30), [(3, 4)], "real"),
    ("relu", lambda m, a: m.relu(a), [(3, 4)], "real"),
    ("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), [(3, 4)], "real"),
    ("clamp_min", lambda m, a: a.clamp(min=0.1), [(3, 4)], "real"),
    ("clamp_max", lambda m, a: a.clamp(max=-0.1), [(3, 4)], "real"),
    ("clamp_tensor", lambda m, a, lo, hi: m.clamp(a, lo, hi + 1), [(3, 4), (4,), (3, 1)], "real"),
    ("maximum", lambda m, a, b: m.maximum(a, b), [(3, 4), (4,)], "real"),
    ("minimum", lambda m, a, b: m.minimum(a, b), [(2, 1), (3, 1, 4)], "real"),
    ("where", lambda m, a, b: m.where(m.tensor(MASK), a, b), [(3, 4), (3, 4)], "real"),
    ("where_bcast", lambda m, a, b: m.where(m.tensor(MASK), a, b), [(4,), (3, 1)], "real"),
    ("where_scalar", lambda m, a: m.where(m.tensor(MASK), a, 0.5), [(3, 4)], "real"),
    # ---- matmul: 1-D, 2-D, batched, broadcast-batched
    ("matmul_1d_1d", lambda m, a, b: a @ b, [(4,), (4,)], "real"),
    ("matmul_2d_1d", lambda m, a, b: a @ b, [(3, 4), (4,)], "real"),
    ("matmul_1d_2d", lambda m, a, b: a @ b, [(3,), (3, 4)], "real"),
    ("matmul_2d_2d", lambda m, a, b: m.matmul(a, b), [(2, 3), (3, 4)], "real"),
    ("matmul_3d_3d", lambda m, a, b: a @ b, [(2, 3, 4), (2, 4, 2)], "real"),
    ("matmul_3d_2d", lambda m, a, b: a @ b, [(2, 3, 4), (4, 2)], "real"),
    ("matmul_2d_3d", lambda m, a, b: a @ b, [(3, 4), (2, 4, 2)], "real"),
    ("matmul_3d_1d", lambda m, a, b: a @ b, [(2, 3, 4), (4,)], "real"),
    ("matmul_1d_3d", lambda m, a, b: a @ b, [(3,), (2, 3, 4)], "real"),
    ("matmul_bcast_batch", lambda m, a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)], "real"),
    ("mm", lambda m, a, b: a.mm(b), [(2, 3), (3, 4)], "real"),
    ("bmm", lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 2)], "real"),
    # ---- reductions
    ("sum", lambda m, a: a.sum(), [(3, 4)], "real"),
    ("sum_dim", lambda m, a: m.sum(a, 1), [(2, 3, 4)], "real"),
    ("sum_negdim_keep", lambda m, a: a.sum(-2, keepdim=True), [(2, 3, 4)], "real"),
    ("sum_dims", lambda m, a: a.sum((0, 2)), [(2, 3, 4)], "real"),
    ("sum_no_dims", lambda m, a: a.sum(dim=()), [(2, 3)], "real"),  # () means every dim
    ("mean", lambda m, a: a.mean(), [(3, 4)], "real"),
    ("mean_dim", lambda m, a: m.mean(a, 0), [(2, 3, 4)], "real"),
    ("mean_dims_keep", lambda m, a: a.mean((1, 2), keepdim=True), [(2, 3, 4)], "real"),
    ("mean_no_dims", lambda m, a: m.mean(a, []), [(2, 3)], "real"),
    ("max", lambda m, a: a.max(), [(3, 4)], "real"),
    ("max_dim", lambda m, a: m.max(a, 1), [(2, 3, 4)], "real"),
    ("max_dim_keep", lambda m, a: a.max(dim=-1, keepdim=True), [(2, 3, 4)], "real"),
    ("min", lambda m, a: m.min(a), [(3, 4)], "real"),
    ("min_dim", lambda m, a: a.min(0), [(3, 4)], "real"),
    ("min_dim_keep", lambda m, a: m.min(a, 1, keepdim=True), [(2, 3, 4)], "real"),
    ("max_binary", lambda m, a, b: m.max(a, b), [(3, 4), (4,)], "real"),
    ("amax", lambda m, a: m.amax(a, (0, 2)), [(2, 3, 4)], "real"),
    ("amin_keep", lambda m, a: a.amin(1, keepdim=True), [(2, 3, 4)], "real"),
    ("var", lambda m, a: a.var(), [(3, 4)], "real"),
    ("var_dim", lambda m, a: m.var(a, 1), [(2, 3, 4)], "real"),
    ("var_biased_keep", lambda m, a: a.var(0, unbiased=False, keepdim=True), [(3, 4)], "real"),
    ("var_correction", lambda m, a: a.var((0, 1), correction=2), [(3, 4, 2)], "real"),
    ("std", lambda m, a: a.std(), [(3, 4)], "real"),
    ("std_dim_keep", lambda m, a: m.std(a, -1, keepdim=True), [(2, 3, 4)], "real"),
    ("logsumexp", lambda m, a: m.logsumexp(a, 1), [(2, 3, 4)], "real"),
    ("logsumexp_keep", lambda m, a: a.logsumexp((0, 2), keepdim=True), [(2, 3, 4)], "real"),
    ("logsumexp_large", lambda m, a: m.logsumexp(a * 100, -1), [(3, 4)], "real"),
    ("softmax", lambda m, a: m.softmax(a, -1), [(3, 4)], "real"),
    ("softmax_dim0", lambda m, a: a.softmax(0), [(2, 3, 4)], "real"),
    ("softmax_large", lambda m, a: m.softmax(a * 100, 1), [(3, 4)], "real"),
    ("log_softmax", lambda m, a: m.log_softmax(a, -1), [(3, 4)], "real"),
    ("log_softmax_dim1", lambda m, a: a.log_softmax(1), [(2, 3, 4)], "real"),
    # ---- shapes
    ("reshape", lambda m, a: a.reshape(4, 3), [(3, 4)], "real"),
    ("reshape_infer", lambda m, a: m.reshape(a, (2, -1)), [(2, 3, 4)], "real"),
    ("view", lambda m, a: a.view(-1), [(3, 4)], "real"),
    ("flatten", lambda m, a: a.flatten(), [(2, 3, 4)], "real"),
    ("flatten_range", lambda m, a: m.flatten(a, 1, 2), [(2, 3, 4, 2)], "real"),
    ("squeeze", lambda m, a: a.squeeze(), [(1, 3, 1, 4)], "real"),
    ("squeeze_dim", lambda m, a: m.squeeze(a, 2), [(1, 3, 1, 4)], "real"),
    ("unsqueeze", lambda m, a: a.unsqueeze(1), [(3, 4)], "real"),
    ("unsqueeze_neg", lambda m, a: m.unsqueeze(a, -1), [(3, 4)], "real"),
    ("transpose", lambda m, a: a.transpose(0, 2), [(2, 3, 4)], "real"),
    ("t", lambda m, a: a.t(), [(3, 4)], "real"),
    ("T", lambda m, a: a.T, [(3, 4)], "real"),
    ("permute", lambda m, a: a.permute(2, 0, 1), [(2, 3, 4)], "real"),
    ("permute_fn", lambda m, a: m.permute(a, (1, -1, 0)), [(2, 3, 4)], "real"),
    ("expand", lambda m, a: a.expand(2, 3, 4), [(3, 1)], "real"),
    ("expand_keep", lambda m, a: a.expand(-1, 4), [(3, 1)], "real"),
    ("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3, 4)), [(4,)], "real"),
    ("cat", lambda m, a, b, c: m.cat([a, b, c]), [(2, 4), (1, 4), (3, 4)], "real"),
    ("cat_dim1", lambda m, a, b: m.cat((a, b), dim=1), [(3, 2), (3, 4)], "real"),
    ("cat_negdim", lambda m, a, b: m.cat([a, b], -1), [(2, 3, 1), (2, 3, 2)], "real"),
    ("stack", lambda m, a, b: m.stack([a, b]), B, "real"),
    ("stack_dim2", lambda m, a, b: m.stack([a, b], dim=2), B, "real"),
    ("split", lambda m, a: a.split(2), [(5, 3)], "real"),
    ("split_sizes", lambda m, a: m.split(a, [1, 3], dim=1), [(3, 4)], "real"),
    ("chunk", lambda m, a: a.chunk(3, 1), [(2, 7)], "real"),
    ("unbind", lambda m, a: a.unbind(1), [(2, 3)], "real"),
    ("narrow", lambda m, a: a.narrow(1, 1, 2), [(3, 4)], "real"),
    ("flip", lambda m, a: a.flip((0, 1)), [(3, 4)], "real"),
    ("pad", lambda m, a: pad(m, a, (1, 2)), [(3, 4)], "real"),
    ("pad_2d", lambda m, a: pad(m, a, (0, 1, 2, 1), value=1.5), [(2, 3, 4)], "real"),
    # ---- indexing
    ("index_int", lambda m, a: a[1], [(3, 4)], "real"),
    ("index_negint", lambda m, a: a[-1, 2], [(3, 4)], "real"),
    ("index_slice", lambda m, a: a[1:, ::2], [(3, 4)], "real"),
    ("index_none_ellipsis", lambda m, a: a[None, ..., 1], [(2, 3, 4)], "real"),
    ("index_int_tensor", lambda m, a: a[m.tensor(IDX)], [(3, 4)], "real"),
    # rows scattered back as flat indices: negative and repeated rows, a 2-D index, 3-D rows
    ("index_int_tensor_negative", lambda m, a: a[m.tensor([[0, -1], [2, -1]])], [(3, 2, 2)],
     "real"),
    ("index_int_array_dim1", lambda m, a: a[:, m.tensor(IDX)], [(2, 3)], "real"),
    ("index_int_list", lambda m, a: a[[0, 0, 2]], [(3, 4)], "real"),
    ("index_two_arrays", lambda m, a: a[m.tensor(IDX), m.tensor(IDX % 2)], [(3, 4)], "real"),
    ("index_bool_mask", lambda m, a: a[m.tensor(MASK)], [(3, 4)], "real"),
    ("index_bool_rows", lambda m, a: a[m.tensor(MASK[:, 0])], [(3, 4)], "real"),
    # ---- views and in-place writes (their own primitives: Copy, Fill, IndexPut, Diagonal)
    ("diagonal", lambda m, a: a.diagonal(1), [(3, 4)], "real"),
    ("diagonal_3d", lambda m, a: m.diagonal(a, 0, 0, 2), [(3, 2, 3)], "real"),
    ("setitem_view", lambda m, a, b: setitem(a * 1, (slice(None), 1), b.exp()), [(3, 4), (3,)],
     "real"),
    ("setitem_index", lambda m, a, b: setitem(a * 2, [2, 0], b), [(3, 4), (4,)], "real"),
    ("copy_into_view", lambda m, a, b: copy_into(a * 2, b), [(3, 4), (2, 4)], "real"),
    ("fill_view", lambda m, a, b: fill_into(a * 1, b.sum()), [(3, 4), (2,)], "real"),
    ("inplace_chain", lambda m, a, b: (a * 1).mul_(b).sin_().add_(b.exp()), B, "real"),
    # ---- ties and kinks (inputs are small integers): parity only, finite differences can't tell
    ("max_ties", lambda m, a: a.max(), [(3, 4)], "ties"),
    ("max_dim_ties", lambda m, a: a.max(1), [(3, 4)], "ties"),
    ("min_dim_ties", lambda m, a: m.min(a, 0, keepdim=True), [(3, 4)], "ties"),
    ("amax_ties", lambda m, a: m.amax(a, 1), [(3, 4)], "ties"),
    ("maximum_ties", lambda m, a, b: m.maximum(a, b), B, "ties"),
    ("minimum_ties", lambda m, a, b: m.minimum(a, b), B, "ties"),
    ("relu_abs_at_0", lambda m, a: m.relu(a) + m.abs(a), [(3, 4)], "ties"),
    ("clamp_at_bounds", lambda m, a: a.clamp(-1, 0), [(3, 4)], "ties"),
    ("pow_0_at_0", lambda m, a: a**0 + a**2, [(3, 4)], "ties"),
    ("std_zero_var", lambda m, a: (a * 0 + 1).std(1) + a.std(), [(3, 4)], "ties"),
    # ---- casts, the linear layer's fused op, embedding lookups, integer-style division
    ("clone", lambda m, a: a.clone() * a, [(3, 4)], "real"),
    ("double", lambda m, a: (a * 2).float().double(), [(3, 4)], "ties"),  # float32: parity only
    ("linear", lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(2, 3), (4, 3), (4,)],
     "real"),
    ("linear_3d_no_bias", lambda m, x, w: m.nn.functional.linear(x, w), [(2, 2, 3), (4, 3)],
     "real"),
    ("embedding", lambda m, w: m.nn.functional.embedding(m.tensor([[0, 2], [2, 2]]), w),
     [(3, 4)], "real"),
    ("remainder", lambda m, a, b: m.remainder(a, b), B, "positive"),
    ("fmod", lambda m, a, b: m.fmod(a * 3, b), B, "positive"),
    ("div_floor", lambda m, a, b: m.div(a * 3, b, rounding_mode="floor") * a, B, "positive"),
    # ---- composites: several ops in one graph, a tensor used twice
    ("mlp", lambda m, x, w, b: m.tanh(x @ w + b).sum(1).mean(), [(4, 3), (3, 5), (5,)], "real"),
    ("reuse", lambda m, a: (a * a.exp() - a.sum(0)).abs().max(), [(3, 4)], "real"),
]


GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


# ---- non-differentiable ops: same values and dtype as PyTorch, and no graph ---------------
SPECIAL = np.array([[1.0, np.nan, -np.inf], [0.0, np.inf, -2.0]])
NONDIFF = [
    ("eq", lambda m, a, b: a == b),
    ("ne", lambda m, a, b: m.ne(a, b)),
    ("lt", lambda m, a, b: a < b),
    ("le", lambda m, a, b: a.le(b)),
    ("gt", lambda m, a, b: m.gt(a, b)),
    ("ge", lambda m, a, b: a >= b),
    ("gt_scalar", lambda m, a, b: a > 0),
    ("eq_int_scalar", lambda m, a, b: 1 == a),
    ("argmax", lambda m, a, b: a.argmax()),
    ("argmax_dim", lambda m, a, b: m.argmax(a, 1)),
    ("argmin_dim_keep", lambda m, a, b: a.argmin(dim=-1, keepdim=True)),
    ("argmin", lambda m, a, b: m.argmin(b)),
    ("where_scalars", lambda m, a, b: m.where(a > 0, 1.0, 0)),
    ("all", lambda m, a, b: (a > -2).all()),
    ("any_dim", lambda m, a, b: (a > 1).any(1)),
    ("all_dim_keep", lambda m, a, b: m.all(a != 0, dim=0, keepdim=True)),
    ("argsort", lambda m, a, b: a.argsort(dim=1)),
    ("argsort_desc", lambda m, a, b: m.argsort(b, dim=0, descending=True)),
    ("new_zeros", lambda m, a, b: a.new_zeros(2, 3)),
    ("new_full", lambda m, a, b: b.new_full((2,), 7.0)),
    ("isnan", lambda m, a, b: m.isnan(m.tensor(SPECIAL))),
    ("isfinite", lambda m, a, b: m.isfinite(m.tensor(SPECIAL))),
]


@pytest.mark.parametrize("name, fn", NONDIFF, ids=[c[0] for c in NONDIFF])
def test_non_differentiable_parity(torch, name, fn):
    rng = np.random.default_rng(4)
    # small integers as floats: ties and equal elements are common, as they are in real use
    arrays = [rng.integers(-2, 3, (3, 4)).astype(np.float32), rng.integers(-2, 3, (4,)) * 1.0]
    ours = fn(ember, *[ember.tensor(a, requires_grad=True) for a in arrays])
    theirs = fn(torch, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not ours.requires_grad and ours.grad_fn is None
