"""ember.linalg and the torch.* matrix functions: inverses, solvers, determinants, the
decompositions (cholesky, qr, svd, eigh), pinv, matrix_power and the norms, against finite
differences and PyTorch (values, dtypes, first and second derivatives, named results, errors).

Singular vectors and eigenvectors are defined up to sign, so the cases differentiate functions
that do not depend on it (U diag(f(S)) Vh, V diag(f(L)) V^T, projectors) besides the values."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import table_tests
from parity_helpers import outcome, same_kind

import ember


def well_conditioned(rng, shapes):
    """Square matrices (the first input) kept away from singular; the rest normal."""
    first = rng.standard_normal(shapes[0])
    first = first + 3 * np.eye(shapes[0][-1])
    return [first] + [rng.standard_normal(s) for s in shapes[1:]]


def spd(m, a):
    """A symmetric positive-definite matrix made from any square a."""
    return a @ a.mT + m.eye(a.shape[-1], dtype=a.dtype)


def symmetric(a):
    return a + a.mT


def svd_function(m, a, full_matrices=False):
    """U diag(exp(S)) Vh and the projector U U^T: smooth and independent of the signs."""
    u, s, vh = m.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return (u * s.exp().unsqueeze(-2)) @ vh, u @ u.mT, s


def eigh_function(m, a):
    values, vectors = m.linalg.eigh(symmetric(a))
    return (vectors * values.sin().unsqueeze(-2)) @ vectors.mT, values


def qr_function(m, a, mode="reduced"):
    q, r = m.linalg.qr(a, mode=mode)
    return q, r


S3 = [(3, 3)]
CASES = [
    # ---- inverses and solvers
    ("inv", lambda m, a: m.linalg.inv(a), S3, well_conditioned),
    ("inv_batch", lambda m, a: m.linalg.inv(a), [(2, 3, 3)], well_conditioned),
    ("inverse_method", lambda m, a: a.inverse() + m.inverse(a), S3, well_conditioned),
    ("solve", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3, 2)], well_conditioned),
    ("solve_vector", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3,)], well_conditioned),
    ("solve_batch_of_vectors", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3)],
     well_conditioned),
    ("solve_broadcast", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3, 2)],
     well_conditioned),
    ("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (2, 3)],
     well_conditioned),
    # ---- determinants
    ("det", lambda m, a: m.linalg.det(a), S3, "real"),
    ("det_batch_method", lambda m, a: a.det() + m.det(a), [(2, 3, 3)], "real"),
    ("slogdet", lambda m, a: m.linalg.slogdet(a), [(2, 3, 3)], "real"),
    ("slogdet_legacy", lambda m, a: m.slogdet(a).logabsdet + a.slogdet()[1], S3, "real"),
    ("logdet", lambda m, a: m.logdet(spd(m, a)) + spd(m, a).logdet(), S3, "real"),
    # ---- decompositions
    ("cholesky", lambda m, a: m.linalg.cholesky(spd(m, a)), S3, "real"),
    ("cholesky_upper_batch", lambda m, a: m.linalg.cholesky(spd(m, a), upper=True),
     [(2, 3, 3)], "real"),
    ("cholesky_ex", lambda m, a: m.linalg.cholesky_ex(spd(m, a)).L, S3, "real"),
    ("inv_ex", lambda m, a: m.linalg.inv_ex(a).inverse, S3, well_conditioned),
    ("qr_tall", lambda m, a: qr_function(m, a), [(4, 3)], "real"),
    ("qr_square_batch", lambda m, a: qr_function(m, a), [(2, 3, 3)], "real"),
    ("qr_wide", lambda m, a: qr_function(m, a), [(2, 4)], "real"),
    ("qr_complete_wide", lambda m, a: qr_function(m, a, "complete"), [(2, 3)], "real"),
    ("qr_legacy", lambda m, a: m.qr(a).R + a.qr()[1], [(3, 2)], "real"),
    ("svd_tall", lambda m, a: svd_function(m, a), [(4, 3)], "real"),
    ("svd_wide_batch", lambda m, a: svd_function(m, a), [(2, 2, 3)], "real"),
    ("svd_full_matrices", lambda m, a: svd_function(m, a, full_matrices=True), [(3, 2)],
     "real"),
    ("svd_legacy", lambda m, a: (m.svd(a).U * a.svd()[1]) @ m.svd(a).V.mT, [(3, 2)], "real"),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), [(2, 3)], "real"),
    ("eigh", lambda m, a: eigh_function(m, a), S3, "real"),
    ("eigh_upper_batch", lambda m, a: m.linalg.eigh(symmetric(a), UPLO="U").eigenvalues,
     [(2, 3, 3)], "real"),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(symmetric(a)), S3, "real"),
    ("pinv_tall", lambda m, a: m.linalg.pinv(a), [(3, 2)], "real"),
    ("pinv_wide_batch", lambda m, a: m.linalg.pinv(a), [(2, 2, 3)], "real"),
    ("pinverse", lambda m, a: m.pinverse(a) + a.pinverse(), S3, well_conditioned),
    ("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3) + a.matrix_power(2), S3, "real"),
    ("matrix_power_negative", lambda m, a: m.matrix_power(a, -2), S3, well_conditioned),
    ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 2), (2,)],
     "real"),
    ("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [(2, 3), (3,)], "real"),
    # ---- norms
    ("vector_norm", lambda m, a: m.linalg.vector_norm(a, 3, dim=1), [(2, 3)], "real"),
    ("vector_norm_all", lambda m, a: m.linalg.vector_norm(a, keepdim=True), [(2, 3)], "real"),
    ("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, float("inf"), dim=(0, 1)), [(2, 3)],
     "real"),
    ("matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), [(2, 2, 3)], "real"),
    ("matrix_norm_nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc"), [(2, 3)], "real"),
    ("matrix_norm_2", lambda m, a: m.linalg.matrix_norm(a, 2, keepdim=True), [(2, 3, 2)],
     "real"),
    ("matrix_norm_minus2", lambda m, a: m.linalg.matrix_norm(a, -2), [(3, 2)], "real"),
    ("matrix_norm_1", lambda m, a: m.linalg.matrix_norm(a, 1, dim=(0, 2)), [(2, 3, 2)], "real"),
    ("matrix_norm_minus1", lambda m, a: m.linalg.matrix_norm(a, -1), [(2, 3)], "real"),
    ("matrix_norm_inf", lambda m, a: m.linalg.matrix_norm(a, float("inf"), keepdim=True),
     [(2, 3)], "real"),
    ("matrix_norm_minus_inf", lambda m, a: m.linalg.matrix_norm(a, -float("inf")), [(3, 2)],
     "real"),
    ("linalg_norm", lambda m, a: m.linalg.norm(a), [(2, 3)], "real"),
    ("linalg_norm_matrix_ord", lambda m, a: m.linalg.norm(a, 1), [(2, 3)], "real"),
    ("linalg_norm_dim", lambda m, a: m.linalg.norm(a, 3, dim=-1, keepdim=True), [(2, 3)],
     "real"),
    ("norm_nuc", lambda m, a: m.norm(a, p="nuc") + a.norm(p="nuc", dim=(0, 1)), [(2, 3)],
     "real"),
]

GRADCHECK_CASES = CASES  # see tests/test_op_coverage.py
# LAPACK's float32 results differ between builds by more than a few ulps
LINALG_TOLERANCE = {"float32": dict(rtol=2e-3, atol=2e-4), "float64": dict(rtol=1e-8, atol=1e-10)}
test_gradcheck, test_gradgradcheck, test_double_backward_parity, test_parity = table_tests(
    CASES, tolerance=LINALG_TOLERANCE)


def test_decompositions_reconstruct_their_input_and_name_their_outputs():
    rng = np.random.default_rng(0)
    a = ember.tensor(rng.standard_normal((2, 4, 3)))
    u, s, vh = ember.linalg.svd(a)
    assert (u.shape, s.shape, vh.shape) == ((2, 4, 4), (2, 3), (2, 3, 3))
    result = ember.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(((result.U * result.S.unsqueeze(-2)) @ result.Vh).numpy(),
                               a.numpy(), atol=1e-12)
    q, r = ember.linalg.qr(a, mode="complete")
    assert (q.shape, r.shape) == ((2, 4, 4), (2, 4, 3))
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-12)
    sym = a.mT @ a
    values, vectors = ember.linalg.eigh(sym)
    np.testing.assert_allclose(((vectors * values.unsqueeze(-2)) @ vectors.mT).numpy(),
                               sym.numpy(), atol=1e-12)
    assert ember.linalg.qr(a, mode="r").Q.numel() == 0
    sign, logabsdet = ember.linalg.slogdet(sym)
    assert sign.tolist() == [1.0, 1.0]


def test_singular_vectors_match_torch_up_to_sign(torch):
    a = np.random.default_rng(1).standard_normal((3, 4, 3))
    ours = ember.linalg.svd(ember.tensor(a), full_matrices=False)
    theirs = torch.linalg.svd(torch.tensor(a), full_matrices=False)
    np.testing.assert_allclose(ours.S.numpy(), theirs.S.numpy(), rtol=1e-12)
    flips = np.sign(np.sum(ours.U.numpy() * theirs.U.numpy(), axis=-2, keepdims=True))
    np.testing.assert_allclose(ours.U.numpy() * flips, theirs.U.numpy(), atol=1e-12)


LINALG_ERRORS = [
    ("inv_singular", lambda m: m.linalg.inv(m.zeros(2, 2))),
    ("inv_singular_batch", lambda m: m.linalg.inv(m.stack([m.eye(2), m.zeros(2, 2)]))),
    ("solve_singular", lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2))),
    ("cholesky_not_pd", lambda m: m.linalg.cholesky(m.tensor([[4.0, 0.0], [0.0, -1.0]]))),
    ("inv_ex_check_errors", lambda m: m.linalg.inv_ex(m.zeros(2, 2), check_errors=True)),
]


@pytest.mark.parametrize("name, fn", LINALG_ERRORS, ids=[c[0] for c in LINALG_ERRORS])
def test_failures_raise_linalg_error_with_pytorchs_message(torch, name, fn):
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        fn(torch)
    with pytest.raises(ember.linalg.LinAlgError) as ours:
        fn(ember)
    assert isinstance(ours.value, RuntimeError)
    assert str(ours.value).replace("torch.", "") == str(theirs.value).replace("torch.", "")


def test_ex_variants_report_info_as_pytorch(torch):
    singular = [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]]
    not_pd = [[[1.0, 0.0], [0.0, -1.0]], [[2.0, 0.0], [0.0, 1.0]]]
    for m in (ember, torch):
        inverse, info = m.linalg.inv_ex(m.tensor(singular))
        assert info.tolist() == [2, 0] and str(info.dtype).endswith("int32")
        assert inverse[1].tolist() == [[1.0, 0.0], [0.0, 1.0]]
        low, info = m.linalg.cholesky_ex(m.tensor(not_pd))
        assert info.tolist() == [2, 0]
        np.testing.assert_allclose(low[1].numpy(), np.sqrt([[2.0, 0.0], [0.0, 1.0]]))


VALUES = [
    ("matrix_rank", lambda m: m.linalg.matrix_rank(m.tensor([[1.0, 2.0], [2.0, 4.0]]))),
    ("matrix_rank_tol", lambda m: m.linalg.matrix_rank(m.tensor([[1.0, 0.0], [0.0, 1e-3]]),
                                                       atol=0.01)),
    ("matrix_power_0", lambda m: m.linalg.matrix_power(m.ones(2, 2, 2), 0)),
    ("matrix_power_int", lambda m: m.matrix_power(m.tensor([[1, 1], [0, 1]]), 5)),
    ("det_singular", lambda m: m.linalg.det(m.ones(3, 3))),
    ("slogdet_singular", lambda m: m.linalg.slogdet(m.zeros(2, 2)).logabsdet),
    ("logdet_negative", lambda m: m.logdet(m.tensor([[-1.0, 0.0], [0.0, 1.0]]))),
    ("pinv_rank_deficient", lambda m: m.linalg.pinv(m.ones(2, 3))),
    ("pinv_rtol", lambda m: m.linalg.pinv(m.tensor([[1.0, 0.0], [0.0, 1e-3]]), rtol=0.01)),
    ("norm_p0", lambda m: m.linalg.vector_norm(m.tensor([1.0, 0.0, 2.0]), 0)),
    ("matrix_norm_nuc_rank1", lambda m: m.norm(m.ones(2, 3), p="nuc")),
]


@pytest.mark.parametrize("name, fn", VALUES, ids=[c[0] for c in VALUES])
def test_values_and_dtypes(torch, name, fn):
    ours, theirs = fn(ember), fn(torch)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "ember.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(torch):
    """The gradient of det at a matrix of rank n - 1 is its cofactor matrix, not 0. PyTorch
    computes it so when recording the backward pass (its first-order path gives 0 where det
    is exactly 0); ember always does."""
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 0.0]])  # rank 2, det exactly 0
    ours = ember.tensor(a, requires_grad=True)
    ember.linalg.det(ours).backward()
    theirs = torch.tensor(a, requires_grad=True)
    expected, = torch.autograd.grad(torch.linalg.det(theirs), theirs, create_graph=True)
    np.testing.assert_allclose(ours.grad.numpy(), expected.detach().numpy(), atol=1e-12)
    assert ours.grad[0, 0].item() == pytest.approx(-6.0)  # det([[4, 6], [1, 0]])


ERRORS = [
    ("inv_not_square", lambda m: m.linalg.inv(m.ones(2, 3))),
    ("inv_1d", lambda m: m.linalg.inv(m.ones(3))),
    ("inv_int", lambda m: m.linalg.inv(m.tensor([[1, 2], [3, 4]]))),
    ("det_not_square", lambda m: m.linalg.det(m.ones(2, 3))),
    ("det_int", lambda m: m.linalg.det(m.tensor([[1, 2], [3, 4]]))),
    ("solve_dtypes", lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64))),
    ("solve_shapes", lambda m: m.linalg.solve(m.eye(2), m.ones(3))),
    ("solve_right_shapes", lambda m: m.linalg.solve(m.eye(2), m.ones(2, 4), left=False)),
    ("qr_mode", lambda m: m.linalg.qr(m.ones(2, 3), mode="x")),
    ("qr_r_backward", lambda m: m.linalg.qr(m.ones(3, 2, requires_grad=True), mode="r")
     .R.sum().backward()),
    ("qr_complete_tall_backward", lambda m: m.linalg.qr(m.ones(3, 2, requires_grad=True),
                                                        mode="complete").Q.sum().backward()),
    ("eigh_not_square", lambda m: m.linalg.eigh(m.ones(2, 3))),
    ("matrix_norm_order", lambda m: m.linalg.matrix_norm(m.ones(2, 2), ord=3)),
    ("matrix_norm_1d", lambda m: m.linalg.matrix_norm(m.ones(3))),
    ("matrix_norm_dim", lambda m: m.linalg.matrix_norm(m.ones(2, 2), dim=0)),
    ("vector_norm_int", lambda m: m.linalg.vector_norm(m.tensor([1, 2]))),
    ("vector_norm_str", lambda m: m.linalg.vector_norm(m.ones(2), ord="fro")),
    ("linalg_norm_3d_ord", lambda m: m.linalg.norm(m.ones(2, 2, 2), ord=2)),
    ("matrix_power_not_square", lambda m: m.linalg.matrix_power(m.ones(2, 3), 2)),
    ("multi_dot_one", lambda m: m.linalg.multi_dot([m.ones(2, 2)])),
]


@pytest.mark.parametrize("name, fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(torch, name, fn):
    theirs = outcome(lambda: fn(torch))
    assert theirs[0] != "ok", "the case must fail in PyTorch"
    same_kind(outcome(lambda: fn(ember)), theirs, name)


def test_out_takes_named_tuples():
    a = ember.tensor([[2.0, 0.0], [0.0, 3.0]])
    values, vectors = ember.empty(0), ember.empty(0)
    result = ember.linalg.eigh(a, out=(values, vectors))
    assert result.eigenvalues is values and values.tolist() == [2.0, 3.0]
    inverse = ember.empty(2, 2)
    assert ember.linalg.inv(a, out=inverse) is inverse
    np.testing.assert_allclose(inverse.numpy(), [[0.5, 0.0], [0.0, 1 / 3]])
