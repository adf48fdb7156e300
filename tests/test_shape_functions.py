"""Triangles and diagonals (tril, triu, diag, diagflat, diag_embed, trace, the triangle
indices, fill_diagonal_), rearranging and joining (roll, fliplr, flipud, rot90, repeat, tile,
repeat_interleave, meshgrid, atleast_*d, the stacks, block_diag, cartesian_prod), splitting
(tensor_split, hsplit, vsplit, dsplit) and ravel, with the view functions that existed before
(movedim, swapaxes, narrow, unbind, unflatten, diagonal), against PyTorch."""

from __future__ import annotations

import pytest
from op_checks import (
    error_parity_test,
    smooth,
    table_tests,
    value_parity_test,
)

import ember


def meshgrid_ij(m, *xs):
    return m.meshgrid(*xs, indexing="ij")


CASES = [
    ("tensor_split_sections", lambda m, a: m.tensor_split(a, 3, dim=1), [(2, 7)], "real"),
    ("tensor_split_indices", lambda m, a: a.tensor_split([1, -1, 9], 0), [(4, 2)], "real"),
    ("hsplit", lambda m, a: m.hsplit(a, 2), [(2, 4)], "real"),
    ("hsplit_1d_indices", lambda m, a: a.hsplit([2]), [(5,)], "real"),
    ("vsplit", lambda m, a: m.vsplit(a, [1, 2]), [(3, 2)], "real"),
    ("dsplit", lambda m, a: a.dsplit(2), [(1, 2, 4)], "real"),
    ("diagflat", lambda m, a: m.diagflat(a, 1), [(2, 2)], "real"),
    ("ravel", lambda m, a: a.t().ravel(), [(2, 3)], "real"),
    ("tril", lambda m, a: m.tril(a), [(3, 4)], "real"),
    ("tril_offset_batch", lambda m, a: a.tril(-1), [(2, 3, 4)], "real"),
    ("triu", lambda m, a: m.triu(a, 1), [(4, 3)], "real"),
    ("tril_", lambda m, a: (a * 1).tril_(1), [(3, 4)], "real"),
    ("triu_", lambda m, a: (a * 1).triu_(), [(3, 3)], "real"),
    ("diag_vector", lambda m, a: m.diag(a), [(3,)], "real"),
    ("diag_vector_offset", lambda m, a: a.diag(-2), [(3,)], "real"),
    ("diag_matrix", lambda m, a: m.diag(a, 1), [(3, 4)], "real"),
    ("diag_embed", lambda m, a: m.diag_embed(a), [(2, 3)], "real"),
    ("diag_embed_offset_dims", lambda m, a: a.diag_embed(1, 0, 2), [(2, 3)], "real"),
    ("trace", lambda m, a: m.trace(a), [(3, 4)], "real"),
    ("fill_diagonal_", lambda m, a: (a * 1).fill_diagonal_(2.0), [(3, 4)], "real"),
    ("fill_diagonal_wrap", lambda m, a: (a * 1).fill_diagonal_(-1.0, wrap=True), [(5, 2)],
     "real"),
    ("diagonal", lambda m, a: a.diagonal(-1, 1, 0), [(3, 4)], "real"),
    ("roll", lambda m, a: m.roll(a, 1, 0), [(3, 4)], "real"),
    ("roll_dims", lambda m, a: a.roll((2, -1), (1, 0)), [(3, 4)], "real"),
    ("roll_flat", lambda m, a: m.roll(a, 5), [(3, 4)], "real"),
    ("fliplr", lambda m, a: m.fliplr(a), [(3, 4)], "real"),
    ("flipud", lambda m, a: a.flipud(), [(3, 4)], "real"),
    ("rot90", lambda m, a: m.rot90(a), [(3, 4)], "real"),
    ("rot90_k2", lambda m, a: a.rot90(2, (1, 2)), [(2, 3, 4)], "real"),
    ("rot90_k_minus1", lambda m, a: m.rot90(a, -1, [0, 1]), [(3, 4)], "real"),
    ("repeat", lambda m, a: a.repeat(2, 1, 3), [(3, 2)], "real"),
    ("repeat_list", lambda m, a: a.repeat([2, 2]), [(2, 3)], "real"),
    ("tile", lambda m, a: m.tile(a, (2,)), [(3, 2)], "real"),
    ("repeat_interleave", lambda m, a: m.repeat_interleave(a, 2), [(2, 3)], "real"),
    ("repeat_interleave_dim", lambda m, a: a.repeat_interleave(m.tensor([1, 0, 3]), dim=1),
     [(2, 3)], "real"),
    ("meshgrid_ij", lambda m, a, b: meshgrid_ij(m, a, b), [(3,), (4,)], "real"),
    ("meshgrid_xy", lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy"), [(2,), (3,), (2,)],
     "real"),
    ("atleast_1d", lambda m, a: m.atleast_1d(a.sum()), [(3,)], "real"),
    ("atleast_2d", lambda m, a, b: m.atleast_2d(a, b.sum()), [(3,), (2,)], "real"),
    ("atleast_3d", lambda m, a, b: m.atleast_3d([a, b]), [(3,), (2, 2)], "real"),
    ("hstack", lambda m, a, b: m.hstack([a, b]), [(3,), (2,)], "real"),
    ("hstack_2d", lambda m, a, b: m.hstack((a, b)), [(3, 1), (3, 2)], "real"),
    ("vstack", lambda m, a, b: m.vstack([a, b]), [(3,), (2, 3)], "real"),
    ("row_stack", lambda m, a, b: m.row_stack([a, b]), [(3,), (3,)], "real"),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [(3,), (3,)], "real"),
    ("column_stack", lambda m, a, b, c: m.column_stack([a, b, c.sum()]), [(1,), (1, 2), (2,)],
     "real"),
    ("block_diag", lambda m, a, b, c: m.block_diag(a.sum(), b, c), [(2,), (2,), (2, 3)], "real"),
    ("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), [(2,), (3,)], "real"),
    ("movedim", lambda m, a: m.movedim(a, (0, 2), (2, 0)), [(2, 3, 4)], "real"),
    ("moveaxis", lambda m, a: a.moveaxis(-1, 0), [(2, 3, 4)], "real"),
    ("swapaxes", lambda m, a: m.swapaxes(a, 0, -1), [(2, 3, 4)], "real"),
    ("narrow", lambda m, a: m.narrow(a, -1, 1, 2), [(2, 4)], "real"),
    ("unbind", lambda m, a: m.unbind(a, -1), [(2, 3)], "real"),
    ("unflatten", lambda m, a: a.unflatten(1, (2, -1)), [(2, 6)], "real"),
]
GRADCHECK_CASES = smooth(CASES)  # see tests/test_op_coverage.py
(test_gradcheck, test_gradgradcheck, test_double_backward_parity,
 test_parity) = table_tests(CASES)


