"""GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm, RMSNorm and BatchNorm3d against torch:
outputs, gradients of the input and every parameter, running statistics, state_dicts, reprs,
train and eval, float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradgradcheck

RNG = np.random.default_rng(0)
DTYPES = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-12)}


def _pair(torch, name: str, *args, dtype: str = "float32", **kwargs):
    ours = getattr(nn, name)(*args, dtype=getattr(ember, dtype), **kwargs)
    theirs = getattr(torch.nn, name)(*args, dtype=getattr(torch, dtype), **kwargs)
    return ours, theirs


def _randomize(module) -> None:
    """Parameters away from their ones/zeros init, so that a swapped weight and bias shows."""
    for p in module.parameters():
        p.data.copy_(ember.tensor(RNG.uniform(0.5, 1.5, tuple(p.shape))))


def _assert_state_dicts_equal(ours, theirs, rtol=1e-6) -> None:
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in a:
        assert tuple(a[key].shape) == tuple(b[key].shape), key
        np.testing.assert_allclose(a[key].numpy(), b[key].numpy(), rtol=rtol, atol=1e-7,
                                   err_msg=key)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape, groups, kwargs", [
    ((4, 6), 3, {}), ((2, 6, 5), 2, {}), ((2, 4, 3, 3), 4, {"affine": False}),
    ((3, 6, 2, 3), 1, {"bias": False}), ((2, 4, 2, 2, 3), 2, {"eps": 1e-3})])
def test_group_norm_matches_torch(parity, dtype, shape, groups, kwargs):
    ours, theirs = _pair(parity.torch, "GroupNorm", groups, shape[1], dtype=dtype, **kwargs)
    assert repr(ours) == repr(theirs)
    _randomize(ours)
    rtol, atol = DTYPES[dtype]
    for mode in ("train", "eval"):  # the same computation in both
        getattr(ours, mode)(), getattr(theirs, mode)()
        parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(dtype), rtol=rtol,
                            atol=atol)
    _assert_state_dicts_equal(ours, theirs)


def test_group_norm_errors(torch):
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(ember.zeros(2, 6, 3), 4)
    with pytest.raises(RuntimeError):
        torch.nn.functional.group_norm(torch.zeros(2, 6, 3), 4)
    with pytest.raises(RuntimeError, match=r"weight of shape \(6,\)"):
        F.group_norm(ember.zeros(2, 6, 3), 3, weight=ember.ones(3))


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (3, 4, 5)),
                                         ("InstanceNorm2d", (2, 4, 3, 3)),
                                         ("InstanceNorm3d", (2, 4, 2, 3, 2)),
                                         ("InstanceNorm2d", (4, 3, 3))])  # unbatched
@pytest.mark.parametrize("affine, track", [(False, False), (True, False), (True, True),
                                           (False, True)])
def test_instance_norm_matches_torch(parity, dtype, name, shape, affine, track):
    ours, theirs = _pair(parity.torch, name, 4, affine=affine, track_running_stats=track,
                         momentum=0.3, dtype=dtype)
    assert repr(ours) == repr(theirs)
    _randomize(ours)
    rtol, atol = DTYPES[dtype]
    for step in range(2):  # running statistics move (when tracked) in training
        x = (RNG.standard_normal(shape) * 2 + step).astype(dtype)
        parity.check_module(ours, theirs, x, rtol=rtol, atol=atol)
    _assert_state_dicts_equal(ours, theirs)
    ours.eval(), theirs.eval()
    parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(dtype), rtol=rtol,
                        atol=atol)


def test_instance_norm_momentum_none_and_errors(torch):
    ours = nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    theirs = torch.nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    x = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    ours(ember.tensor(x)), theirs(torch.tensor(x))
    _assert_state_dicts_equal(ours, theirs)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.InstanceNorm1d(3)(ember.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="match num_features"):
        nn.InstanceNorm2d(3, affine=True)(ember.zeros(2, 4, 3, 3))
    with pytest.warns(UserWarning, match="match num_features"):
        nn.InstanceNorm2d(3)(ember.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(ember.zeros(2, 3, 1))


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape, size", [((2, 5, 4), 3), ((2, 6, 3, 3), 4), ((1, 4, 2, 2, 3), 5),
                                         ((2, 3, 4), 1)])
def test_local_response_norm_matches_torch(parity, dtype, shape, size):
    torch = parity.torch
    ours = nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=2.0)
    theirs = torch.nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=2.0)
    assert repr(ours) == repr(theirs)
    rtol, atol = DTYPES[dtype]
    parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(dtype), rtol=rtol,
                        atol=atol)
    with pytest.raises(ValueError, match="3D or higher"):
        ours(ember.zeros(2, 3))


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape, normalized, kwargs", [
    ((4, 6), 6, {}), ((2, 3, 4), (3, 4), {"eps": 1e-3}), ((2, 5), [5],
                                                           {"elementwise_affine": False})])
def test_rms_norm_matches_torch(parity, dtype, shape, normalized, kwargs):
    ours, theirs = _pair(parity.torch, "RMSNorm", normalized, dtype=dtype, **kwargs)
    assert repr(ours) == repr(theirs)
    _randomize(ours)
    rtol, atol = DTYPES[dtype]
    parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(dtype), rtol=rtol,
                        atol=atol)
    _assert_state_dicts_equal(ours, theirs)


def test_rms_norm_errors():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(ember.zeros(2, 3), (4,))
    with pytest.raises(RuntimeError, match="weight should have shape"):
        F.rms_norm(ember.zeros(2, 3), (3,), weight=ember.ones(2))


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_batch_norm_3d_matches_torch(parity, dtype):
    ours, theirs = _pair(parity.torch, "BatchNorm3d", 3, momentum=0.2, dtype=dtype)
    assert repr(ours) == repr(theirs)
    _randomize(ours)
    rtol, atol = DTYPES[dtype]
    for _ in range(2):
        parity.check_module(ours, theirs, RNG.standard_normal((2, 3, 2, 3, 2)).astype(dtype),
                            rtol=rtol, atol=atol)
    _assert_state_dicts_equal(ours, theirs)
    ours.eval(), theirs.eval()
    parity.check_module(ours, theirs, RNG.standard_normal((2, 3, 2, 2, 2)).astype(dtype),
                        rtol=rtol, atol=atol)
    with pytest.raises(ValueError, match=r"\(N, C, D, H, W\)"):
        ours(ember.zeros(2, 3, 4, 4))


# The norms compose ops that have their own cases; their second derivatives are checked here.
@pytest.mark.parametrize("fn, shapes", [
    (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [(2, 3, 4), (3,), (3,)]),
    (lambda x, w: F.rms_norm(x, (3,), w), [(2, 3), (3,)]),
    (lambda x: F.local_response_norm(x, 3, alpha=0.5), [(1, 4, 3)])],
    ids=["group_norm", "instance_norm", "rms_norm", "local_response_norm"])
def test_norm_functions_gradgradcheck(fn, shapes):
    leaves = [ember.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradgradcheck(fn, leaves)
