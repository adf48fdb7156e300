"""ember.linalg's inverses, solvers, determinants and decompositions (torch.linalg's names,
signatures, named-tuple results and errors). Matrices are the last two dims; batch dims are
kept (and broadcast where PyTorch broadcasts them)."""

from __future__ import annotations

import collections

import numpy as np

from .. import ops
from .._args import type_name
from .._out import takes_out
from ..functions import matmul, where
from ..ops.decompositions import unpack
from ..shapes import expand, movedim, transpose, unsqueeze
from ..tensor import Tensor, _make
from ._checks import LinAlgError, batch_prefix, check_matrix

slogdet_result = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
inv_ex_result = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
cholesky_ex_result = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])
qr_result = collections.namedtuple("linalg_qr", ["Q", "R"])
svd_result = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
eigh_result = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])


def _first_zero_pivot(matrix: np.ndarray) -> int:
    """LAPACK getrf's info for one matrix: the 1-based index of the first exactly-zero pivot of
    an LU factorization with partial pivoting, or 0."""
    lu = matrix.astype(np.float64)
    n = lu.shape[0]
    first = 0
    for k in range(n):
        pivot = k + int(np.argmax(np.abs(lu[k:, k])))
        lu[[k, pivot]] = lu[[pivot, k]]
        if lu[k, k] == 0:
            first = first or k + 1
            continue
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return first


def _zero_pivots(a: np.ndarray) -> np.ndarray:
    """_first_zero_pivot of each matrix of a batch, shaped like the batch (int32)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.array([_first_zero_pivot(m) for m in flat], dtype=np.int32)
    return info.reshape(a.shape[:-2])


def _singular(name: str, a: Tensor, info: np.ndarray):
    k = int(np.flatnonzero(info)[0])
    return LinAlgError(f"{name}: {batch_prefix(k, a._data.ndim > 2)}The diagonal element "
                       f"{int(info.reshape(-1)[k])} is zero, the inversion could not be "
                       "completed because the input matrix is singular.")


@takes_out
def inv(A) -> Tensor:
    """The inverse of each square matrix. Singular matrices raise LinAlgError."""
    check_matrix("linalg.inv", A)
    try:
        return ops.decompositions.Inv.apply(A)
    except RuntimeError as e:  # NumPy's LinAlgError, under the op's name (Function.apply)
        if "Singular" not in str(e):
            raise
        raise _singular("linalg.inv", A, _zero_pivots(A._data)) from None


@takes_out
def inv_ex(A, *, check_errors=False):
    """(inverse, info): info 0 where the inverse exists, else the first zero pivot of its LU
    factorization (and NaN in place of that inverse); raises only with check_errors=True."""
    check_matrix("linalg.inv_ex", A)
    info = _zero_pivots(A._data)
    if not info.any():
        return inv_ex_result(ops.decompositions.Inv.apply(A), _make(info, None))
    if check_errors:
        raise _singular("linalg.inv_ex", A, info)
    safe = where(_make(info[..., None, None] != 0, None), expand(_eye_like(A), A.shape), A)
    inverse = ops.decompositions.Inv.apply(safe)
    return inv_ex_result(where(_make(info[..., None, None] != 0, None), np.nan, inverse),
                         _make(info, None))


def _eye_like(a: Tensor) -> Tensor:
    return _make(np.eye(a._data.shape[-1], dtype=a._data.dtype), None)


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    """PyTorch's rule: B is a batch of vectors when 1-D, or shaped like A without its last dim."""
    return b._data.ndim == 1 or (b._data.ndim == a._data.ndim - 1
                                 and b._data.shape == a._data.shape[:-1])


@takes_out
def solve(A, B, *, left=True) -> Tensor:
    """X with A X = B (left) or X A = B; B a batch of matrices or of vectors, batch dims
    broadcast. A singular A raises LinAlgError."""
    check_matrix("linalg.solve", A)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {type_name(A)} and B of type {type_name(B)} instead")
    vector = _is_vector_rhs(A, B)
    b = unsqueeze(B, -1) if vector else B
    n = A._data.shape[-1]
    rows = b._data.shape[-2] if left else b._data.shape[-1]
    if rows != n or (vector and not left):
        shape = f"{b._data.shape[-2]}x{b._data.shape[-1]}"
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {shape})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], b._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch shapes of A {list(A._data.shape[:-2])} "
                           f"and B {list(b._data.shape[:-2])} cannot be broadcast") from None
    a = A if left else transpose(A, -1, -2)
    if not left:
        b = transpose(b, -1, -2)
    try:
        x = ops.decompositions.Solve.apply(a, b)
    except RuntimeError as e:
        if "Singular" not in str(e):
            raise
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None
    if not left:
        x = transpose(x, -1, -2)
    return x.squeeze(-1) if vector else x


