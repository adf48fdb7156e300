"""A list in an index, read as PyTorch 2.13 reads it: a list holding a sequence, tensor, slice,
None or Ellipsis is a tuple of indices (with PyTorch's deprecation warning); any other list is an
integer (or boolean) index, an empty one included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember

CASES = [
    ("pairs", lambda m: [[0, 1], [1, 2]], True),
    ("one_row_list", lambda m: [[0, 1]], True),
    ("empty_in_list", lambda m: [[]], True),
    ("nested_empty", lambda m: [[[]]], True),
    ("nested_one", lambda m: [[[0]]], True),
    ("zero_dim_tensor", lambda m: [m.tensor(1)], True),
    ("tensor", lambda m: [m.tensor([0, 2])], True),
    ("int_and_slice", lambda m: [0, slice(None)], True),
    ("none", lambda m: [None], True),
    ("int_and_none", lambda m: [0, None], True),
    ("ellipsis", lambda m: [Ellipsis, 1], True),
    ("ints", lambda m: [1, 2], False),
    ("empty", lambda m: [], False),
    ("bools", lambda m: [True, False, True], False),
    ("tuple_of_tensor_and_list", lambda m: (m.tensor([0, 1]), [1, 2]), False),
]


@pytest.mark.parametrize("name, index, as_tuple", CASES, ids=[c[0] for c in CASES])
def test_list_indices_read_and_write_as_in_torch(torch, name, index, as_tuple):
    results = []
    for m in (ember, torch):
        x = m.arange(12.0).reshape(3, 4)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read = x[index(m)].clone()
            x[index(m)] = -1.0
        deprecations = [w for w in caught if "non-tuple sequence" in str(w.message)]
        assert len(deprecations) == (2 if as_tuple else 0), (m.__name__, caught)
        results.append((tuple(read.shape), read.numpy(), x.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])


def test_the_deprecation_warning_points_at_the_callers_line():
    x = ember.zeros(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence") as caught:
        x[[[0, 1], [1, 2]]]
    assert caught[0].filename == __file__
