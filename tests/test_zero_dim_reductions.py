"""Reductions and softmax along dim 0 or -1 of a 0-d tensor, as PyTorch: the dims a 0-d tensor
accepts reduce nothing (values, dtypes and gradients against torch); dim 1 is PyTorch's
IndexError."""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember

CASES = [
    ("sum", lambda m, x, d: x.sum(d)),
    ("sum_keepdim", lambda m, x, d: m.sum(x, d, keepdim=True)),
    ("mean", lambda m, x, d: x.mean(d)),
    ("mean_tuple", lambda m, x, d: x.mean((d,))),
    ("amax", lambda m, x, d: x.amax(d)),
    ("amin", lambda m, x, d: m.amin(x, d)),
    ("max", lambda m, x, d: x.max(d)[0] + x.max(d)[1]),
    ("min", lambda m, x, d: m.min(x, d).values),
    ("var", lambda m, x, d: m.var(x, d, correction=0)),
    ("prod", lambda m, x, d: x.prod(d)),
    ("logsumexp", lambda m, x, d: x.logsumexp(d)),
    ("norm", lambda m, x, d: x.norm(dim=d)),
    ("softmax", lambda m, x, d: x.softmax(d) * x),
    ("log_softmax", lambda m, x, d: m.log_softmax(x, d) + x),
    ("functional_softmax", lambda m, x, d: m.nn.functional.softmax(x, dim=d) * x),
    ("nansum", lambda m, x, d: m.nansum(x, d)),
    ("nanmean", lambda m, x, d: m.nanmean(x, d)),
]


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_zero_dim_reductions_match_torch(torch, name, fn, dim):
    results = []
    for m in (ember, torch):
        x = m.tensor(1.5, requires_grad=True)
        out = fn(m, x, dim)
        out.backward()
        results.append((out.detach().numpy(), str(out.dtype).split(".")[-1], x.grad.numpy()))
    (value, dtype, grad), (ref_value, ref_dtype, ref_grad) = results
    assert value.shape == ref_value.shape == () and dtype == ref_dtype
    np.testing.assert_allclose(value, ref_value, rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-6)


def test_count_nonzero_and_std_along_dim_0(torch):
    for m in (ember, torch):
        assert m.count_nonzero(m.tensor(2.0), 0).item() == 1
        assert np.isnan(m.tensor(2.0).std(0).item())


@pytest.mark.parametrize("name, fn", [c for c in CASES if c[0] != "mean_tuple"],
                         ids=[c[0] for c in CASES if c[0] != "mean_tuple"])
def test_dim_1_of_a_zero_dim_tensor_is_pytorchs_index_error(torch, name, fn):
    ours = outcome(lambda: fn(ember, ember.tensor(1.5), 1))
    theirs = outcome(lambda: fn(torch, torch.tensor(1.5), 1))
    assert not same_kind(ours, theirs)  # both raise, ours the same kind (IndexError)
