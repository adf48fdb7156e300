"""sort, argsort, msort, topk, kthvalue, median, nanmedian, mode (differentiable: the values picked
get the gradient), and unique, unique_consecutive, isin, bincount, histc, searchsorted,
bucketize, against PyTorch: values, dtypes, gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import (
    assert_same,
    error_parity_test,
    smooth,
    table_tests,
    value_parity_test,
)

import ember

CASES = [
    ("sort", lambda m, a: m.sort(a, dim=1), [(3, 4)], "real"),
    ("sort_desc_dim0", lambda m, a: a.sort(0, descending=True), [(3, 4)], "real"),
    ("sort_0d", lambda m, a: m.sort(a.sum(), 0), [(2, 2)], "real"),
    ("msort", lambda m, a: m.msort(a), [(3, 4)], "real"),
    ("topk", lambda m, a: m.topk(a, 2), [(3, 4)], "real"),
    ("topk_smallest_dim0", lambda m, a: a.topk(2, dim=0, largest=False), [(3, 4)], "real"),
    ("kthvalue", lambda m, a: m.kthvalue(a, 2, 1), [(3, 4)], "real"),
    ("kthvalue_keep", lambda m, a: a.kthvalue(3, 0, keepdim=True), [(3, 4)], "real"),
    ("median", lambda m, a: a.median(), [(3, 4)], "real"),
    ("median_dim", lambda m, a: m.median(a, 1), [(3, 4)], "real"),
    ("median_dim_keep", lambda m, a: a.median(0, keepdim=True), [(4, 3)], "real"),
    ("nanmedian_dim", lambda m, a: m.nanmedian(a, -1), [(3, 4)], "real"),
    ("nanmedian", lambda m, a: a.nanmedian(), [(3, 4)], "real"),
    ("mode", lambda m, a: m.mode(a, 1), [(3, 4)], "real"),
    # ties: equal values share median()'s gradient; mode and the dim forms pick one index, the
    # one PyTorch picks (kthvalue's and topk's choice among ties is their quickselect's: not
    # compared)
    ("median_ties", lambda m, a: a.median(), [(3, 4)], "ties"),
    ("median_dim_ties", lambda m, a: a.median(1), [(3, 5)], "ties"),
    ("mode_ties", lambda m, a: m.mode(a, 1), [(4, 6)], "ties"),
    ("mode_ties_dim0", lambda m, a: a.mode(0, keepdim=True), [(6, 3)], "ties"),
    ("sort_stable_ties", lambda m, a: a.sort(stable=True, descending=True), [(3, 5)], "ties"),
]
GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


NAN = float("nan")
TIES = [[3, 1, 2, 1, 3, 2, 2], [0, 5, 5, 0, 1, 1, 7]]
SEQ = [[1, 3, 5, 7], [2, 4, 6, 8]]
NONDIFF = [
    ("isin", lambda m: m.isin(m.tensor([[1, 2], [3, 2]]), m.tensor([2.0, 5.0]))),
    ("isin_invert", lambda m: m.isin(m.tensor([1.5, float("nan")]), m.tensor([[1.5], [2.0]]),
                                     invert=True)),
    ("isin_number_elements", lambda m: m.isin(2, m.tensor([1, 2]))),
    ("isin_number_test", lambda m: m.isin(m.tensor([1, 2]), 2, assume_unique=True)),
    ("argsort_stable", lambda m: m.argsort(m.tensor(TIES), dim=1, stable=True)),
    ("argsort_stable_desc", lambda m: m.tensor(TIES).argsort(dim=0, descending=True, stable=True)),
    ("argsort_0d", lambda m: m.argsort(m.tensor(2.0))),
    ("sort_nan", lambda m: m.sort(m.tensor([1.0, NAN, 0.0, -1.0]), descending=True)),
    ("sort_nan_asc", lambda m: m.tensor([1.0, NAN, 0.0, NAN]).sort(stable=True)),
    ("sort_int", lambda m: m.sort(m.tensor(TIES), stable=True)),
    ("sort_bool", lambda m: m.sort(m.tensor([True, False, True]), stable=True)),
    ("topk_int", lambda m: m.topk(m.tensor([3, 1, 2, 9]), 2)),
    ("topk_0d", lambda m: m.topk(m.tensor(3.0), 1)),
    ("topk_k0", lambda m: m.tensor([1.0, 2.0]).topk(0)),
    ("median_int", lambda m: m.median(m.tensor([3, 1, 2, 4]))),
    ("median_even", lambda m: m.tensor([[4.0, 1.0, 3.0, 2.0]]).median(1)),
    ("median_nan", lambda m: m.tensor([2.0, NAN, 1.0]).median(0)),
    ("median_nan_all", lambda m: m.tensor([2.0, NAN, 1.0]).median()),
    ("median_empty", lambda m: m.median(m.tensor([]))),
    ("nanmedian_nan", lambda m: m.tensor([[NAN, NAN, NAN], [1.0, NAN, 2.0]]).nanmedian(1)),
    ("nanmedian_all", lambda m: m.nanmedian(m.tensor([NAN, 1.0, NAN, 2.0, 5.0]))),
    ("mode_int", lambda m: m.mode(m.tensor(TIES))),
    ("mode_bool", lambda m: m.tensor([True, False, True]).mode()),
    ("mode_0d", lambda m: m.mode(m.tensor(2.0))),
    ("unique", lambda m: m.unique(m.tensor([3, 1, 2, 1, 3]))),
    ("unique_all", lambda m: m.tensor(TIES).unique(return_inverse=True, return_counts=True)),
    ("unique_counts", lambda m: m.unique(m.tensor([2.0, 1.0, 2.0]), return_counts=True)),
    ("unique_nan", lambda m: m.unique(m.tensor([NAN, 1.0, NAN]))),
    ("unique_dim", lambda m: m.unique(m.tensor([[1, 2], [1, 2], [0, 5]]), dim=0,
                                      return_inverse=True, return_counts=True)),
    ("unique_dim1", lambda m: m.tensor([[1, 1, 0], [2, 2, 5]]).unique(dim=1)),
    ("unique_0d", lambda m: m.unique(m.tensor(3), return_inverse=True)),
    ("unique_bool", lambda m: m.unique(m.tensor([True, False, True]))),
    ("unique_consecutive", lambda m: m.unique_consecutive(
        m.tensor([[1, 1], [2, 2]]), return_inverse=True, return_counts=True)),
    ("unique_consecutive_dim", lambda m: m.tensor([[1, 1], [1, 1], [2, 2]]).unique_consecutive(
        return_inverse=True, return_counts=True, dim=0)),
    ("unique_consecutive_plain", lambda m: m.unique_consecutive(m.tensor([1, 1, 2, 1, 1]))),
    ("bincount", lambda m: m.bincount(m.tensor([0, 3, 1, 1]))),
    ("bincount_minlength", lambda m: m.tensor([1, 1]).bincount(minlength=4)),
    ("bincount_empty", lambda m: m.bincount(m.tensor([], dtype=m.long), minlength=3)),
    ("bincount_weights", lambda m: m.bincount(m.tensor([0, 2, 2]), m.tensor([0.5, 1.0, 2.0]))),
    ("bincount_weights64", lambda m: m.bincount(m.tensor([0, 2]),
                                                m.tensor([1.0, 2.0], dtype=m.float64))),
    ("bincount_int_weights", lambda m: m.bincount(m.tensor([0, 2]), m.tensor([1, 2]))),
    ("bincount_uint8", lambda m: m.bincount(m.tensor([1, 2], dtype=m.uint8))),
    ("histc", lambda m: m.histc(m.tensor([1.0, 2.0, 1.0, 3.0, -1.0]), bins=4, min=0, max=3)),
    ("histc_range_of_data", lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).histc(bins=3)),
    ("histc_constant", lambda m: m.histc(m.tensor([1.0, 1.0]), bins=4)),
    ("histc_float64", lambda m: m.histc(m.tensor([0.5, 0.25], dtype=m.float64), 2, 0, 1)),
    ("searchsorted", lambda m: m.searchsorted(m.tensor([1, 3, 5, 7]), m.tensor([[3, 6], [0, 9]]))),
    ("searchsorted_right", lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([3]),
                                                    right=True)),
    ("searchsorted_side", lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([3]),
                                                   side="right")),
    ("searchsorted_scalar", lambda m: m.searchsorted(m.tensor([1, 3, 5]), 3)),
    ("searchsorted_rows", lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([[3, 9], [3, 1]]))),
    ("searchsorted_int32", lambda m: m.searchsorted(m.tensor([1.0, 3.0]), m.tensor([2.0]),
                                                    out_int32=True)),
    ("searchsorted_sorter", lambda m: m.searchsorted(m.tensor([5, 1, 3]), m.tensor([2, 4]),
                                                     sorter=m.tensor([1, 2, 0]))),
    ("bucketize", lambda m: m.bucketize(m.tensor([[1, 3], [6, 0]]), m.tensor([1, 3, 5]))),
    ("bucketize_right", lambda m: m.bucketize(m.tensor([1, 3, 6]), m.tensor([1, 3, 5]),
                                              right=True)),
    ("bucketize_scalar", lambda m: m.bucketize(3, m.tensor([1, 3, 5]))),
]


test_non_differentiable_parity = value_parity_test(NONDIFF)


def test_sort_indices_carry_no_graph():
    a = ember.randn(3, 4, requires_grad=True)
    values, indices = a.sort()
    assert values.requires_grad and not indices.requires_grad and indices.dtype == ember.int64
    assert not ember.unique(a).requires_grad and not ember.histc(a).requires_grad


def test_sort_writes_out(torch):
    data = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    results = []
    for m in (ember, torch):
        values, indices = m.empty(0), m.empty(0, dtype=m.int64)
        returned = m.sort(m.tensor(data), 1, out=(values, indices))
        assert returned[0] is values and returned[1] is indices
        results.append(returned)
    assert_same(results[0], results[1])


ERRORS = [
    ("isin_numbers", lambda m: m.isin(1, 2)),
    ("isin_list", lambda m: m.isin(m.tensor([1]), [1])),
    ("isin_bool", lambda m: m.isin(m.tensor([True]), m.tensor([1]))),
    ("kthvalue_empty", lambda m: m.kthvalue(m.zeros(0), 1)),
    ("mode_empty_dim", lambda m: m.mode(m.zeros(2, 0), 1)),
    ("sort_list", lambda m: m.sort([3, 1])),
    ("topk_list", lambda m: m.topk([3, 1], 1)),
    ("searchsorted_sorter_size", lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1]),
                                                          sorter=m.tensor([0]))),
    ("searchsorted_sorter_int32", lambda m: m.searchsorted(
        m.tensor([1, 2]), m.tensor([1]), sorter=m.tensor([0, 1], dtype=m.int32))),
    ("searchsorted_sorter_range", lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1]),
                                                           sorter=m.tensor([0, 5]))),
    ("topk_k_too_big", lambda m: m.topk(m.tensor([1.0, 2.0]), 3)),
    ("topk_bool", lambda m: m.topk(m.tensor([True, False]), 1)),
    ("kthvalue_k0", lambda m: m.kthvalue(m.tensor([1.0, 2.0]), 0)),
    ("kthvalue_k_too_big", lambda m: m.tensor([1.0, 2.0]).kthvalue(3)),
    ("sort_dim", lambda m: m.sort(m.zeros(3), 2)),
    ("median_empty_dim", lambda m: m.median(m.zeros(0, 3), 0)),
    ("median_bool", lambda m: m.median(m.tensor([True, False]))),
    ("bincount_negative", lambda m: m.bincount(m.tensor([-1, 2]))),
    ("bincount_2d", lambda m: m.bincount(m.tensor([[1, 2]]))),
    ("bincount_float", lambda m: m.bincount(m.tensor([1.0, 2.0]))),
    ("bincount_weights_length", lambda m: m.bincount(m.tensor([1, 2]), m.tensor([1.0]))),
    ("bincount_minlength", lambda m: m.bincount(m.tensor([1]), minlength=-1)),
    ("histc_int", lambda m: m.histc(m.tensor([1, 2, 3]))),
    ("histc_bins", lambda m: m.histc(m.tensor([1.0]), bins=0)),
    ("histc_min_max", lambda m: m.histc(m.tensor([1.0]), bins=3, min=3, max=1)),
    ("histc_inf", lambda m: m.histc(m.tensor([1.0, float("inf")]), bins=3)),
    ("searchsorted_sides", lambda m: m.searchsorted(m.tensor([1, 3]), 3, right=True,
                                                    side="left")),
    ("searchsorted_side", lambda m: m.searchsorted(m.tensor([1, 3]), 3, side="middle")),
    ("searchsorted_rows", lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([[3, 6, 9]]))),
    ("bucketize_2d", lambda m: m.bucketize(m.tensor([1, 3]), m.tensor([[1, 3, 5]]))),
    ("sort_out_dtype", lambda m: m.sort(m.zeros(3), out=(m.zeros(3, dtype=m.float64),
                                                         m.zeros(3, dtype=m.int64)))),
    ("sort_out_grad", lambda m: m.sort(m.zeros(3, requires_grad=True),
                                       out=(m.zeros(3), m.zeros(3, dtype=m.int64)))),
]


test_errors_as_pytorch = error_parity_test(ERRORS)


def test_error_messages_name_the_problem():
    with pytest.raises(RuntimeError, match="k out of range"):
        ember.topk(ember.zeros(2), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.bincount(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ember.searchsorted(ember.zeros(2, 3), ember.zeros(1, 3))
