"""cumsum, cumprod (with zeros), cummax, cummin, logcumsumexp and diff, against PyTorch: values,
dtypes, first and second gradients, and errors."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import (
    error_parity_test,
    node_name_test,
    smooth,
    table_tests,
    value_parity_test,
)

import ember

CASES = [
    ("cumsum", lambda m, a: m.cumsum(a, 1), [(3, 4)], "real"),
    ("cumsum_dim0", lambda m, a: a.cumsum(dim=0), [(3, 4)], "real"),
    ("cumsum_0d", lambda m, a: m.cumsum(a.sum(), -1), [(2,)], "real"),
    ("cumsum_dtype", lambda m, a: a.cumsum(-1, dtype=m.float64), [(3, 4)], "real"),
    ("cumsum_", lambda m, a: (a * 1).cumsum_(0), [(3, 4)], "real"),
    ("cumprod", lambda m, a: m.cumprod(a, 1), [(3, 4)], "real"),
    ("cumprod_dim0", lambda m, a: a.cumprod(0), [(4, 3)], "real"),
    ("cumprod_zeros", lambda m, a: m.cumprod(a, -1), [(4, 5)], "zeros"),
    ("cumprod_zeros_dim0", lambda m, a: a.cumprod(0), [(5, 3)], "zeros"),
    ("cumprod_", lambda m, a: (a * 1).cumprod_(1), [(3, 4)], "zeros"),
    ("cummax", lambda m, a: m.cummax(a, 1), [(3, 4)], "real"),
    ("cummin_dim0", lambda m, a: a.cummin(0), [(4, 3)], "real"),
    ("logcumsumexp", lambda m, a: m.logcumsumexp(a, 1), [(3, 4)], "real"),
    ("logcumsumexp_large", lambda m, a: (a * 300).logcumsumexp(0), [(4, 3)], "real"),
    ("diff", lambda m, a: m.diff(a), [(3, 4)], "real"),
    ("diff_n2_dim0", lambda m, a: a.diff(n=2, dim=0), [(4, 3)], "real"),
    ("diff_prepend_append", lambda m, a, p, q: m.diff(a, 1, 1, prepend=p, append=q),
     [(3, 4), (3, 1), (3, 2)], "real"),
    # ties: the running max and min take the later of equal elements
    ("cummax_ties", lambda m, a: a.cummax(1), [(3, 6)], "ties"),
    ("cummin_ties", lambda m, a: m.cummin(a, 0), [(6, 3)], "ties"),
]
GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


def test_cumprod_gradient_at_zeros_by_hand():
    """d/da of prod(a[:j+1]): before the first zero out/a, at it the product of the others,
    after it 0."""
    a = ember.tensor([2.0, 0.0, 3.0, 0.0, 5.0], dtype=ember.float64, requires_grad=True)
    a.cumprod(0).sum().backward()
    # out = [2, 0, 0, 0, 0]; d out_0/d a_0 = 1; a_1 (the first zero) gets 2 + 2*3 + 0 + 0
    assert a.grad.tolist() == [1.0, 8.0, 0.0, 0.0, 0.0]


def test_logcumsumexp_stays_finite():
    a = ember.tensor([1000.0, 1000.0, -1000.0], requires_grad=True)
    out = a.logcumsumexp(0)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), [1000.0, 1000.0 + np.log(2),
                                                      1000.0 + np.log(2)], rtol=1e-6)
    assert np.isfinite(a.grad.numpy()).all()


NAN = float("nan")
NONDIFF = [
    ("cumsum_int", lambda m: m.cumsum(m.tensor([1, 2, 3], dtype=m.int32), 0)),
    ("cumsum_bool", lambda m: m.tensor([True, True, False]).cumsum(0)),
    ("cumsum_int_to_float", lambda m: m.cumsum(m.tensor([1, 2]), 0, dtype=m.float32)),
    ("cumsum_float16", lambda m: m.cumsum(m.tensor([1.0, 2.0], dtype=m.float16), 0)),
    ("cumprod_bool", lambda m: m.cumprod(m.tensor([True, False]), 0)),
    ("cumsum_0d_int", lambda m: m.cumsum(m.tensor(3), 0)),
    ("cummax_int", lambda m: m.cummax(m.tensor([1, 3, 2, 3]), 0)),
    ("cummax_nan", lambda m: m.tensor([1.0, NAN, 2.0, NAN, 5.0]).cummax(0)),
    ("cummin_nan", lambda m: m.cummin(m.tensor([1.0, 0.0, NAN, -1.0]), 0)),
    ("cummax_bool", lambda m: m.cummax(m.tensor([False, True, False]), 0)),
    ("cummax_0d", lambda m: m.cummax(m.tensor(2.0), 0)),
    ("cummin_empty", lambda m: m.cummin(m.zeros(2, 0), 1)),
    ("logcumsumexp_0d", lambda m: m.logcumsumexp(m.tensor(2.0), 0)),
    ("logcumsumexp_inf", lambda m: m.logcumsumexp(m.tensor([-float("inf"), 0.0]), 0)),
    ("diff_int", lambda m: m.diff(m.tensor([1, 4, 9, 16]), n=2)),
    ("diff_bool", lambda m: m.tensor([True, False, False]).diff()),
    ("diff_n_too_big", lambda m: m.diff(m.arange(3.0), n=5)),
    ("diff_n0", lambda m: m.diff(m.arange(3.0), n=0)),
    ("cumsum_out_float64", lambda m: m.cumsum(m.tensor([1.0, 2.0]), 0,
                                              out=m.empty(0, dtype=m.float64))),
    ("cumsum_out_int32", lambda m: m.cumsum(m.tensor([1, 2], dtype=m.int32), 0,
                                            out=m.empty(2, dtype=m.int32))),
    ("cummax_out", lambda m: m.cummax(m.tensor([1.0, 3.0, 2.0]), 0,
                                      out=(m.empty(0), m.empty(0, dtype=m.int64)))),
    ("diff_out", lambda m: m.diff(m.tensor([1.0, 4.0]), out=m.empty(0, dtype=m.float64))),
]


test_non_differentiable_parity = value_parity_test(NONDIFF)


ERRORS = [
    ("cumsum_list", lambda m: m.cumsum([1, 2], 0)),
    ("cummax_list", lambda m: m.cummax([1, 2], 0)),
    ("logcumsumexp_list", lambda m: m.logcumsumexp([1.0, 2.0], 0)),
    ("cumsum_dim", lambda m: m.cumsum(m.zeros(3), 1)),
    ("logcumsumexp_int", lambda m: m.logcumsumexp(m.tensor([1, 2]), 0)),
    ("logcumsumexp_out_dtype", lambda m: m.logcumsumexp(m.zeros(2), 0,
                                                        out=m.zeros(2, dtype=m.float64))),
    ("diff_0d", lambda m: m.diff(m.tensor(1.0))),
    ("diff_negative_n", lambda m: m.diff(m.arange(3.0), n=-1)),
    ("diff_prepend_number", lambda m: m.diff(m.arange(3.0), prepend=1)),
    ("diff_prepend_0d", lambda m: m.diff(m.arange(3.0), prepend=m.tensor(1.0))),
    ("diff_out_int", lambda m: m.diff(m.arange(3.0), out=m.zeros(2, dtype=m.int64))),
    ("cumsum_out_grad", lambda m: m.cumsum(m.zeros(2, requires_grad=True), 0,
                                           out=m.zeros(2))),
]


test_errors_as_pytorch = error_parity_test(ERRORS)


def test_out_resizes_with_pytorch_warning():
    out = ember.zeros(5)
    with pytest.warns(UserWarning, match="resized"):
        result = ember.cumsum(ember.ones(2, 2), 0, out=out)
    assert result is out and out.shape == (2, 2) and out.tolist() == [[1, 1], [2, 2]]


test_grad_fn_names_are_torch_names = node_name_test([
    lambda m, x: x.cumsum(0), lambda m, x: m.cumprod(x, 1), lambda m, x: x.logcumsumexp(1),
    lambda m, x: x.median(), lambda m, x: m.roll(x, 1, 0)])
