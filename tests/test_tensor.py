"""ember.Tensor itself: attributes, conversions, repr (against PyTorch's), dtype casts, Python
protocols, __setitem__ and the in-place methods."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import ember


def test_attributes():
    t = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.data, ember.Tensor) and not t.data.requires_grad
    assert np.shares_memory(t.data.numpy(), t.numpy()) and t.numpy().dtype == np.float32
    assert t.shape == (2, 3) and isinstance(t.shape, ember.Size) and t.shape.numel() == 6
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(-1) == 3
    assert t.dtype is ember.float32 and t.dtype.np == np.float32
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and len(t) == 2
    assert t.grad is None and t.grad_fn is None and not t.requires_grad and t.is_leaf
    assert repr(t.shape) == "ember.Size([2, 3])"


def test_tensor_constructor_makes_float32():
    assert ember.Tensor([1, 2]).dtype is ember.float32


def test_autograd_attributes():
    x = ember.ones(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert re.fullmatch(r"<\w*Mul\w*Backward\w*>", repr(y.grad_fn))
    assert y.grad_fn.parents[0] is x
    z = y.detach()
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    assert np.shares_memory(z.numpy(), y.detach().numpy())  # detach shares storage, as in PyTorch


def test_numpy_item_tolist_array():
    t = ember.tensor([[1, 2], [3, 4]])
    a = t.numpy()
    assert a.dtype == np.int64 and np.shares_memory(a, t.detach().numpy())
    assert t.tolist() == [[1, 2], [3, 4]] and type(t.tolist()[0][0]) is int
    assert ember.tensor(2.5).item() == 2.5 and type(ember.tensor(2.5).item()) is float
    assert type(ember.tensor(3).item()) is int and ember.tensor(True).item() is True
    assert ember.tensor([[7.0]]).item() == 7.0
    with pytest.raises(RuntimeError, match="2 elements"):
        ember.tensor([1.0, 2.0]).item()
    np.testing.assert_array_equal(np.asarray(t), [[1, 2], [3, 4]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(t), t.detach().numpy())
    with pytest.raises(RuntimeError, match="detach"):
        ember.ones(2, requires_grad=True).numpy()


def test_len_and_iteration():
    t = ember.arange(6).reshape(3, 2)
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, ember.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError):
        iter(ember.tensor(1.0))


def test_iteration_is_differentiable():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    total = sum(v * i for i, v in enumerate(x))
    total.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 2.0])


def test_clone_copies_and_keeps_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    assert c.requires_grad and not c.is_leaf
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    plain = ember.tensor([1, 2])
    copy = plain.clone()
    copy[0] = 9
    assert plain.tolist() == [1, 2]


def test_requires_grad_and_retain_grad():
    x = ember.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad_()
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


@pytest.mark.parametrize("method, dtype", [
    ("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"),
    ("bool", "bool"),
])
def test_cast_methods(method, dtype):
    t = ember.tensor([-1.5, 0.0, 2.7], dtype=ember.float64)
    out = getattr(t, method)()
    assert out.dtype is getattr(ember, dtype) and out.detach().numpy().dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), t.numpy().astype(dtype))
    assert out.to(t.dtype).dtype is ember.float64


def test_to():
    t = ember.tensor([1, 2])
    assert t.to(ember.float64).dtype is ember.float64
    assert t.to(dtype=ember.float32).dtype is ember.float32
    assert t.to("cpu") is t and t.to(t) is t
    assert t.to(ember.ones(1, dtype=ember.int32)).dtype is ember.int32
    assert t.to(ember.int64) is t  # no copy when nothing changes, as in PyTorch
    with pytest.raises(AssertionError, match="CPU"):  # PyTorch without CUDA: an assertion
        t.to("cuda")


def test_cast_is_differentiable_and_grad_keeps_input_dtype():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype is ember.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert not x.long().requires_grad


def test_T():
    t = ember.arange(6).reshape(2, 3)
    assert t.T.shape == (3, 2) and t.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert ember.tensor(2.0).T.shape == ()


@pytest.mark.parametrize("make", [
    "tensor([1.0, 2.5])", "tensor([1.0, 2.0])", "tensor([1, 2, 3])", "tensor([True, False])",
    "tensor(3.5)", "tensor(7)", "tensor(True)", "tensor([[1.0, 2.0], [3.0, 4.0]])",
    "tensor([1e-5, 1.0])", "tensor([1e10, 1.0])", "tensor([0.1, -0.25])",
    "tensor([[1.5] * 20] * 3)", "arange(30)", "arange(40) / 3", "arange(30).double()",
    "arange(30).int()", "tensor([])", "zeros(0, 3)", "zeros(2, 0, dtype=int64)",
    "tensor([], dtype=int64)", "tensor([nan, 1.0])", "tensor([inf, -1.5])", "tensor([100.0, -2.5])",
    "arange(2000).float()", "arange(5000).reshape(50, 100)", "tensor([[0.1] * 15] * 2)",
    "zeros(2, 2)", "tensor([-0.0, 0.0])", "ones(2, 3, dtype=uint8)",
    "tensor([[1, 2], [3, 4]], dtype=int32)", "arange(24.).reshape(2, 3, 4)",
    "ones(3, requires_grad=True)", "zeros(40, 4, dtype=float64, requires_grad=True)",
])
def test_repr_matches_torch(torch, make):
    ours = eval(make, {**vars(ember), "nan": math.nan, "inf": math.inf})
    theirs = eval(make, {**vars(torch), "nan": math.nan, "inf": math.inf})
    assert repr(ours) == repr(theirs).replace("torch.", "ember.")
    assert str(ours) == repr(ours)


def test_repr_grad_fn(torch):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    for ours, theirs in [(x * 2, tx * 2), (x.sum(), tx.sum()), ((x * 10).exp(), (tx * 10).exp())]:
        expected = re.sub(r"grad_fn=<\w+>", "grad_fn=<G>", repr(theirs))
        assert re.sub(r"grad_fn=<\w+Backward\w*>", "grad_fn=<G>", repr(ours)) == expected


# ---- __setitem__ -------------------------------------------------------------------------
def test_setitem():
    t = ember.zeros(3, 4)
    t[0] = 1.0
    t[1, 1:3] = ember.tensor([2.0, 3.0])
    t[:, -1] = ember.tensor(5.0)
    t[ember.tensor([2, 2])] += 0  # advanced index read-modify-write
    t[t > 4] = -1.0
    t[2, ember.tensor([0, 1])] = 7
    expected = np.array([[1, 1, 1, -1], [0, 2, 3, -1], [7, 7, 0, -1]], dtype=np.float32)
    np.testing.assert_array_equal(t.numpy(), expected)
    assert t.dtype is ember.float32


def test_setitem_rules():
    with pytest.raises(RuntimeError, match="leaf"):
        ember.zeros(2, requires_grad=True)[0] = 1.0
    w = ember.zeros(2, requires_grad=True)
    with ember.no_grad():
        w[0] = 3.0
    assert w.tolist() == [3.0, 0.0] and w.requires_grad
    with pytest.raises(RuntimeError, match=r"\(2, 2\)"):
        ember.zeros(2, 2)[0] = ember.ones(3)


# ---- in-place methods --------------------------------------------------------------------
@pytest.mark.parametrize("call, expected", [
    (lambda t: t.add_(ember.tensor([1.0, 2.0])), [3.0, 2.0]),
    (lambda t: t.add_(1.0, alpha=2), [4.0, 2.0]),
    (lambda t: t.sub_(0.5), [1.5, -0.5]),
    (lambda t: t.mul_(ember.tensor([2.0, 3.0])), [4.0, 0.0]),
    (lambda t: t.div_(4), [0.5, 0.0]),
    (lambda t: t.zero_(), [0.0, 0.0]),
    (lambda t: t.fill_(7), [7.0, 7.0]),
    (lambda t: t.fill_(ember.tensor(1.5)), [1.5, 1.5]),
    (lambda t: t.copy_(ember.tensor([5, 6])), [5.0, 6.0]),
    (lambda t: t.copy_(ember.tensor(9.0)), [9.0, 9.0]),
    (lambda t: t.clamp_(0.5, 1.0), [1.0, 0.5]),
    (lambda t: t.clamp_(max=1.0), [1.0, 0.0]),
])
def test_inplace(call, expected):
    t = ember.tensor([2.0, 0.0])
    storage = t.detach().numpy()
    assert call(t) is t
    assert t.detach().numpy() is storage and t.dtype is ember.float32
    np.testing.assert_array_equal(t.numpy(), expected)


def test_inplace_operators_keep_identity():
    t = ember.tensor([1.0, 2.0])
    alias = t
    t += 1
    t *= ember.tensor([2.0, 2.0])
    t -= 1
    t /= 2
    assert t is alias and t.tolist() == [1.5, 2.5]


@pytest.mark.parametrize("name, args", [
    ("add_", (1.0,)), ("sub_", (1.0,)), ("mul_", (2.0,)), ("div_", (2.0,)), ("zero_", ()),
    ("copy_", (ember.ones(2),)), ("fill_", (1.0,)), ("clamp_", (0.0, 1.0)),
])
def test_inplace_on_leaf_requiring_grad(name, args):
    w = ember.tensor([2.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(w, name)(*args)
    assert w.tolist() == [2.0, -1.0]
    with ember.no_grad():
        getattr(w, name)(*args)
    assert w.tolist() != [2.0, -1.0] and w.requires_grad and w.grad_fn is None


def test_inplace_errors():
    with pytest.raises(RuntimeError, match=r"add_.*\(2, 2\)"):
        ember.ones(2, 2).add_(ember.ones(3))
    with pytest.raises(RuntimeError, match="copy_"):
        ember.ones(2, 2).copy_(ember.ones(3))
    with pytest.raises(RuntimeError):  # float into an integer tensor: PyTorch refuses as well
        ember.ones(2, dtype=ember.int64).add_(1.5)
    with pytest.raises(RuntimeError):
        ember.ones(2, dtype=ember.int64).clamp_(0.5, 1.5)
