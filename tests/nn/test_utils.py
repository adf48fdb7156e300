"""ember.nn.utils against torch.nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from ember.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def pair(torch, dtype=np.float32, scale=1.0, without_grad=()):
    """The same parameters and gradients in ember and torch."""
    rng = np.random.default_rng(7)
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        w = rng.standard_normal(shape).astype(dtype)
        g = (rng.standard_normal(shape) * scale).astype(dtype)
        e, t = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
        if i not in without_grad:
            e.grad, t.grad = ember.tensor(g.copy()), torch.tensor(g.copy())
        ours.append(e)
        theirs.append(t)
    return ours, theirs


def assert_grads_match(ours, theirs, **tol):
    for e, t in zip(ours, theirs):
        if t.grad is None:
            assert e.grad is None
        else:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, -math.inf, 3.0, 0.5, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = pair(torch, without_grad=(1,))
    e_norm = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    t_norm = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(e_norm, ember.Tensor) and e_norm.shape == () and e_norm.dtype == ember.float32
    np.testing.assert_allclose(e_norm.item(), t_norm.item(), rtol=1e-6)
    assert_grads_match(ours, theirs, rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_float64_and_a_single_tensor(torch):
    ours, theirs = pair(torch, dtype=np.float64, scale=10.0)
    e_norm = clip_grad_norm_(ours[0], 1.0)
    t_norm = torch.nn.utils.clip_grad_norm_(theirs[0], 1.0)
    assert e_norm.dtype == ember.float64
    np.testing.assert_allclose(e_norm.item(), t_norm.item(), rtol=1e-14)
    assert_grads_match(ours, theirs, rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(ours[0].grad.numpy()), 1.0, rtol=1e-5)


def test_clip_grad_norm_without_gradients_and_nonfinite(torch):
    w = ember.zeros(3, requires_grad=True)
    assert clip_grad_norm_([w], 1.0).item() == 0.0
    w.grad = ember.tensor([1.0, float("nan"), 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_([w], 1.0).item())


@pytest.mark.parametrize("clip_value", [0.3, 5])
def test_clip_grad_value_matches_torch(torch, clip_value):
    ours, theirs = pair(torch, without_grad=(2,))
    arrays = [p.grad.numpy() for p in ours if p.grad is not None]
    clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert_grads_match(ours, theirs, rtol=0, atol=0)
    assert all(p.grad.numpy() is a for p, a in zip(ours, arrays))  # in place


def test_parameters_to_vector_and_back(torch):
    ours, theirs = pair(torch, without_grad=(0, 1, 2))
    e_vec, t_vec = parameters_to_vector(ours), torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(e_vec.detach().numpy(), t_vec.detach().numpy())
    (e_vec * ember.arange(e_vec.numel(), dtype=ember.float32)).sum().backward()
    offset = 0
    for p in ours:  # gradients flow back through the vector to each parameter
        n = p.numel()
        np.testing.assert_array_equal(p.grad.numpy().reshape(-1), np.arange(offset, offset + n))
        offset += n

    new = ember.arange(e_vec.numel(), dtype=ember.float32)
    vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.arange(t_vec.numel(), dtype=torch.float32), theirs)
    for e, t in zip(ours, theirs):
        assert e.shape == tuple(t.shape)
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    with pytest.raises(ValueError, match="hold 23 values but the vector has 22"):
        vector_to_parameters(new[:22], ours)
    with pytest.raises(TypeError, match="expected ember.Tensor"):
        vector_to_parameters(new.detach().numpy(), ours)
