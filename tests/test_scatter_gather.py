"""gather, scatter (src and value forms), scatter_add, scatter_reduce, the index_* family,
masked_fill/masked_select/masked_scatter, take, take_along_dim, put, their in-place forms, and
nonzero, argwhere and one-argument where, against PyTorch: values, dtypes, gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest
from op_checks import (
    assert_same,
    error_parity_test,
    node_name_test,
    smooth,
    table_tests,
    value_parity_test,
)

import ember

# gather along dim 1 of a (3, 4): repeated indices, whose gradients add up
GATHER = np.array([[0, 3, 3, 1, 0], [2, 2, 1, 0, 3], [1, 1, 1, 1, 1]])
# scatter along dim 0 into (3, 4), distinct positions in each column (src of shape (2, 4))
SCATTER = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
# scatter_add/scatter_reduce along dim 0: repeated positions (src of shape (3, 4))
REPEATS = np.array([[0, 1, 0, 2], [0, 1, 2, 2], [1, 1, 0, 2]])
ROWS = np.array([2, 0, 2])  # index_add/index_select rows, with a repeat
DISTINCT_ROWS = np.array([2, 0])  # index_copy rows
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])


def t(m, array):
    return m.tensor(array)


def reduce_case(reduce, include_self):
    return lambda m, a, s: m.scatter_reduce(a, 0, t(m, REPEATS), s, reduce,
                                            include_self=include_self)


CASES = [
    ("gather", lambda m, a: m.gather(a, 1, t(m, GATHER)), [(3, 4)], "real"),
    ("gather_smaller", lambda m, a: a.gather(0, t(m, SCATTER[:, :3])), [(3, 4)], "real"),
    ("scatter_src", lambda m, a, s: a.scatter(0, t(m, SCATTER), s), [(3, 4), (2, 4)], "real"),
    ("scatter_value", lambda m, a: m.scatter(a, 1, t(m, SCATTER), 1.5), [(3, 4)], "real"),
    ("scatter_add", lambda m, a, s: m.scatter_add(a, 0, t(m, REPEATS), s), [(3, 4), (3, 4)],
     "real"),
    ("scatter_sum", reduce_case("sum", True), [(3, 4), (3, 4)], "real"),
    ("scatter_sum_noself", reduce_case("sum", False), [(3, 4), (3, 4)], "real"),
    ("scatter_mean", reduce_case("mean", True), [(3, 4), (3, 4)], "real"),
    ("scatter_mean_noself", reduce_case("mean", False), [(3, 4), (3, 4)], "real"),
    ("scatter_prod", reduce_case("prod", True), [(3, 4), (3, 4)], "real"),
    ("scatter_prod_noself", reduce_case("prod", False), [(3, 4), (3, 4)], "real"),
    ("scatter_amax", reduce_case("amax", True), [(3, 4), (3, 4)], "real"),
    ("scatter_amax_noself", reduce_case("amax", False), [(3, 4), (3, 4)], "real"),
    ("scatter_amin", reduce_case("amin", True), [(3, 4), (3, 4)], "real"),
    ("scatter_amin_noself", reduce_case("amin", False), [(3, 4), (3, 4)], "real"),
    ("index_select", lambda m, a: m.index_select(a, 0, t(m, ROWS)), [(3, 4)], "real"),
    ("index_select_dim1", lambda m, a: a.index_select(-1, t(m, ROWS)), [(2, 3)], "real"),
    ("index_add", lambda m, a, s: a.index_add(0, t(m, ROWS), s, alpha=2.0), [(3, 4), (3, 4)],
     "real"),
    ("index_copy", lambda m, a, s: m.index_copy(a, 1, t(m, DISTINCT_ROWS), s), [(3, 4), (3, 2)],
     "real"),
    ("index_fill", lambda m, a: a.index_fill(1, t(m, ROWS), -1.0), [(3, 4)], "real"),
    ("index_fill_tensor", lambda m, a, v: m.index_fill(a, 0, t(m, ROWS), v.sum()),
     [(3, 4), (2,)], "real"),
    ("index_put", lambda m, a, v: a.index_put((t(m, ROWS), t(m, [1, 3, 0])), v), [(3, 4), (3,)],
     "real"),
    ("index_put_accumulate", lambda m, a, v: m.index_put(a, (t(m, ROWS),), v, accumulate=True),
     [(3, 4), (4,)], "real"),
    ("masked_fill", lambda m, a: m.masked_fill(a, t(m, MASK), -1.5), [(3, 4)], "real"),
    ("masked_fill_tensor", lambda m, a, v: a.masked_fill(t(m, MASK), v.sum()), [(3, 4), (2,)],
     "real"),
    ("masked_fill_bcast", lambda m, a: m.masked_fill(a, t(m, MASK), 2.0), [(4,)], "real"),
    ("masked_select", lambda m, a: m.masked_select(a, t(m, MASK)), [(3, 4)], "real"),
    ("masked_select_bcast", lambda m, a: a.masked_select(t(m, MASK)), [(4,)], "real"),
    ("masked_scatter", lambda m, a, s: a.masked_scatter(t(m, MASK), s), [(3, 4), (9,)], "real"),
    ("masked_scatter_bcast", lambda m, a, s: m.masked_scatter(a, t(m, MASK), s),
     [(1, 4), (3, 3)], "real"),
    ("take", lambda m, a: m.take(a, t(m, [[0, 11], [-1, 5]])), [(3, 4)], "real"),
    ("take_along_dim", lambda m, a: m.take_along_dim(a, t(m, GATHER), 1), [(3, 4)], "real"),
    ("take_along_dim_bcast", lambda m, a: a.take_along_dim(t(m, [[0, 2]]), dim=1), [(3, 4)],
     "real"),
    ("take_along_dim_flat", lambda m, a: m.take_along_dim(a, t(m, [0, 5, 5])), [(3, 4)], "real"),
    ("put", lambda m, a, s: a.put(t(m, [0, 11, 4]), s), [(3, 4), (3,)], "real"),
    ("put_accumulate", lambda m, a, s: m.put(a, t(m, [0, 0, -1]), s, accumulate=True),
     [(3, 4), (3,)], "real"),
    # in-place forms: differentiable through ember.inplace
    ("scatter_", lambda m, a, s: (a * 1).scatter_(0, t(m, SCATTER), s), [(3, 4), (2, 4)], "real"),
    ("scatter_add_", lambda m, a, s: (a * 1).scatter_add_(0, t(m, REPEATS), s), [(3, 4), (3, 4)],
     "real"),
    ("scatter_reduce_", lambda m, a, s: (a * 1).scatter_reduce_(0, t(m, REPEATS), s, "amax"),
     [(3, 4), (3, 4)], "real"),
    ("index_add_", lambda m, a, s: (a * 1).index_add_(0, t(m, ROWS), s), [(3, 4), (3, 4)], "real"),
    ("index_copy_", lambda m, a, s: (a * 1).index_copy_(1, t(m, DISTINCT_ROWS), s),
     [(3, 4), (3, 2)], "real"),
    ("index_fill_", lambda m, a: (a * 1)[1:].index_fill_(1, t(m, ROWS), 2.0), [(3, 4)], "real"),
    ("index_put_", lambda m, a, v: (a * 1).index_put_((t(m, ROWS),), v, accumulate=True),
     [(3, 4), (4,)], "real"),
    ("masked_scatter_", lambda m, a, s: (a * 1).masked_scatter_(t(m, MASK), s), [(3, 4), (9,)],
     "real"),
    ("masked_fill_", lambda m, a, v: (a * 1).masked_fill_(t(m, MASK[0]), v.sum()),
     [(3, 4), (2,)], "real"),
    ("put_", lambda m, a, s: (a * 1).put_(t(m, [1, 2]), s), [(3, 4), (2,)], "real"),
    # ties: amax/amin split the gradient between the values that reach the result
    ("scatter_amax_ties", reduce_case("amax", True), [(3, 4), (3, 4)], "ties"),
    ("scatter_amin_noself_ties", reduce_case("amin", False), [(3, 4), (3, 4)], "ties"),
    ("scatter_prod_zeros", reduce_case("prod", True), [(3, 4), (3, 4)], "ties"),
]
GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


def test_scatter_from_a_larger_src():
    """Only src's leading part, the index's shape, is written; the rest gets no gradient.
    (PyTorch's backward fails here: its gradient for src has the index's shape.)"""
    a = ember.zeros(3, 4, dtype=ember.float64, requires_grad=True)
    src = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    index = ember.tensor(SCATTER[:, :3])
    assert ember.autograd.gradcheck(lambda a, s: a.scatter(0, index, s), [a, src])
    a.scatter(0, index, src).sum().backward()
    assert src.grad[:2, :3].eq(1).all() and src.grad[2:].eq(0).all() and src.grad[:, 3:].eq(
        0).all()


def test_scatter_prod_with_one_zero_per_group(torch):
    """A zero alone in its group gets the product of the others; other elements, through the
    zero, get 0 (gradcheck and PyTorch agree)."""
    src = np.array([[0.0, 2.0], [3.0, 0.5], [1.5, -2.0]])
    index = np.array([[0, 1], [0, 0], [1, 1]])
    base = np.array([[2.0, -1.0], [0.0, 3.0]])

    def fn(m, a, s):
        return m.scatter_reduce(a, 0, t(m, index), s, "prod")

    inputs = [ember.tensor(x, requires_grad=True) for x in (base, src)]
    assert ember.autograd.gradcheck(lambda a, s: fn(ember, a, s), inputs)
    assert ember.autograd.gradgradcheck(lambda a, s: fn(ember, a, s), inputs)
    theirs = [torch.tensor(x, requires_grad=True) for x in (base, src)]
    fn(ember, *inputs).sum().backward()
    fn(torch, *theirs).sum().backward()
    for x, y in zip(inputs, theirs):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy())


INT = [[3, 1, 2], [0, 5, 4]]
NONDIFF = [
    ("nonzero", lambda m: m.nonzero(m.tensor([[1, 0], [0, 2]]))),
    ("nonzero_tuple", lambda m: m.tensor([[1, 0], [0, 2]]).nonzero(as_tuple=True)),
    ("nonzero_0d", lambda m: m.nonzero(m.tensor(5.0))),
    ("nonzero_0d_zero", lambda m: m.nonzero(m.tensor(0.0))),
    ("nonzero_0d_tuple", lambda m: m.nonzero(m.tensor(5.0), as_tuple=True)),
    ("nonzero_empty", lambda m: m.nonzero(m.zeros(0, 3))),
    ("argwhere", lambda m: m.argwhere(m.tensor([[0.0, 1.5], [2.0, 0.0]]))),
    ("where_one_argument", lambda m: m.where(m.tensor([[1, 0], [0, 2]]))),
    ("where_method", lambda m: m.tensor([1.0, 2.0]).where(m.tensor([True, False]), 0.5)),
    ("gather_int", lambda m: m.gather(m.tensor(INT), 1, m.tensor([[2, 2], [0, 1]]))),
    ("gather_int32_index", lambda m: m.gather(m.tensor(INT), 1, m.tensor([[1]], dtype=m.int32))),
    ("gather_0d", lambda m: m.gather(m.tensor(5.0), 0, m.tensor(0))),
    ("gather_0d_to_1d", lambda m: m.gather(m.tensor(5.0), 0, m.tensor([0, 0]))),
    ("scatter_value_int", lambda m: m.tensor(INT).scatter(1, m.tensor([[1]]), 2.7)),
    ("scatter_add_multiply", lambda m: m.ones(3).scatter(0, m.tensor([0, 0]), 2.0,
                                                         reduce="multiply")),
    ("scatter_reduce_add", lambda m: m.zeros(3).scatter(0, m.tensor([0, 0, 2]),
                                                        m.tensor([1.0, 2.0, 3.0]), reduce="add")),
    ("scatter_mean_int", lambda m: m.tensor([1, 2, 3]).scatter_reduce(
        0, m.tensor([0, 0]), m.tensor([4, 4]), reduce="mean")),
    ("scatter_mean_int_neg", lambda m: m.tensor([-1, 2, 3]).scatter_reduce(
        0, m.tensor([0, 0]), m.tensor([-4, -4]), reduce="mean")),
    ("scatter_amax_noself_int", lambda m: m.tensor([1, 2, 3]).scatter_reduce(
        0, m.tensor([0, 0]), m.tensor([-4, -5]), "amax", include_self=False)),
    ("scatter_amin_noself_uint8", lambda m: m.tensor([9, 2], dtype=m.uint8).scatter_reduce(
        0, m.tensor([0]), m.tensor([7], dtype=m.uint8), "amin", include_self=False)),
    ("index_select_int32", lambda m: m.tensor(INT).index_select(1, m.tensor([2, 0],
                                                                            dtype=m.int32))),
    ("index_select_0d_index", lambda m: m.tensor(INT).index_select(0, m.tensor(1))),
    ("index_add_0d_index", lambda m: m.zeros(3, 2).index_add(0, m.tensor(1), m.ones(1, 2))),
    ("index_copy_repeats", lambda m: m.zeros(3).index_copy(0, m.tensor([0, 0]),
                                                           m.tensor([1.0, 2.0]))),
    ("index_fill_negative", lambda m: m.zeros(3, 2).index_fill(0, m.tensor([-1]), 7.0)),
    ("index_fill_int", lambda m: m.tensor(INT).index_fill(1, m.tensor([1]), 2.7)),
    ("index_put_bool", lambda m: m.zeros(2, 2).index_put((m.tensor([[True, False], [False, True]]),
                                                          ), m.tensor(3.0))),
    ("index_put__function", lambda m: m.index_put_(m.zeros(3), (m.tensor([0, 0]),),
                                                   m.tensor([1.0, 2.0]), True)),
    ("masked_fill_int_float_value", lambda m: m.tensor(INT).masked_fill(m.tensor(True), -2.7)),
    ("masked_fill_int_tensor_value", lambda m: m.tensor(INT).masked_fill(
        m.tensor([True, False, True]), m.tensor(1.5))),
    ("masked_fill_float64_value", lambda m: m.zeros(2).masked_fill(
        m.tensor([True, False]), m.tensor(1 / 3, dtype=m.float64))),
    ("masked_fill_bool", lambda m: m.zeros(3, dtype=m.bool).masked_fill(
        m.tensor([True, False, True]), 2)),
    ("masked_fill_uint8_wraps", lambda m: m.zeros(2, dtype=m.uint8).masked_fill(
        m.tensor([True, False]), -1)),
    ("masked_fill_float16_inf", lambda m: m.zeros(2, dtype=m.float16).masked_fill(
        m.tensor([True, False]), float("-inf"))),
    ("masked_fill_int_value_into_float", lambda m: m.zeros(2).masked_fill(
        m.tensor([True, False]), m.tensor(3))),
    ("masked_select_int", lambda m: m.masked_select(m.tensor(INT), m.tensor([True, False, True]))),
    ("masked_scatter_short", lambda m: m.zeros(2, 3).masked_scatter(
        m.tensor([True, False, True]), m.arange(10.0))),
    ("take_0d_index", lambda m: m.take(m.tensor(INT), m.tensor(4))),
    ("take_along_dim_negative", lambda m: m.take_along_dim(m.arange(6.0).reshape(2, 3),
                                                           m.tensor([[-1]]), dim=1)),
    ("put_negative", lambda m: m.zeros(2, 2).put(m.tensor([-1]), m.tensor([1.0]))),
]


test_non_differentiable_parity = pytest.mark.filterwarnings(
    "ignore:The reduce argument of torch.scatter")(value_parity_test(NONDIFF))


def test_scatter_with_reduce_has_no_derivative():
    """As in PyTorch: scatter(..., reduce=) records a graph whose backward raises."""
    src = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="deprecated"):
        out = ember.zeros(3).scatter(0, ember.tensor([0, 0]), src, reduce="add")
    with pytest.raises(RuntimeError, match="not implemented"):
        out.sum().backward()


@pytest.mark.parametrize("make_out", [
    lambda m: m.gather(m.arange(6.0).reshape(2, 3), 1, m.tensor([[2, 0]]), out=m.empty(0)),
    lambda m: m.index_select(m.arange(6.0).reshape(2, 3), 1, m.tensor([2, 0]), out=m.empty(0)),
    lambda m: m.masked_select(m.arange(3.0), m.tensor([True, False, True]), out=m.empty(0)),
    lambda m: m.take(m.arange(3.0), m.tensor([2, 2]), out=m.empty(0)),
    lambda m: m.nonzero(m.tensor([0, 3]), out=m.empty(0, dtype=m.int64)),
    lambda m: m.scatter_add(m.zeros(3), 0, m.tensor([1, 1]), m.ones(2), out=m.empty(0)),
])
def test_out_keyword(torch, make_out):
    assert_same(make_out(ember), make_out(torch))


def test_inplace_forms_write_into_the_tensor():
    a = ember.zeros(3, 2)
    returned = a.index_add_(0, ember.tensor([2, 2]), ember.ones(2, 2))
    assert returned is a and a.tolist() == [[0, 0], [0, 0], [2, 2]] and a._version == 1
    leaf = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.scatter_(0, ember.tensor([0]), ember.ones(1))


ERRORS = [
    ("gather_list", lambda m: m.gather([1.0, 2.0], 0, m.tensor([0]))),
    ("index_select_list", lambda m: m.index_select([1.0, 2.0], 0, m.tensor([0]))),
    ("index_copy_ndim", lambda m: m.zeros(2, 3).index_copy(0, m.tensor([1]), m.ones(3))),
    ("index_copy_count", lambda m: m.zeros(2, 3).index_copy(0, m.tensor([1]), m.ones(2, 3))),
    ("index_copy_slice_shape", lambda m: m.zeros(2, 3).index_copy(0, m.tensor([1]),
                                                                  m.ones(1, 2))),
    ("masked_scatter_list_source", lambda m: m.zeros(2).masked_scatter(m.tensor([True, True]),
                                                                       [1.0, 2.0])),
    ("masked_select_list", lambda m: m.masked_select([1.0, 2.0], m.tensor([True, False]))),
    ("gather_index_float", lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[1.0]]))),
    ("gather_out_of_range", lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[3]]))),
    ("gather_negative", lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[-1]]))),
    ("gather_ndim", lambda m: m.gather(m.zeros(2, 3), 0, m.tensor([0]))),
    ("gather_index_too_big", lambda m: m.gather(m.zeros(2, 3), 0, m.zeros(2, 4, dtype=m.long))),
    ("scatter_dtype", lambda m: m.zeros(2, 3).scatter(0, m.zeros(1, 3, dtype=m.long),
                                                      m.zeros(1, 3, dtype=m.float64))),
    ("scatter_src_too_small", lambda m: m.zeros(3, 4).scatter(0, m.zeros(3, 4, dtype=m.long),
                                                              m.zeros(2, 4))),
    ("scatter_out_of_range", lambda m: m.zeros(3).scatter(0, m.tensor([3]), m.zeros(1))),
    ("scatter_bad_reduce", lambda m: m.zeros(3).scatter(0, m.tensor([1]), m.zeros(1),
                                                        reduce="max")),
    ("scatter_add_out_of_range", lambda m: m.zeros(3).scatter_add(0, m.tensor([5]), m.ones(1))),
    ("index_select_float", lambda m: m.zeros(3).index_select(0, m.tensor([0.0]))),
    ("index_select_2d", lambda m: m.zeros(3).index_select(0, m.tensor([[0]]))),
    ("index_select_out_of_range", lambda m: m.zeros(3).index_select(0, m.tensor([3]))),
    ("index_select_negative", lambda m: m.zeros(3).index_select(0, m.tensor([-1]))),
    ("index_add_count", lambda m: m.zeros(3, 2).index_add(0, m.tensor([0, 1]), m.ones(3, 2))),
    ("index_add_shape", lambda m: m.zeros(3, 2).index_add(0, m.tensor([1]), m.ones(1, 3))),
    ("index_add_out_of_range", lambda m: m.zeros(3, 2).index_add(0, m.tensor([5]),
                                                                 m.ones(1, 2))),
    ("index_copy_int32", lambda m: m.zeros(3).index_copy(0, m.tensor([0], dtype=m.int32),
                                                         m.ones(1))),
    ("index_copy_negative", lambda m: m.zeros(3).index_copy(0, m.tensor([-1]), m.ones(1))),
    ("index_fill_int32", lambda m: m.zeros(3).index_fill(0, m.tensor([0], dtype=m.int32), 1.0)),
    ("index_fill_1d_value", lambda m: m.zeros(3).index_fill(0, m.tensor([0]), m.tensor([1.0]))),
    ("index_put_not_tuple", lambda m: m.zeros(3).index_put(m.tensor([0]), m.tensor([1.0]))),
    ("index_put_dtype", lambda m: m.zeros(3).index_put((m.tensor([0]),), m.tensor([1]))),
    ("index_put_number", lambda m: m.zeros(3).index_put((m.tensor([0]),), 1.0)),
    ("index_put_none", lambda m: m.zeros(2, 3).index_put((None, m.tensor([1])), m.tensor(5.0))),
    ("masked_fill_not_bool", lambda m: m.zeros(3).masked_fill(m.tensor([1, 0, 1]), 1.0)),
    ("masked_fill_mask_not_tensor", lambda m: m.zeros(2).masked_fill([True, False], 1.0)),
    ("masked_fill_1d_value", lambda m: m.zeros(3).masked_fill(m.tensor([True, False, True]),
                                                              m.ones(3))),
    ("masked_fill_string", lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), "a")),
    ("masked_fill_int8_overflow", lambda m: m.zeros(2, dtype=m.int8).masked_fill(
        m.tensor([True, False]), 1000)),
    ("masked_fill_nan_into_int", lambda m: m.zeros(2, dtype=m.long).masked_fill(
        m.tensor([True, False]), float("nan"))),
    ("masked_fill_float32_overflow", lambda m: m.zeros(2).masked_fill(m.tensor([True, False]),
                                                                      1e40)),
    ("masked_fill_huge_int", lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), 2**70)),
    ("masked_fill_inplace_bcast", lambda m: m.zeros(3).masked_fill_(
        m.tensor([[True, False, True]]), 1.0)),
    ("scatter_value_overflow", lambda m: m.zeros(3, dtype=m.int8).scatter(0, m.tensor([0]),
                                                                          1000)),
    ("index_fill_overflow", lambda m: m.zeros(3, dtype=m.int8).index_fill(0, m.tensor([0]),
                                                                          -129)),
    ("masked_select_not_bool", lambda m: m.zeros(3).masked_select(m.tensor([1, 0, 1]))),
    ("masked_scatter_too_few", lambda m: m.zeros(3).masked_scatter(m.tensor([True, True, True]),
                                                                   m.ones(2))),
    ("masked_scatter_dtype", lambda m: m.zeros(3).masked_scatter(m.tensor([True, False, True]),
                                                                 m.arange(3))),
    ("masked_scatter_inplace_bcast", lambda m: m.zeros(2).masked_scatter_(
        m.tensor([[True, False], [False, True]]), m.arange(3.0))),
    ("take_out_of_range", lambda m: m.take(m.zeros(3), m.tensor([3]))),
    ("take_float", lambda m: m.take(m.zeros(3), m.tensor([1.0]))),
    ("take_along_dim_float", lambda m: m.take_along_dim(m.zeros(2, 3), m.tensor([[1.0]]), 1)),
    ("take_along_dim_ndim", lambda m: m.take_along_dim(m.zeros(3, 1), m.zeros(2, dtype=m.long),
                                                       0)),
    ("take_along_dim_bcast", lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[0], [1]]), 1)),
    ("gather_out_dtype", lambda m: m.gather(m.zeros(2), 0, m.tensor([1]),
                                            out=m.zeros(1, dtype=m.float64))),
    ("nonzero_out_dtype", lambda m: m.nonzero(m.zeros(2), out=m.zeros(0, dtype=m.int32))),
]


test_errors_as_pytorch = pytest.mark.filterwarnings(
    "ignore:The reduce argument of torch.scatter")(error_parity_test(ERRORS))


def test_error_messages_name_the_problem():
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 0 with size 3"):
        ember.zeros(3).scatter(0, ember.tensor([3]), ember.zeros(1))
    with pytest.raises(RuntimeError, match="Number of indices"):
        ember.zeros(3, 2).index_add(0, ember.tensor([0, 1]), ember.ones(3, 2))
    with pytest.raises(IndexError, match="tried to access index 3 on a tensor of 3 elements"):
        ember.take(ember.zeros(3), ember.tensor([3]))
    with pytest.raises(RuntimeError, match="masked_fill_: value 1000 cannot be converted to type "
                                           "ember.int8 without overflow"):
        ember.zeros(2, dtype=ember.int8).masked_fill(ember.tensor([True, False]), 1000)
    with pytest.raises(RuntimeError, match="only supports boolean masks, but got mask with dtype "
                                           "ember.int64"):
        ember.zeros(2).masked_fill(ember.tensor([1, 0]), 1.0)


test_grad_fn_names_are_torch_names = node_name_test([
    lambda m, x: x.scatter(0, m.tensor([[1, 0, 1]]), x * 2),
    lambda m, x: x.scatter_reduce(1, m.tensor([[0, 0, 1]]), x * 2, "amax"),
    lambda m, x: x.gather(1, m.tensor([[0, 0]])),
    lambda m, x: x.masked_fill(m.tensor([True, False, True]), 1.0),
    lambda m, x: (x * 1).masked_fill_(m.tensor([True, False, True]), 2.0),
])


def test_scatter_prod_with_zeros_sharing_a_group_differentiates_twice(torch):
    """Two zeros of src in one group: each one's gradient is 0, and its derivative with respect
    to the other is the product of the rest (PyTorch raises on this double backward)."""
    src = np.array([[0.0, 2.0], [0.0, 0.5], [1.5, 0.0]])
    index = np.array([[0, 1], [0, 1], [0, 1]])
    base = np.array([[2.0, -1.0], [0.5, 3.0]])
    inputs = [ember.tensor(x, requires_grad=True) for x in (base, src)]
    fn = lambda a, s: ember.scatter_reduce(a, 0, ember.tensor(index), s, "prod")  # noqa: E731
    assert ember.autograd.gradcheck(fn, inputs)
    assert ember.autograd.gradgradcheck(fn, inputs)
    theirs = [torch.tensor(x, requires_grad=True) for x in (base, src)]
    torch.scatter_reduce(theirs[0], 0, torch.tensor(index), theirs[1], "prod").sum().backward()
    fn(*inputs).sum().backward()
    for x, y in zip(inputs, theirs):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy())