INF = float("inf")
NONDIFF = [
    ("tensor_split_tensor_sections", lambda m: m.tensor_split(m.arange(10), m.tensor(4))),
    ("tensor_split_tensor_indices", lambda m: m.arange(10).tensor_split(m.tensor([3, 3, 20]))),
    ("tensor_split_more_sections", lambda m: m.tensor_split(m.arange(2), 4)),
    ("diagflat_int_negative", lambda m: m.diagflat(m.tensor([[1, 2], [3, 4]]), -1)),
    ("ravel_0d", lambda m: m.ravel(m.tensor(3))),
    ("roll_empty_dims", lambda m: m.roll(m.tensor([[1, 2], [3, 4]]), 1, [])),
    ("repeat_interleave_output_size", lambda m: m.repeat_interleave(m.tensor([1, 2]),
                                                                    output_size=3)),
    ("repeat_interleave_int32_counts", lambda m: m.repeat_interleave(
        m.tensor([5, 6]), m.tensor([2, 1], dtype=m.int32), dim=0, output_size=3)),
    ("tril_inf", lambda m: m.tril(m.full((2, 2), INF))),
    ("triu_int", lambda m: m.triu(m.arange(9).reshape(3, 3), -1)),
    ("tril_bool", lambda m: m.tril(m.ones(2, 3, dtype=m.bool))),
    ("tril_indices", lambda m: m.tril_indices(3, 4, 1)),
    ("triu_indices", lambda m: m.triu_indices(3, 3, -1)),
    ("tril_indices_int32", lambda m: m.tril_indices(2, 2, dtype=m.int32)),
    ("triu_indices_empty", lambda m: m.triu_indices(0, 3)),
    ("diag_int", lambda m: m.diag(m.tensor([1, 2]), 1)),
    ("trace_int", lambda m: m.trace(m.ones(2, 2, dtype=m.int32))),
    ("fill_diagonal_tall", lambda m: m.zeros(7, 3).fill_diagonal_(1.0)),
    ("fill_diagonal_tall_wrap", lambda m: m.zeros(7, 3, dtype=m.int32).fill_diagonal_(
        2.5, wrap=True)),
    ("fill_diagonal_wide_wrap", lambda m: m.zeros(3, 5).fill_diagonal_(1, True)),
    ("fill_diagonal_cube", lambda m: m.zeros(3, 3, 3).fill_diagonal_(7.0)),
    ("diag_embed_int", lambda m: m.diag_embed(m.tensor([[1, 2]]), -1)),
    ("roll_0d", lambda m: m.roll(m.tensor(3.0), 1)),
    ("roll_int", lambda m: m.tensor([[1, 2, 3]]).roll(-1, 1)),
    ("rot90_k0", lambda m: m.rot90(m.tensor([[1, 2], [3, 4]]), 4)),
    ("repeat_0d", lambda m: m.tensor(3.0).repeat(2, 2)),
    ("repeat_zero", lambda m: m.tensor([1, 2]).repeat(0, 2)),
    ("tile_0d", lambda m: m.tile(m.tensor(3.0), (2,))),
    ("repeat_interleave_counts", lambda m: m.repeat_interleave(m.tensor([1, 2, 0]))),
    ("repeat_interleave_0d_tensor", lambda m: m.tensor([[1, 2]]).repeat_interleave(
        m.tensor(2), dim=1)),
    ("meshgrid_0d", lambda m: m.meshgrid(m.tensor(2), m.arange(3), indexing="ij")),
    ("meshgrid_list", lambda m: m.meshgrid([m.arange(2), m.arange(3)], indexing="xy")),
    ("atleast_1d_tuple", lambda m: m.atleast_1d(m.tensor(1), m.tensor([2]))),
    ("atleast_3d_0d", lambda m: m.atleast_3d(m.tensor(1.0))),
    ("hstack_0d", lambda m: m.hstack([m.tensor(1), m.tensor(2)])),
    ("hstack_promotes", lambda m: m.hstack([m.tensor(1), m.tensor([2.0])])),
    ("column_stack_0d", lambda m: m.column_stack([m.tensor(1), m.tensor(2)])),
    ("hstack_out", lambda m: m.hstack([m.tensor([1.0]), m.tensor([2.0])],
                                      out=m.empty(0, dtype=m.float64))),
    ("block_diag_none", lambda m: m.block_diag()),
    ("block_diag_int_float", lambda m: m.block_diag(m.tensor([[1]]), m.tensor([2.5]))),
    ("block_diag_empty_block", lambda m: m.block_diag(m.ones(0, 2), m.ones(1))),
    ("cartesian_prod_one", lambda m: m.cartesian_prod(m.tensor([1, 2]))),
    ("cartesian_prod_int", lambda m: m.cartesian_prod(m.tensor([1, 2]), m.tensor([3, 4, 5]))),
    ("tril_out", lambda m: m.tril(m.ones(2, 2), out=m.empty(0))),
    ("diag_out", lambda m: m.diag(m.tensor([1.0, 2.0]), out=m.empty(3))),
]


