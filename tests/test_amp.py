"""ember.amp against torch.amp: GradScaler disabled (a pass-through) and enabled on "cpu" (dynamic
loss scaling: same scales, skipped steps and weights as PyTorch's), the cuda spellings, and
autocast (float32, said once)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember.amp import autocast_mode


def _train(m, scaler_args: dict, steps: int = 6, poison: tuple = (2,)):
    """A few SGD steps of a linear model under `m.amp.GradScaler(**scaler_args)`; the loss is
    made inf at the steps in `poison`. Returns the weights, scales and state_dict seen."""
    weight = m.nn.Parameter(m.tensor([[0.5, -0.25], [0.125, 1.0]]))
    opt = m.optim.SGD([weight], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = m.amp.GradScaler(**scaler_args)
    x = m.tensor([[1.0, 2.0], [3.0, -1.0]])
    scales, results = [], []
    for step in range(steps):
        opt.zero_grad()
        loss = (x @ weight).pow(2).mean()
        if step in poison:
            loss = loss * float("inf")
        with np.errstate(invalid="ignore"):  # the poisoned steps make NaN gradients
            scaler.scale(loss).backward()
        scaler.unscale_(opt)
        results.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
    return weight.detach().numpy().copy(), scales, scaler.state_dict(), scaler.is_enabled()


@pytest.mark.parametrize("scaler_args", [
    {"enabled": False}, {"device": "cpu"}, {"device": "cpu", "growth_interval": 2},
    {"device": "cpu", "init_scale": 8.0, "growth_factor": 4.0, "backoff_factor": 0.25,
     "growth_interval": 1},
    {}, {"device": "cuda", "enabled": True},
])
def test_grad_scaler_matches_torch(torch, scaler_args):
    ours, theirs = _train(ember, scaler_args), _train(torch, scaler_args)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1] == theirs[1]
    assert ours[2] == theirs[2]
    assert ours[3] == theirs[3]


def test_disabled_scaler_is_a_pass_through():
    scaler = ember.amp.GradScaler(enabled=False)
    loss = ember.ones(2, requires_grad=True).sum()
    assert scaler.scale(loss) is loss and scaler.scale(3) == 3
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {} and not scaler.is_enabled()
    scaler.load_state_dict({})  # ignored when disabled, as in PyTorch
    opt = ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], lr=0.1)
    assert scaler.step(opt) is None and scaler.update() is None and scaler.unscale_(opt) is None


def test_enabled_scaler_errors_match_torch(torch):
    for m in (ember, torch):
        weight = m.nn.Parameter(m.ones(2))
        opt = m.optim.SGD([weight], lr=0.1)
        scaler = m.amp.GradScaler("cpu")
        scaler.scale(weight.sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step"):
            scaler.step(opt)
        with pytest.raises(RuntimeError, match="Closure"):
            scaler.step(opt, closure=lambda: None)
        with pytest.raises(RuntimeError, match="empty"):
            scaler.load_state_dict({})
        fresh = m.amp.GradScaler("cpu")
        with pytest.raises(AssertionError, match="update"):
            fresh.update()


def test_cuda_spellings_warn_as_torch(torch):
    for m in (ember, torch):
        with pytest.warns(FutureWarning, match="deprecated"):
            scaler = m.cuda.amp.GradScaler(enabled=False)
        assert not scaler.is_enabled() and isinstance(scaler, m.amp.GradScaler)
        with pytest.warns(UserWarning, match="Disabling"), pytest.warns(FutureWarning):
            assert not m.cuda.amp.GradScaler().is_enabled()
        with pytest.warns(FutureWarning, match="deprecated"), m.cuda.amp.autocast(enabled=False):
            pass


def test_autocast_runs_in_float32_and_says_so_once(monkeypatch):
    monkeypatch.setattr(autocast_mode, "_told", False)
    a = ember.ones(2, 2)
    with pytest.warns(UserWarning, match="float32"), ember.autocast("cpu"):
        assert (a @ a).dtype is ember.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: no second warning
        with ember.amp.autocast("cpu", dtype=ember.float16):
            assert (a @ a).dtype is ember.float32
        with ember.autocast("cuda", enabled=False):
            pass

    @ember.autocast("cpu")
    def double(x):
        return x * 2

    assert double(a).dtype is ember.float32
    assert ember.autocast is ember.amp.autocast


def test_autocast_arguments_as_torch(torch):
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match="foo"):
            m.autocast("foo")
        with pytest.raises(TypeError):
            m.autocast()
        with pytest.raises(ValueError, match="str"):
            m.autocast(1)