@takes_out
def det(A) -> Tensor:
    """The determinant of each square matrix: shape A.shape[:-2]."""
    check_matrix("linalg.det", A)
    return ops.decompositions.Det.apply(A)


@takes_out
def slogdet(A):
    """(sign, logabsdet) of det(A): sign -1, 0 or 1 (no gradient), log|det| differentiable."""
    check_matrix("linalg.slogdet", A)
    sign = _make(np.asarray(np.linalg.slogdet(A._data)[0]), None)
    logabsdet = ops.decompositions.LogAbsDet.apply(A)
    # sign is in the graph, with a zero gradient, as PyTorch's: where() picks it everywhere
    everywhere = _make(np.ones(sign._data.shape, bool), None)
    return slogdet_result(where(everywhere, sign, logabsdet), logabsdet)


def logdet(input) -> Tensor:
    """log det(input): NaN where the determinant is negative, -inf where it is 0."""
    sign, logabsdet = slogdet(input)
    return where(sign < 0, np.nan, logabsdet)


def _leading_minor_failure(matrix: np.ndarray) -> int:
    """The order of the first leading minor that is not positive-definite."""
    for k in range(1, matrix.shape[0] + 1):
        try:
            np.linalg.cholesky(matrix[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def _cholesky_info(a: np.ndarray) -> np.ndarray:
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.array([_leading_minor_failure(m) for m in flat], dtype=np.int32)
    return info.reshape(a.shape[:-2])


@takes_out
def cholesky(A, *, upper=False) -> Tensor:
    """L, lower triangular with A = L L^T (or U = L^T with upper=True), for symmetric
    positive-definite A (its lower triangle is read). Raises LinAlgError otherwise."""
    check_matrix("linalg.cholesky", A)
    try:
        low = ops.decompositions.Cholesky.apply(A)
    except RuntimeError as e:
        if "positive definite" not in str(e):
            raise
        info = _cholesky_info(A._data)
        k = int(np.flatnonzero(info)[0])
        raise LinAlgError(
            f"linalg.cholesky: {batch_prefix(k, A._data.ndim > 2)}The factorization could not "
            "be completed because the input is not positive-definite (the leading minor of "
            f"order {int(info.reshape(-1)[k])} is not positive-definite).") from None
    return transpose(low, -1, -2) if upper else low


@takes_out
def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): info 0 where the factorization exists, else the order of the first leading
    minor that is not positive-definite (and NaN in place of that L)."""
    check_matrix("linalg.cholesky_ex", A)
    info = _cholesky_info(A._data)
    if not info.any() or check_errors:
        return cholesky_ex_result(cholesky(A, upper=upper), _make(info, None))
    failed = _make(info[..., None, None] != 0, None)
    low = cholesky(where(failed, expand(_eye_like(A), A.shape), A), upper=upper)
    return cholesky_ex_result(where(failed, np.nan, low), _make(info, None))


_QR_MODES = ("reduced", "complete", "r")


@takes_out
def qr(A, mode="reduced"):
    """(Q, R) with A = Q R, Q orthonormal columns and R upper triangular. mode 'reduced' (k =
    min(m, n) columns of Q), 'complete' (Q square) or 'r' (R only; Q empty, no gradient)."""
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    check_matrix("linalg.qr", A, square=False)
    m, n = A._data.shape[-2:]
    q_cols = m if mode == "complete" else min(m, n)
    packed = ops.decompositions.Qr.apply(A, mode=mode)
    q, r = unpack(packed, [(m, q_cols), (q_cols if mode != "complete" else m, n)],
                  A._data.shape[:-2])
    if mode == "r":  # Q is not computed: empty (in the graph, as PyTorch's)
        q = packed.reshape(-1)[:0]
    return qr_result(q, r)


def _svd_packed(A: Tensor, full_matrices: bool) -> list:
    m, n = A._data.shape[-2:]
    k = min(m, n)
    shapes = [(m, m if full_matrices else k), (k,), (n if full_matrices else k, n)]
    packed = ops.decompositions.Svd.apply(A, full_matrices=full_matrices)
    return unpack(packed, shapes, A._data.shape[:-2])


@takes_out
def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending. full_matrices (the default) makes U
    (m, m) and Vh (n, n); else (m, k) and (k, n), k = min(m, n)."""
    check_matrix("linalg.svd", A, square=False)
    return svd_result(*_svd_packed(A, full_matrices))


@takes_out
def svdvals(A, *, driver=None) -> Tensor:
    """The singular values, descending: shape A.shape[:-2] + (min(m, n),)."""
    check_matrix("linalg.svdvals", A, square=False)
    return _svd_packed(A, False)[1]


def singular_value_norm(A: Tensor, dims: tuple, reduce: str = "sum",
                        keepdim: bool = False) -> Tensor:
    """The singular values of the matrices in the two dims `dims` of A, reduced by the Tensor
    method `reduce`: "sum" (the nuclear norm), "amax" (the 2-norm) or "amin"; kept as size-1
    dims with keepdim. (Here, not in _norms, so that ember.norm can reach it without importing
    what builds on ember.reductions.)"""
    rows, cols = (d % A.dim() for d in dims)
    result = getattr(svdvals(movedim(A, (rows, cols), (-2, -1))), reduce)(-1)
    if keepdim:
        for d in sorted((rows, cols)):
            result = result.unsqueeze(d)
    return result


def _eigh_packed(name: str, A: Tensor, uplo: str) -> list:
    check_matrix(name, A)
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    n = A._data.shape[-1]
    packed = ops.decompositions.Eigh.apply(A, uplo=uplo)
    return unpack(packed, [(n,), (n, n)], A._data.shape[:-2])


@takes_out
def eigh(A, UPLO="L"):  # noqa: N803 - PyTorch's name
    """(eigenvalues ascending, eigenvectors as columns) of symmetric A, read from its UPLO
    triangle."""
    return eigh_result(*_eigh_packed("linalg.eigh", A, UPLO))


@takes_out
def eigvalsh(A, UPLO="L") -> Tensor:  # noqa: N803
    """The eigenvalues of symmetric A, ascending."""
    return _eigh_packed("linalg.eigvalsh", A, UPLO)[0]


def _tolerances(A: Tensor, atol, rtol) -> tuple[float, float]:
    """PyTorch's defaults: rtol = eps * max(m, n) unless atol > 0 is given alone."""
    atol = 0.0 if atol is None else float(atol)
    if rtol is None:
        rtol = 0.0 if atol > 0 else max(A._data.shape[-2:]) * np.finfo(A._data.dtype).eps
    return atol, float(rtol)


@takes_out
def pinv(A, *, atol=None, rtol=None, hermitian=False) -> Tensor:
    """The Moore-Penrose pseudo-inverse (n, m) of each (m, n) matrix; singular values at most
    max(atol, rtol * the largest) count as zero."""
    check_matrix("linalg.pinv", A, square=False)
    atol, rtol = _tolerances(A, atol, rtol)
    return ops.decompositions.Pinv.apply(A, atol=atol, rtol=rtol, hermitian=hermitian)


@takes_out
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False) -> Tensor:
    """The number of singular values above max(atol, rtol * the largest), int64."""
    check_matrix("linalg.matrix_rank", A, square=False)
    atol, rtol = _tolerances(A, atol, rtol)
    s = np.linalg.svd(A._data, compute_uv=False, hermitian=hermitian)
    cutoff = np.maximum(atol, rtol * (s[..., :1] if s.shape[-1] else 0))
    return _make(np.asarray(np.sum(s > cutoff, axis=-1), dtype=np.int64), None)


@takes_out
def matrix_power(A, n) -> Tensor:
    """A multiplied by itself n times (n < 0: of its inverse; n = 0: the identity), by
    repeated squaring."""
    check_matrix("linalg.matrix_power", A, floating=False)
    if n == 0:
        return expand(_eye_like(A), A.shape)
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


__all__ = ["LinAlgError", "inv", "inv_ex", "solve", "det", "slogdet", "logdet", "cholesky",
           "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank",
           "matrix_power"]
