"""A `range` in an index is a sequence of integers (advanced indexing), as in PyTorch: reading
and writing through it (pytorch/examples' forward-forward writes x[range(n), y] = v)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

CASES = [
    ("rows_and_int", lambda t: (range(3), 2)),
    ("rows_and_tensor", lambda t: (range(3), t.tensor([0, 4, 1]))),
    ("rows_only", lambda t: range(1, 3)),
    ("rows_and_slice", lambda t: (range(2), slice(1, 3))),
    ("reversed", lambda t: range(2, 0, -1)),
    ("empty", lambda t: range(0)),
]


@pytest.mark.parametrize("name, index", CASES, ids=[c[0] for c in CASES])
def test_range_reads_and_writes_as_in_torch(torch, name, index):
    results = []
    for m in (ember, torch):
        x = m.arange(15.0).reshape(3, 5)
        read = x[index(m)].clone()
        x[index(m)] = -1.0
        results.append((read.numpy(), x.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_writing_through_a_range_is_differentiable():
    x = ember.ones(3, 4, requires_grad=True)
    y = x * 2
    y[range(3), 1] = 0.0
    y.sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0, 2.0, 2.0]] * 3
