"""Products and distances (ember.products): einsum in all its forms, the fixed-shape products,
the add-and-multiply family, cross, cdist, cosine_similarity and pairwise_distance, against
finite differences and PyTorch (values, dtypes, first and second derivatives, errors)."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import table_tests
from parity_helpers import outcome, same_kind

import ember


def with_duplicate_rows(rng, shapes):
    """x2 repeats rows of x1: distances of exactly 0, whose gradient PyTorch takes as 0."""
    x1 = rng.standard_normal(shapes[0])
    x2 = rng.standard_normal(shapes[1])
    x2[..., 0, :] = x1[..., 1, :]
    return [x1, x2]


def with_zero_vector(rng, shapes):
    x1, x2 = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    x1[0] = 0.0
    return [x1, x2]


def nn_functional(m):
    return m.nn.functional


CASES = [
    # ---- einsum
    ("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)], "real"),
    ("einsum_list", lambda m, a, b: m.einsum("ij,jk", [a, b]), [(2, 3), (3, 4)], "real"),
    ("einsum_implicit_sorted", lambda m, a, b: m.einsum("ba,ac", a, b), [(2, 3), (3, 4)],
     "real"),
    ("einsum_batch_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [(2, 1, 2, 3), (3, 3, 2)], "real"),
    ("einsum_broadcast_size1", lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
     [(1, 2, 3), (3, 3, 2)], "real"),
    ("einsum_trace", lambda m, a: m.einsum("ii", a), [(3, 3)], "real"),
    ("einsum_diagonal", lambda m, a: m.einsum("ii->i", a), [(3, 3)], "real"),
    ("einsum_diagonal_batch", lambda m, a, b: m.einsum("bii,bj->bij", a, b),
     [(2, 3, 3), (2, 3)], "real"),
    ("einsum_sum_out", lambda m, a: m.einsum("ijk->j", a), [(2, 3, 2)], "real"),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [(3,), (2,)], "real"),
    ("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
     [(2, 3), (3, 2), (2, 2)], "real"),
    ("einsum_bilinear", lambda m, x, w, y: m.einsum("bn,anm,bm->ba", x, w, y),
     [(2, 3), (2, 3, 2), (2, 2)], "real"),
    ("einsum_sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]),
     [(2, 3), (3, 2)], "real"),
    ("einsum_sublist_ellipsis", lambda m, a, b: m.einsum(a, [..., 0], b, [..., 0]),
     [(2, 3), (2, 3)], "real"),
    ("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [(2, 3)], "real"),
    # ---- fixed-shape products
    ("mm", lambda m, a, b: m.mm(a, b), [(2, 3), (3, 4)], "real"),
    ("bmm_method", lambda m, a, b: a.bmm(b), [(2, 2, 3), (2, 3, 2)], "real"),
    ("mv", lambda m, a, v: m.mv(a, v), [(2, 3), (3,)], "real"),
    ("dot", lambda m, a, b: m.dot(a, b) + a.vdot(b), [(3,), (3,)], "real"),
    ("outer", lambda m, a, b: m.outer(a, b) + a.ger(b), [(3,), (2,)], "real"),
    ("inner", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)], "real"),
    ("inner_scalar", lambda m, a, b: a.inner(b.sum()), [(2, 3), (2,)], "real"),
    ("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (2, 2)], "real"),
    ("kron_ranks", lambda m, a, b: a.kron(b), [(3,), (2, 2)], "real"),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 2), (3, 2, 2)], "real"),
    ("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([0, 2], [1, 0])),
     [(2, 3, 2), (2, 2, 3)], "real"),
    ("tensordot_zero", lambda m, a, b: m.tensordot(a, b, dims=0), [(2,), (3,)], "real"),
    # ---- beta * input + alpha * product
    ("addmm", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), [(4,), (2, 3), (3, 4)],
     "real"),
    ("addmm_beta0", lambda m, c, a, b: c.addmm(a, b, beta=0), [(2, 4), (2, 3), (3, 4)], "real"),
    ("addmv", lambda m, c, a, v: m.addmv(c, a, v, alpha=-1), [(2,), (2, 3), (3,)], "real"),
    ("addr", lambda m, c, a, b: m.addr(c, a, b, beta=2) + c.addr(a, b, alpha=0.5),
     [(2, 1), (2,), (3,)], "real"),
    ("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=2), [(2, 1, 2), (2, 2, 3),
                                                                (2, 3, 2)], "real"),
    ("addbmm", lambda m, c, a, b: c.addbmm(a, b, alpha=0.5), [(2, 2), (3, 2, 3), (3, 3, 2)],
     "real"),
    # ---- cross products and distances
    ("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (1, 3)], "real"),
    ("cross_dim", lambda m, a, b: m.cross(a, b, dim=0) + a.cross(b, dim=0), [(3, 2), (3, 2)],
     "real"),
    ("cdist", lambda m, a, b: m.cdist(a, b), [(3, 2), (4, 2)], "real"),
    ("cdist_batch", lambda m, a, b: m.cdist(a, b, p=1.0), [(2, 3, 2), (1, 4, 2)], "real"),
    ("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3), [(3, 2), (2, 2)], "real"),
    ("cdist_p_half", lambda m, a, b: m.cdist(a, b, p=0.5), [(3, 2), (2, 2)], "real"),
    ("cdist_inf", lambda m, a, b: m.cdist(a, b, p=float("inf")), [(3, 2), (2, 2)], "real"),
    ("cdist_mm", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     [(3, 2), (2, 2)], "real"),
    ("cdist_many_rows", lambda m, a, b: m.cdist(a, b), [(27, 2), (2, 2)], "real"),
    ("cosine_similarity", lambda m, a, b: m.cosine_similarity(a, b), [(2, 3), (2, 3)], "real"),
    ("cosine_similarity_bcast", lambda m, a, b: nn_functional(m).cosine_similarity(a, b, dim=-1),
     [(2, 3), (3,)], "real"),
    ("pairwise_distance", lambda m, a, b: m.pairwise_distance(a, b), [(2, 3), (3,)], "real"),
    ("pairwise_distance_p1", lambda m, a, b: nn_functional(m).pairwise_distance(
        a, b, p=1, keepdim=True), [(2, 3), (2, 3)], "real"),
]
# At a kink (a distance of 0, a zero vector): first derivatives only, against PyTorch.
KINKS = [
    ("cosine_similarity_zero", lambda m, a, b: m.cosine_similarity(a, b, dim=1),
     [(2, 3), (2, 3)], with_zero_vector),
    ("cdist_zero_distance", lambda m, a, b: m.cdist(a, b), [(3, 2), (2, 2)], with_duplicate_rows),
    ("cdist_mm_zero_distance", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     [(3, 2), (2, 2)], with_duplicate_rows),
    ("cdist_p1_zero_distance", lambda m, a, b: m.cdist(a, b, p=1), [(3, 2), (2, 2)],
     with_duplicate_rows),
]

GRADCHECK_CASES = CASES  # see tests/test_op_coverage.py
# PyTorch's cdist kernel (p != 2, or few rows) has no second derivative; ember's has, and
# gradgradcheck checks it.
NO_TORCH_DOUBLE_BACKWARD = {"cdist", "cdist_batch", "cdist_p3", "cdist_p_half", "cdist_inf"}
test_gradcheck, test_gradgradcheck, test_double_backward_parity, test_parity = table_tests(
    CASES, parity_only=KINKS, no_torch_double_backward=NO_TORCH_DOUBLE_BACKWARD)


def test_cdist_gradient_is_zero_where_a_distance_is_zero():
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        x1 = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x2 = ember.tensor([[1.0, 2.0]], requires_grad=True)
        ember.cdist(x1, x2, compute_mode=mode).sum().backward()
        assert x1.grad[0].tolist() == [0.0, 0.0] and np.isfinite(x2.grad.numpy()).all()


VALUES = [
    ("dot_ints", lambda m: m.dot(m.tensor([1, 2]), m.tensor([3, 4]))),
    ("mm_ints", lambda m: m.mm(m.tensor([[1, 2]]), m.tensor([[3], [4]]))),
    ("einsum_ints", lambda m: m.einsum("i,i->", m.tensor([1, 2]), m.tensor([3, 4]))),
    ("kron_ints", lambda m: m.kron(m.tensor([1, 2]), m.tensor([[1], [10]]))),
    ("outer_bool", lambda m: m.outer(m.tensor([True, False]), m.tensor([True, True]))),
    ("tensordot_dims_tensor", lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2),
                                                    dims=m.tensor([[1], [0]]))),
    ("addmm_beta0_nan", lambda m: m.addmm(m.full((1, 1), float("nan")), m.ones(1, 2),
                                          m.ones(2, 1), beta=0)),
    ("cross_default_dim", lambda m: m.cross(m.eye(3), m.arange(9.0).reshape(3, 3))),
    ("cdist_empty", lambda m: m.cdist(m.ones(0, 2), m.ones(3, 2))),
    ("pairwise_distance_1d", lambda m: m.pairwise_distance(m.ones(3), m.zeros(3))),
]


@pytest.mark.parametrize("name, fn", VALUES, ids=[c[0] for c in VALUES])
def test_values_and_dtypes(torch, name, fn):
    ours, theirs = fn(ember), fn(torch)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_cross_without_dim_warns_as_pytorch():
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        ember.cross(ember.ones(3, 2), ember.ones(3, 2))


ERRORS = [
    ("mm_vector", lambda m: m.mm(m.ones(2, 3), m.ones(3))),
    ("mm_dtypes", lambda m: m.mm(m.ones(2, 3), m.ones(3, 2, dtype=m.float64))),
    ("mm_shapes", lambda m: m.mm(m.ones(2, 3), m.ones(4, 4))),
    ("bmm_2d", lambda m: m.bmm(m.ones(2, 3), m.ones(3, 4))),
    ("bmm_batch", lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 4))),
    ("mv_shapes", lambda m: m.mv(m.ones(2, 3), m.ones(4))),
    ("mv_matrix", lambda m: m.mv(m.ones(2, 3), m.ones(3, 4))),
    ("dot_2d", lambda m: m.dot(m.ones(2, 3), m.ones(2, 3))),
    ("dot_sizes", lambda m: m.dot(m.ones(3), m.ones(4))),
    ("dot_dtypes", lambda m: m.dot(m.ones(3), m.ones(3, dtype=m.float64))),
    ("outer_2d", lambda m: m.outer(m.ones(2, 3), m.ones(3))),
    ("inner_sizes", lambda m: m.inner(m.ones(2, 3), m.ones(3, 4))),
    ("tensordot_sizes", lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 4), dims=([1], [1]))),
    ("einsum_too_few", lambda m: m.einsum("ij,jk->ik", m.ones(2, 3))),
    ("einsum_sizes", lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(2, 3))),
    ("einsum_dtypes", lambda m: m.einsum("ij,jk->ik", m.tensor([[1, 2]]), m.ones(2, 1))),
    ("einsum_rank", lambda m: m.einsum("ij->i", m.ones(2, 3, 4))),
    ("addmm_shapes", lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 4))),
    ("cross_length", lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2))),
    ("cdist_columns", lambda m: m.cdist(m.ones(2, 3), m.ones(4, 2))),
    ("cdist_negative_p", lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=-1)),
    ("cdist_ints", lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(4, 3, dtype=m.int64))),
    ("cdist_1d", lambda m: m.cdist(m.ones(3), m.ones(3))),
    ("out_grad", lambda m: m.mm(m.ones(2, 2, requires_grad=True), m.ones(2, 2),
                                out=m.empty(2, 2))),
]


@pytest.mark.parametrize("name, fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(torch, name, fn):
    theirs = outcome(lambda: fn(torch))
    assert theirs[0] != "ok", "the case must fail in PyTorch"
    same_kind(outcome(lambda: fn(ember)), theirs, name)


def test_error_messages_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
                                           r"4x4\)"):
        ember.mm(ember.ones(2, 3), ember.ones(4, 4))
    with pytest.raises(RuntimeError, match="subscript j has size 2 for operand 1"):
        ember.einsum("ij,jk->ik", ember.ones(2, 3), ember.ones(2, 3))
    with pytest.raises(RuntimeError, match="X1: 3 X2: 2"):
        ember.cdist(ember.ones(2, 3), ember.ones(4, 2))


def test_matmul_out_and_products_out():
    a = ember.ones(2, 3)
    out = ember.empty(2, 2)
    assert ember.matmul(a, a.T, out=out) is out and out.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    target = ember.zeros(2)
    ember.mv(a, ember.ones(3), out=target)
    assert target.tolist() == [3.0, 3.0]
    ember.einsum("ij->i", a).sum()  # no out= in einsum, as in PyTorch


def test_inplace_add_and_multiply_match_torch(torch):
    rng = np.random.default_rng(0)
    c, a, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    results = []
    for m in (ember, torch):
        ct, at = m.tensor(c), m.tensor(a, requires_grad=True)
        out = ct.addmm_(at, m.tensor(b), beta=0.5, alpha=2)
        out.sum().backward()
        results.append((out.detach().numpy(), at.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
