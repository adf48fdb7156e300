"""Bilinear (F.bilinear) against torch: values, gradients of both inputs, the weight and the bias,
state_dict, initialisation bounds, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("lead, bias", [((5,), True), ((2, 3), False), ((), True)])
def test_bilinear_matches_torch(parity, dtype, tol, lead, bias):
    torch = parity.torch
    ours = nn.Bilinear(3, 4, 2, bias=bias, dtype=getattr(ember, dtype))
    theirs = torch.nn.Bilinear(3, 4, 2, bias=bias, dtype=getattr(torch, dtype))
    assert repr(ours) == repr(theirs)
    parity.copy_weights(ours, theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    x1 = RNG.standard_normal((*lead, 3)).astype(dtype)
    x2 = RNG.standard_normal((*lead, 4)).astype(dtype)
    parity.check(ours, theirs, x1, x2, rtol=tol, atol=tol,
                 ember_params=list(ours.parameters()), torch_params=list(theirs.parameters()))
    assert type(ours).__module__ == "ember.nn.modules.linear"


def test_bilinear_init_bounds():
    layer = nn.Bilinear(16, 3, 40)
    bound = 1 / np.sqrt(16)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > bound  # spread over the range, not constant


def test_bilinear_errors_match_torch(torch):
    w = np.zeros((2, 3, 4), dtype=np.float32)
    for a, b, weight in [((5, 3), (4, 4), w), ((5, 2), (5, 4), w), ((5, 3), (5, 3), w),
                         ((5, 3), (5, 4), np.zeros((3, 4), np.float32))]:
        with pytest.raises(RuntimeError):
            torch.nn.functional.bilinear(torch.zeros(a), torch.zeros(b), torch.tensor(weight))
        with pytest.raises(RuntimeError, match="bilinear"):
            F.bilinear(ember.zeros(a), ember.zeros(b), ember.tensor(weight))
