"""Views share memory as PyTorch's do: each kind of view, written through on both sides, its
strides, offset and contiguity, and the errors of view() and of writing through an expand."""

from __future__ import annotations

import numpy as np
import pytest

import ember

# (id, fn(m, x) -> view of x (3, 4) float64, whether PyTorch makes a view)
VIEWS = [
    ("view", lambda m, x: x.view(12), True),
    ("view_2d", lambda m, x: x.view(2, -1), True),
    ("view_as", lambda m, x: x.view_as(m.zeros(6, 2)), True),
    ("reshape", lambda m, x: x.reshape(4, 3), True),
    ("reshape_copy", lambda m, x: x.t().reshape(12), False),
    ("flatten", lambda m, x: x.flatten(), True),
    ("select", lambda m, x: x[1], True),
    ("select_col", lambda m, x: x[:, 2], True),
    ("select_fn", lambda m, x: x.select(1, 0), True),
    ("slice", lambda m, x: x[0:2], True),
    ("slice_step", lambda m, x: x[:, ::2], True),
    ("none", lambda m, x: x[None], True),
    ("ellipsis_none", lambda m, x: x[..., None], True),
    ("scalar_view", lambda m, x: x[1, 2], True),
    ("t", lambda m, x: x.t(), True),
    ("T", lambda m, x: x.T, True),
    ("mT", lambda m, x: x.mT, True),
    ("transpose", lambda m, x: x.transpose(0, 1), True),
    ("permute", lambda m, x: x.permute(1, 0), True),
    ("movedim", lambda m, x: x.movedim(0, 1), True),
    ("unsqueeze", lambda m, x: x.unsqueeze(1), True),
    ("unsqueeze_last", lambda m, x: x.unsqueeze(-1), True),
    ("t_unsqueeze", lambda m, x: x.t().unsqueeze(0), True),
    ("squeeze", lambda m, x: x[None].squeeze(0), True),
    ("unflatten", lambda m, x: x.unflatten(1, (2, 2)), True),
    ("diagonal", lambda m, x: x.diagonal(), True),
    ("diagonal_offset", lambda m, x: x.diagonal(1), True),
    ("unbind", lambda m, x: x.unbind(1)[2], True),
    ("split", lambda m, x: x.split(1)[1], True),
    ("chunk", lambda m, x: x.chunk(2, 1)[1], True),
    ("narrow", lambda m, x: x.narrow(1, 1, 2), True),
    ("detach", lambda m, x: x.detach(), False),
    ("view_of_view", lambda m, x: x.t()[1:][:, 0], True),
    ("advanced_index", lambda m, x: x[[0, 2]], False),
]
IDS = [v[0] for v in VIEWS]


def pair(torch):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    return ember.tensor(base), torch.tensor(base)


@pytest.mark.parametrize("name, fn, is_view", VIEWS, ids=IDS)
def test_write_through_view_reaches_base(torch, name, fn, is_view):
    x, tx = pair(torch)
    v, tv = fn(ember, x), fn(torch, tx)
    assert tv._is_view() == is_view or name == "detach"
    assert v._is_view() == tv._is_view()
    if is_view:
        assert v._base is x and tv._base is tx
    v.add_(100)
    tv.add_(100)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    np.testing.assert_array_equal(v.numpy(), tv.numpy())


@pytest.mark.parametrize("name, fn, is_view", VIEWS, ids=IDS)
def test_write_to_base_shows_in_view(torch, name, fn, is_view):
    x, tx = pair(torch)
    v, tv = fn(ember, x), fn(torch, tx)
    x.mul_(-1)
    tx.mul_(-1)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())


@pytest.mark.parametrize("name, fn, is_view", VIEWS, ids=IDS)
def test_layout_matches_torch(torch, name, fn, is_view):
    x, tx = pair(torch)
    v, tv = fn(ember, x), fn(torch, tx)
    assert v.stride() == tv.stride()
    assert v.is_contiguous() == tv.is_contiguous()
    assert v.storage_offset() == tv.storage_offset()
    assert v.untyped_storage().size() == tv.untyped_storage().size()
    if is_view:  # where in the base's memory the view starts
        item = v.element_size()
        assert (v.data_ptr() - x.data_ptr()) // item == (tv.data_ptr() - tx.data_ptr()) // item
    c, tc = v.contiguous(), tv.contiguous()
    assert c.is_contiguous() and c.stride() == tc.stride()
    assert (c is v) == (tc is tv)


@pytest.mark.parametrize("name, fn, is_view", VIEWS, ids=IDS)
def test_version_counter_is_shared_by_views(torch, name, fn, is_view):
    x, tx = pair(torch)
    v, tv = fn(ember, x), fn(torch, tx)
    v.add_(1)
    tv.add_(1)
    assert (x._version, v._version) == (tx._version, tv._version)
    x.add_(1)
    tx.add_(1)
    assert (x._version, v._version) == (tx._version, tv._version)


def test_view_of_incompatible_strides_raises_and_suggests_reshape(torch):
    x, tx = pair(torch)
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*\.reshape"):
        tx.t().view(12)
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*\.reshape"):
        x.t().view(12)
    assert x.t().contiguous().view(12).tolist() == tx.t().contiguous().view(12).tolist()


def test_writing_through_an_expand_raises_as_in_torch(torch):
    for m in (ember, torch):
        e = m.zeros(3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)


def test_data_is_a_tensor_sharing_memory_outside_autograd(torch):
    for m in (ember, torch):
        p = m.nn.Parameter(m.ones(3))
        d = p.data
        assert isinstance(d, m.Tensor) and not d.requires_grad and d.grad_fn is None
        d.add_(1)  # not recorded, not an in-place error on a leaf
        p.data[:2] = 5
        assert p.tolist() == [5.0, 5.0, 2.0]
        assert p._version == 0  # .data changes are invisible to the version counter
        p.data = m.zeros(2)
        assert p.shape == (2,) and p.requires_grad
        with m.no_grad():
            p.data.mul_(3)
    with pytest.raises(TypeError):
        ember.ones(2).data = np.zeros(2)


def test_numpy_shares_memory():
    t = ember.zeros(3)
    t.numpy()[1] = 7
    assert t.tolist() == [0.0, 7.0, 0.0]


def test_negative_step_slices_raise_as_in_torch(torch):
    for m in (ember, torch):
        with pytest.raises(ValueError, match="step must be greater than zero"):
            m.arange(5)[::-1]
