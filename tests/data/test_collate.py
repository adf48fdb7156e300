"""default_collate / default_convert give what torch's give, type for type and dtype for dtype."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import ember
from ember.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def _plain(x):
    """A comparable picture of a (possibly nested) collate result, for ember and torch alike."""
    if isinstance(x, ember.Tensor) or type(x).__name__ == "Tensor":
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, Point):
        return ("Point", *(_plain(v) for v in x))
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


SAMPLES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "strings": ["a", "b"],
    "numpy float32 scalars": [np.float32(1.5), np.float32(2)],
    "numpy int32 scalars": [np.int32(1), np.int32(7)],
    "uint8 arrays": [np.arange(4, dtype=np.uint8), np.ones(4, np.uint8)],
    "float64 arrays": [np.zeros((2, 3)), np.ones((2, 3))],
    "tuples": [(1, 0.5, "a"), (2, 1.5, "b")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"x": 1, "y": np.float32(2)}, {"x": 3, "y": np.float32(4)}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [{"p": (np.ones(2, np.int64), [1.0])}, {"p": (np.zeros(2, np.int64), [2.0])}],
    "bytes": [b"a", b"b"],
    "dicts of strings": [{"name": "a", "label": 1}, {"name": "b", "label": 0}],
    "namedtuples of strings": [Point("a", np.float64(1)), Point("b", np.float64(2))],
    "nested dicts": [{"a": {"b": [1.0], "c": "x"}}, {"a": {"b": [2.0], "c": "y"}}],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_matches_torch(torch, name):
    from torch.utils.data import default_collate as torch_collate

    batch = SAMPLES[name]
    assert _plain(default_collate(batch)) == _plain(torch_collate(batch))


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
def test_tensors_are_stacked(torch, dtype):
    from torch.utils.data import default_collate as torch_collate

    arrays = [np.arange(6).reshape(2, 3).astype(dtype), np.ones((2, 3), dtype)]
    ours = default_collate([ember.from_numpy(a) for a in arrays])
    theirs = torch_collate([torch.from_numpy(a) for a in arrays])
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_convert_matches_torch(torch, name):
    from torch.utils.data import default_convert as torch_convert

    sample = SAMPLES[name][0]
    assert _plain(default_convert(sample)) == _plain(torch_convert(sample))


def test_stacking_keeps_autograd():
    a = ember.ones(3, requires_grad=True)
    batch = default_collate([a, a * 2])
    batch.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.full(3, 3.0, np.float32))


def test_unequal_shapes_name_the_samples():
    with pytest.raises(RuntimeError, match=r"sample 0 has shape \(3,\), sample 2 has \(4,\)"):
        default_collate([ember.zeros(3), ember.zeros(3), ember.zeros(4)])


def test_unequal_lengths():
    with pytest.raises(RuntimeError, match="should be of equal size"):
        default_collate([[1, 2], [3]])


@pytest.mark.parametrize("batch", [[object(), object()], [np.array(["a"]), np.array(["b"])],
                                   [None, None]])
def test_unsupported_types(batch):
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate(batch)