test_non_differentiable_parity = pytest.mark.filterwarnings(
    "ignore:An output with one or more elements was resized")(value_parity_test(NONDIFF))


def test_views_stay_views():
    a = ember.arange(6.0)
    assert ember.atleast_2d(a)._base is a
    assert ember.meshgrid(a, a, indexing="ij")[0]._base is a
    assert ember.diag(ember.ones(3, 3))._base is None  # diag copies, as in PyTorch


def test_meshgrid_without_indexing_warns_as_pytorch():
    with pytest.warns(UserWarning, match="indexing argument"):
        grids = ember.meshgrid(ember.arange(2), ember.arange(3))
    assert grids[0].shape == (2, 3)


ERRORS = [
    ("flip_repeated_dim", lambda m: m.flip(m.ones(2, 2), (0, -2))),
    ("flip_dim_out_of_range", lambda m: m.flip(m.ones(2), (1,))),
    ("tensor_split_0d", lambda m: m.tensor_split(m.tensor(1.0), 1)),
    ("tensor_split_zero_sections", lambda m: m.tensor_split(m.ones(3), 0)),
    ("tensor_split_float_tensor", lambda m: m.tensor_split(m.ones(3), m.tensor([1.0]))),
    ("tensor_split_2d_tensor", lambda m: m.tensor_split(m.ones(3), m.tensor([[1]]))),
    ("hsplit_indivisible", lambda m: m.hsplit(m.ones(2, 5), 2)),
    ("hsplit_0d", lambda m: m.hsplit(m.tensor(1.0), 1)),
    ("vsplit_1d", lambda m: m.vsplit(m.ones(4), 2)),
    ("dsplit_2d", lambda m: m.dsplit(m.ones(2, 2), 1)),
    ("tril_list", lambda m: m.tril([[1, 2], [3, 4]])),
    ("tril_indices_negative", lambda m: m.tril_indices(-1, 3)),
    ("triu_indices_negative_col", lambda m: m.triu_indices(3, -1)),
    ("tril_indices_float", lambda m: m.tril_indices(3, 3, dtype=m.float32)),
    ("triu_indices_int8", lambda m: m.triu_indices(3, 3, dtype=m.int8)),
    ("roll_no_shifts", lambda m: m.roll(m.ones(2), [])),
    ("repeat_interleave_float_counts", lambda m: m.repeat_interleave(m.ones(2),
                                                                     m.tensor([1.0, 2.0]), dim=0)),
    ("repeat_interleave_counts_2d", lambda m: m.repeat_interleave(m.tensor([[1, 2]]))),
    ("repeat_interleave_counts_0d", lambda m: m.repeat_interleave(m.tensor(3))),
    ("repeat_interleave_counts_negative", lambda m: m.repeat_interleave(m.tensor([-1]))),
    ("repeat_interleave_output_size", lambda m: m.repeat_interleave(m.ones(2), 2, dim=0,
                                                                    output_size=3)),
    ("repeat_interleave_counts_output_size", lambda m: m.repeat_interleave(
        m.tensor([1, 2]), output_size=2)),
    ("tril_1d", lambda m: m.tril(m.ones(3))),
    ("triu_out_dtype", lambda m: m.triu(m.ones(2, 2), out=m.empty(0, dtype=m.float64))),
    ("diag_3d", lambda m: m.diag(m.ones(2, 2, 2))),
    ("diag_embed_same_dims", lambda m: m.diag_embed(m.ones(2), 0, 1, 1)),
    ("trace_1d", lambda m: m.trace(m.ones(2))),
    ("trace_bool", lambda m: m.trace(m.ones(2, 2, dtype=m.bool))),
    ("fill_diagonal_1d", lambda m: m.zeros(3).fill_diagonal_(1.0)),
    ("fill_diagonal_unequal", lambda m: m.zeros(2, 3, 3).fill_diagonal_(1.0)),
    ("fill_diagonal_overflow", lambda m: m.zeros(2, 2, dtype=m.int8).fill_diagonal_(1000)),
    ("fill_diagonal_leaf", lambda m: m.zeros(2, 2, requires_grad=True).fill_diagonal_(1.0)),
    ("roll_mismatch", lambda m: m.roll(m.ones(2, 3), (1, 2), (0,))),
    ("roll_0d_dim", lambda m: m.roll(m.tensor(3.0), 1, 0)),
    ("fliplr_1d", lambda m: m.fliplr(m.ones(3))),
    ("flipud_0d", lambda m: m.flipud(m.tensor(3.0))),
    ("rot90_same_dims", lambda m: m.rot90(m.ones(2, 2), 1, (0, 0))),
    ("rot90_1d", lambda m: m.rot90(m.ones(2))),
    ("repeat_fewer", lambda m: m.ones(2, 3).repeat(2)),
    ("repeat_negative", lambda m: m.ones(2, 3).repeat(-1, 1)),
    ("repeat_interleave_length", lambda m: m.ones(2, 3).repeat_interleave(m.tensor([1, 2, 3]),
                                                                          dim=0)),
    ("repeat_interleave_negative", lambda m: m.repeat_interleave(m.ones(2), -1)),
    ("meshgrid_dtypes", lambda m: m.meshgrid(m.zeros(2), m.arange(3), indexing="ij")),
    ("meshgrid_2d", lambda m: m.meshgrid(m.zeros(2, 2), m.zeros(3), indexing="ij")),
    ("hstack_empty", lambda m: m.hstack([])),
    ("hstack_tensor", lambda m: m.hstack(m.arange(3))),
    ("block_diag_3d", lambda m: m.block_diag(m.ones(1, 1, 1))),
    ("cartesian_prod_2d", lambda m: m.cartesian_prod(m.ones(2, 2))),
    ("narrow_out_of_range", lambda m: m.narrow(m.ones(3), 0, 2, 2)),
    ("unbind_0d", lambda m: m.unbind(m.tensor(1.0))),
    ("unflatten_sizes", lambda m: m.unflatten(m.ones(6), 0, (4, 2))),
    ("movedim_repeated", lambda m: m.movedim(m.ones(2, 3), (0, 0), (0, 1))),
]


test_errors_as_pytorch = error_parity_test(ERRORS)
