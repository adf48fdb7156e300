"""Constructors against PyTorch: the legacy forms (Tensor(3, 4), Tensor(data), FloatTensor, ...,
Tensor.new and the new_* methods, t.type()) and ember.tensor of nested lists of tensors, NumPy
scalars and mixed dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember


def _outcome(expr: str, m):
    """('ok', dtype name, shape, tensor), or (exception type, None, None, None)."""
    kind, out = outcome(lambda: eval(expr, {"m": m, "np": np,
                                            "x": m.tensor([1, 2], dtype=m.int32)}))
    if kind != "ok":
        return kind, None, None, None
    return "ok", str(out.dtype).split(".")[1], tuple(out.shape), out


LEGACY = [
    "m.Tensor()", "m.Tensor(3, 4)", "m.Tensor(0)", "m.Tensor([1, 2])", "m.Tensor((2, 3))",
    "m.Tensor([[1, 2], [3, 4]])", "m.Tensor(m.Size([2, 3]))", "m.Tensor(np.int64(3))",
    "m.Tensor(size=(2, 3))", "m.Tensor(data=[1])", "m.Tensor(m.tensor([1, 2]))",
    "m.Tensor(m.tensor(3.0))", "m.Tensor(2.5)", "m.Tensor(True)", "m.Tensor(2, 3.0)",
    "m.Tensor([1, 2], [3])", "m.Tensor(-1)", "m.Tensor(2, device='cpu')",
    "m.Tensor(2, device='cuda')", "m.Tensor([1.0], dtype=m.float64)",
    "m.FloatTensor(2, 3)", "m.FloatTensor([1, 2])", "m.DoubleTensor(m.Size([2]))",
    "m.DoubleTensor()", "m.LongTensor([1.7, 2])", "m.LongTensor(2, 3)",
    "m.IntTensor(np.array([1.5]))", "m.Tensor(np.array([1.5, 2]))", "m.Tensor(np.array([3, 4]))",
    "m.Tensor(np.array([True]))", "m.Tensor(np.array([1.5], dtype=np.float32))",
    "m.BoolTensor([0, 2])", "m.HalfTensor([1])", "m.ByteTensor([1, 255])", "m.CharTensor([-1])",
    "m.ShortTensor(2)", "m.FloatTensor(m.tensor([1, 2]))", "m.FloatTensor(m.tensor([1.0]))",
    "m.FloatTensor(2.5)", "m.FloatTensor(np.float64(2))", "m.FloatTensor(2, 3, device='cuda')",
    "m.FloatTensor([1], dtype=m.float64)",
    "x.new(2, 3)", "x.new([1.7, 2])", "x.new()", "x.new(m.Size([2]))", "x.new((2, 3))",
    "x.new(m.tensor([1.5]))", "x.new(np.array([1.5]))", "x.new(2, dtype=m.float64)",
    "x.new_tensor([1.7])", "x.new_tensor([1.7], dtype=m.float64)", "x.new_tensor(np.array([1.5]))",
    "x.new_tensor([1.0], requires_grad=True)", "m.zeros(2).new_tensor([1.0], requires_grad=True)",
    "x.new_empty(2, 3)", "x.new_empty((2, 3))", "x.new_empty([2, 3], dtype=m.float64)",
    "x.new_empty(size=(2,))", "x.new_zeros(2, 3)", "x.new_zeros(())",
    "x.new_ones(2, dtype=m.float64)",
    "x.new_ones(2, dtype=m.float64, requires_grad=True)", "x.new_full((2,), 1.5)",
    "x.new_full(2, 1.5)",
]


@pytest.mark.parametrize("expr", LEGACY)
def test_legacy_constructor_matches_torch(torch, expr):
    ours, theirs = _outcome(expr, ember), _outcome(expr, torch)
    if not same_kind(ours, theirs, expr):
        return
    assert ours[:3] == theirs[:3], expr
    assert ours[3].requires_grad == theirs[3].requires_grad
    uninitialised = ("new(2", "new(m.Size", "new((", "empty", "Tensor(3", "Tensor(2",
                     "Tensor(m.Size", "Tensor(size", "Tensor(np.int", "Tensor(0")
    if not any(word in expr for word in uninitialised):
        np.testing.assert_array_equal(ours[3].detach().numpy(), theirs[3].detach().numpy())


def test_tensor_of_a_tensor_is_an_alias_as_in_torch():
    a = ember.tensor([1, 2])
    alias = ember.Tensor(a)
    assert alias.dtype is ember.int64 and np.shares_memory(alias.numpy(), a.numpy())


def test_tensor_of_an_array_shares_memory_only_when_of_the_default_dtype(torch):
    for m in (ember, torch):
        single, double = np.zeros(2, np.float32), np.zeros(2)
        m.Tensor(single)[0], m.Tensor(double)[0] = 1, 1
        assert (single[0], double[0]) == (1, 0), m.__name__


def test_typed_classes_check_dtypes_with_isinstance(torch):
    for m in (ember, torch):
        assert isinstance(m.zeros(2), m.FloatTensor)
        assert not isinstance(m.zeros(2, dtype=m.int64), m.FloatTensor)
        assert isinstance(m.zeros(2, dtype=m.int64), m.LongTensor)
        assert isinstance(m.zeros(2, dtype=m.bool), m.BoolTensor)
        assert type(m.FloatTensor(2)) is m.Tensor
        assert m.FloatTensor.dtype is m.float32 and m.LongTensor.dtype is m.int64


TYPE_CALLS = [
    "m.zeros(2).type()", "m.zeros(2, dtype=m.int64).type()", "m.zeros(2, dtype=m.bool).type()",
    "m.zeros(2).type(m.LongTensor)", "m.zeros(2).type('torch.LongTensor')",
    "m.zeros(2).type(m.int64)", "m.zeros(2).type(m.DoubleTensor)",
]


@pytest.mark.parametrize("expr", TYPE_CALLS)
def test_type_matches_torch(torch, expr):
    ours = eval(expr, {"m": ember})
    theirs = eval(expr, {"m": torch})
    if isinstance(theirs, str):
        assert ours == theirs.replace("torch.", "ember.")
    else:
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]


MIXED = [
    "m.tensor([m.tensor(1.0), m.tensor(2.0)])", "m.tensor([[m.tensor(1.0), m.tensor(2.0)], "
    "[m.tensor(3.0), m.tensor(4.0)]])", "m.tensor([m.tensor(1), m.tensor(2.5)])",
    "m.tensor([m.tensor(1), 2.5])", "m.tensor([m.tensor(1, dtype=m.int32), m.tensor(2, "
    "dtype=m.int32)])", "m.tensor([m.tensor(1.0, dtype=m.float64), m.tensor(2.0)])",
    "m.tensor([m.tensor(1.0, dtype=m.float64), 2.0])",
    "m.tensor([m.tensor(1.0, dtype=m.float16), 2.0])",
    "m.tensor([m.tensor(True), 2])", "m.tensor([m.tensor(True), m.tensor(False)])",
    "m.tensor([m.tensor([1.0]), m.tensor([2.0])])", "m.tensor([[1, 2], m.tensor([3, 4])])",
    "m.tensor((m.tensor(1.0), m.tensor(2.0)))", "m.tensor([[m.tensor(1.0)], [2.0]])",
    "m.tensor([np.float64(1), np.float64(2)])", "m.tensor([np.float32(1), np.float32(2)])",
    "m.tensor([np.float16(1), np.float32(2)])", "m.tensor([np.float32(1), 2.0])",
    "m.tensor([np.int32(1), np.int32(2)])", "m.tensor([np.int32(1), 2])",
    "m.tensor([np.int32(1), 2.5])", "m.tensor([np.int64(1), np.float32(2.5)])",
    "m.tensor([np.uint8(1), np.int8(2)])", "m.tensor([[np.float64(1)], [2.0]])",
    "m.tensor([m.tensor(1.0), np.float64(2)])", "m.tensor([1, m.tensor(2.5)])",
    "m.tensor([np.array([1.0]), np.array([2.0])])",
    "m.tensor([np.array([1], dtype=np.int32), np.array([2.0])])", "m.tensor([[], []])",
    "m.tensor([[1, 2], [3]])", "m.tensor([1, [2]])",
]


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy")  # torch's
@pytest.mark.parametrize("expr", MIXED)
def test_tensor_of_mixed_leaves_matches_torch(torch, expr):
    ours, theirs = _outcome(expr, ember), _outcome(expr, torch)
    if same_kind(ours, theirs, expr):
        assert ours[:3] == theirs[:3], expr
        np.testing.assert_array_equal(ours[3].numpy(), theirs[3].numpy())


def test_tensor_of_larger_tensors_stacks_them():
    # PyTorch refuses; ember keeps its old, lenient reading (it is never a wrong answer).
    t = ember.tensor([ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])])
    assert t.shape == (2, 2) and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_tensor_of_a_long_list_of_floats_stays_fast():
    import time

    data = [float(i) for i in range(300_000)]
    start = time.perf_counter()
    t = ember.tensor(data)
    assert t.dtype is ember.float32 and t.shape == (300_000,)
    assert time.perf_counter() - start < 1.0
