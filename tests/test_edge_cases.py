"""The edge cases of the torch.* surface: indexing with an empty list and with 0-d tensors,
negative-step slices, reductions and softmax along dim 0 or -1 of a 0-d tensor; and what ember
leaves out (sparse tensors, complex dtypes), which says so with one NotImplementedError."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import assert_same, check_parity
from parity_helpers import outcome, same_kind

import ember

SCALAR_CASES = [  # (id, fn of a 0-d float tensor): all differentiable
    ("sum_dim0", lambda m, s: m.sum(s, 0)),
    ("sum_dim-1_keep", lambda m, s: s.sum(-1, keepdim=True)),
    ("mean_dim0", lambda m, s: s.mean(0)),
    ("var_dim0_biased", lambda m, s: m.var(s, 0, unbiased=False)),
    ("std_dim-1_biased", lambda m, s: s.std(-1, unbiased=False)),
    ("norm_dim0", lambda m, s: s.norm(dim=0)),
    ("max_dim0", lambda m, s: m.max(s, 0)),
    ("min_dim-1_keep", lambda m, s: s.min(-1, keepdim=True)),
    ("amax_dim0", lambda m, s: m.amax(s, 0)),
    ("logsumexp_dim0", lambda m, s: m.logsumexp(s, 0)),
    ("softmax_dim0", lambda m, s: m.softmax(s, 0)),
    ("softmax_dim-1", lambda m, s: s.softmax(-1)),
    ("log_softmax_dim0", lambda m, s: m.log_softmax(s, 0)),
    ("functional_softmax", lambda m, s: m.nn.functional.softmax(s, dim=-1)),
    ("cumsum_dim0", lambda m, s: m.cumsum(s, 0)),
    ("cumprod_dim-1", lambda m, s: s.cumprod(-1)),
    ("logcumsumexp_dim0", lambda m, s: m.logcumsumexp(s, 0)),
    ("sort_dim0", lambda m, s: m.sort(s, 0)),
    ("topk_dim-1", lambda m, s: s.topk(1, -1)),
    ("kthvalue_dim0", lambda m, s: m.kthvalue(s, 1, 0)),
    ("median_dim0", lambda m, s: s.median(0)),
    ("mode_dim-1", lambda m, s: m.mode(s, -1)),
    ("cummax_dim0", lambda m, s: m.cummax(s, 0)),
    ("gather_dim0", lambda m, s: m.gather(s, 0, m.tensor(0))),
    ("flip_dim0", lambda m, s: m.flip(s, (0,))),
    ("transpose_0_-1", lambda m, s: s.transpose(0, -1)),
    ("index_select_dim0", lambda m, s: m.index_select(s, 0, m.tensor([0]))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_0d_tensor_along_dim_0_or_minus_1(torch, name, fn, dtype):
    check_parity(torch, lambda m, a: fn(m, a.sum()), [(2,)], "real", dtype)


SCALAR_NONDIFF = [
    ("argmax_dim0", lambda m, s: m.argmax(s, 0)),
    ("argmin_dim-1_keep", lambda m, s: s.argmin(-1, keepdim=True)),
    ("all_dim0", lambda m, s: m.all(s > 0, 0)),
    ("any_dim-1", lambda m, s: (s > 0).any(-1)),
    ("argsort_dim0", lambda m, s: m.argsort(s, 0)),
]


@pytest.mark.parametrize("name, fn", SCALAR_NONDIFF, ids=[c[0] for c in SCALAR_NONDIFF])
def test_0d_tensor_along_dim_without_gradient(torch, name, fn):
    assert_same(fn(ember, ember.tensor(1.5)), fn(torch, torch.tensor(1.5)), name)


@pytest.mark.parametrize("fn", [
    lambda m, s: m.sum(s, 1), lambda m, s: s.mean(-2), lambda m, s: m.softmax(s, 1),
    lambda m, s: s.max(1), lambda m, s: m.cumsum(s, 1), lambda m, s: m.sort(s, 1),
])
def test_0d_tensor_other_dims_raise_index_error(torch, fn):
    ours, theirs = outcome(lambda: fn(ember, ember.tensor(1.0))), outcome(
        lambda: fn(torch, torch.tensor(1.0)))
    same_kind(ours, theirs)
    assert ours[0] is IndexError


INDEXING = [
    ("empty_list", lambda m, a: a[[]]),
    ("empty_list_dim1", lambda m, a: a[:, []]),
    ("0d_int_tensor", lambda m, a: a[m.tensor(1)]),
    ("0d_int_tensor_and_slice", lambda m, a: a[m.tensor(2), 1:]),
    ("0d_int_tensors", lambda m, a: a[m.tensor(1), m.tensor(-1)]),
    ("0d_bool_tensor", lambda m, a: a[m.tensor(True)]),
    ("0d_bool_false", lambda m, a: a[m.tensor(False)]),
]


@pytest.mark.parametrize("name, fn", INDEXING, ids=[c[0] for c in INDEXING])
def test_indexing_edge_cases(torch, name, fn):
    data = np.arange(12.0).reshape(3, 4)
    assert_same(fn(ember, ember.tensor(data)), fn(torch, torch.tensor(data)), name)
    check_parity(torch, fn, [(3, 4)], "real", "float64")


def test_0d_integer_index_is_a_view_as_in_pytorch():
    a = ember.arange(6.0).reshape(3, 2)
    row = a[ember.tensor(1)]
    row += 10
    assert a.tolist() == [[0, 1], [12, 13], [4, 5]]


@pytest.mark.parametrize("index", [slice(None, None, -1), slice(3, 0, -2), slice(None, None, 0)])
def test_negative_and_zero_steps_raise_value_error(torch, index):
    ours = outcome(lambda: ember.arange(6)[index])
    same_kind(ours, outcome(lambda: torch.arange(6)[index]))
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ember.arange(6)[index]


UNSUPPORTED = [
    ("sparse_coo_tensor", lambda: ember.sparse_coo_tensor([[0]], [1.0], (2,)), "sparse"),
    ("sparse_csr_tensor", lambda: ember.sparse_csr_tensor([0, 1], [0], [1.0]), "sparse"),
    ("spmm", lambda: ember.spmm(ember.ones(2, 2), ember.ones(2, 2)), "sparse"),
    ("to_sparse", lambda: ember.ones(2).to_sparse(), "sparse"),
    ("to_sparse_csr", lambda: ember.ones(2, 2).to_sparse_csr(), "sparse"),
    ("torch.sparse", lambda: ember.sparse.mm, "sparse"),
    ("sparse_coo layout", lambda: ember.sparse_coo, "sparse"),
    ("view_as_complex", lambda: ember.view_as_complex(ember.ones(2, 2)), "complex"),
    ("view_as_real", lambda: ember.view_as_real(ember.ones(2)), "complex"),
    ("complex", lambda: ember.complex(ember.ones(2), ember.ones(2)), "complex"),
    ("polar", lambda: ember.polar(ember.ones(2), ember.ones(2)), "complex"),
    ("complex64", lambda: ember.complex64, "complex"),
    ("cfloat", lambda: ember.zeros(2, dtype=ember.cfloat), "complex"),
    ("complex numbers", lambda: ember.tensor([1 + 2j]), "complex"),
    ("complex array", lambda: ember.tensor(np.ones(2, np.complex64)), "complex"),
    ("complex from_numpy", lambda: ember.from_numpy(np.ones(2, np.complex128)), "complex"),
    ("complex numpy dtype", lambda: ember.zeros(2, dtype=np.complex128), "complex"),
]


@pytest.mark.parametrize("name, fn, feature", UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_sparse_and_complex_raise_not_implemented(name, fn, feature):
    with pytest.raises(NotImplementedError, match=f"{feature} .* not supported by ember"):
        fn()


def test_unsupported_attributes_look_missing_to_hasattr():
    assert not hasattr(ember, "complex64") and getattr(ember, "sparse", None) is None
    assert ember.is_complex(ember.ones(2)) is False and not ember.ones(2).is_complex()
    assert ember.ones(2).is_sparse is False
