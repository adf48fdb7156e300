"""Linear, Identity, Flatten, Unflatten and Embedding against torch."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(32, 128), (2, 3, 128), (128,)], ids=["2d", "3d", "1d"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_linear_matches_torch(parity, shape, bias, mode):
    ours, theirs = nn.Linear(128, 10, bias=bias), parity.torch.nn.Linear(128, 10, bias=bias)
    getattr(ours, mode)(), getattr(theirs, mode)()
    parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(np.float32))


def test_linear_float64(parity):
    torch = parity.torch
    ours = nn.Linear(4, 3, dtype=ember.float64)
    theirs = torch.nn.Linear(4, 3, dtype=torch.float64)
    parity.check_module(ours, theirs, RNG.standard_normal((5, 4)), rtol=1e-12, atol=1e-12)


def test_linear_is_one_fused_node():
    layer = nn.Linear(3, 2)
    out = layer(ember.randn(4, 3))
    assert type(out.grad_fn).__name__ == "Linear"
    assert out.grad_fn.parents[1] is layer.weight and out.grad_fn.parents[2] is layer.bias


def test_linear_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(4x5 and 3x2\)"):
        nn.Linear(3, 2)(ember.randn(4, 5))
    with pytest.raises(RuntimeError, match="must have the same dtype"):
        nn.Linear(3, 2)(ember.randn(4, 3, dtype=ember.float64))


def test_identity_flatten_unflatten(parity):
    torch = parity.torch
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    for ours, theirs in [(nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1)),
                         (nn.Flatten(), torch.nn.Flatten()),
                         (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                         (nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)))]:
        assert repr(ours) == repr(theirs)
        parity.check_module(ours, theirs, x)
    with pytest.raises(RuntimeError, match="don't multiply up"):
        nn.Unflatten(1, (2, 2))(ember.tensor(x))


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_matches_torch(parity, padding_idx, scale_grad_by_freq):
    torch = parity.torch
    options = dict(padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    ours, theirs = nn.Embedding(10, 4, **options), torch.nn.Embedding(10, 4, **options)
    assert repr(ours) == repr(theirs)
    indices = np.array([[0, 3, 3, 9], [9, 1, 0, 3]])
    parity.check_module(ours, theirs, indices)
    if padding_idx is not None:
        assert not ours.weight.grad.numpy()[padding_idx].any()


def test_embedding_max_norm_renormalises_like_torch(torch):
    weight = RNG.standard_normal((6, 3)).astype(np.float32) * 3
    ours = nn.Embedding.from_pretrained(ember.tensor(weight.copy()), max_norm=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weight.copy()), max_norm=1.0)
    indices = np.array([1, 4, 4])
    np.testing.assert_allclose(ours(ember.tensor(indices)).detach().numpy(),
                               theirs(torch.tensor(indices)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-5)
    assert not ours.weight.requires_grad


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index 5 out of range for a weight of 5 rows"):
        emb(ember.tensor([0, 5]))
    with pytest.raises(IndexError, match="index -1 out of range"):
        emb(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="expected integer indices"):
        emb(ember.tensor([0.0]))
    with pytest.raises(ValueError, match="padding_idx 5 must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)


def test_one_hot(torch):
    labels = np.array([[0, 2], [3, 1]])
    np.testing.assert_array_equal(F.one_hot(ember.tensor(labels)).detach().numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    out = F.one_hot(ember.tensor([1, 0]), num_classes=4)
    assert out.dtype == ember.int64 and out.shape == (2, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ember.tensor([4]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ember.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="int64"):
        F.one_hot(ember.tensor([1.0]))


def test_pad_is_reexported(torch):
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(F.pad(ember.tensor(x), (1, 2), value=7.0).detach().numpy(),
                                  torch.nn.functional.pad(torch.tensor(x), (1, 2),
                                                          value=7.0).numpy())
