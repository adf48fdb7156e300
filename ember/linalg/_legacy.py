"""The torch.* (not torch.linalg) matrix functions: det, logdet, slogdet, inverse, pinverse,
matrix_power, and the older cholesky, svd and qr with their own signatures and results."""

from __future__ import annotations

import collections
import warnings

from .._out import takes_out
from ..shapes import transpose
from ..tensor import Tensor
from . import _solvers
from ._solvers import det, logdet, matrix_power

slogdet_result = collections.namedtuple("slogdet", ["sign", "logabsdet"])
svd_result = collections.namedtuple("svd", ["U", "S", "V"])
qr_result = collections.namedtuple("qr", ["Q", "R"])


@takes_out
def slogdet(input):
    """(sign, logabsdet) of det(input)."""
    return slogdet_result(*_solvers.slogdet(input))


@takes_out
def inverse(input) -> Tensor:
    """ember.linalg.inv."""
    return _solvers.inv(input)


def pinverse(input, rcond=1e-15, hermitian=False) -> Tensor:
    """ember.linalg.pinv with singular values below rcond * the largest taken as 0."""
    return _solvers.pinv(input, rtol=rcond, hermitian=hermitian)


@takes_out
def cholesky(input, upper=False) -> Tensor:
    """ember.linalg.cholesky (deprecated in PyTorch, with its warning)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=3)
    return _solvers.cholesky(input, upper=upper)


@takes_out
def svd(input, some=True, compute_uv=True):
    """(U, S, V), V = Vh^T: reduced unless some=False. Without compute_uv, U and V are zeros."""
    u, s, vh = _solvers.svd(input, full_matrices=not some)
    if not compute_uv:
        return svd_result(u.detach() * 0, s, vh.detach() * 0)
    return svd_result(u, s, transpose(vh, -1, -2))


@takes_out
def qr(input, some=True):
    """(Q, R): ember.linalg.qr in mode 'reduced' (some) or 'complete'."""
    return qr_result(*_solvers.qr(input, "reduced" if some else "complete"))


__all__ = ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "cholesky", "svd",
           "qr"]
