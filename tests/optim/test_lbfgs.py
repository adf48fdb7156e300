"""LBFGS against torch.optim.LBFGS: 30 steps of the same closure from the same weights, with and
without the strong-Wolfe line search; checkpoints; errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import optim

_rng = np.random.default_rng(0)
INPUTS, TARGETS = _rng.standard_normal((20, 4)), _rng.standard_normal((20, 3))
WEIGHTS = [np.array([-1.2, -1.0, 0.5, 1.5, -0.3]), np.array([1.0, 0.5, -0.5, 2.0, 0.7]),
           _rng.standard_normal((4, 3)) * 0.5, np.zeros(2)]

# Configurations still far from the minimum after 30 steps, where float32 rounding stays small;
# and configurations that converge, where it does not (L-BFGS then divides rounding noise by
# rounding noise), compared in float64 only.
FAR = [
    {"max_iter": 1, "lr": 0.1},
    {"max_iter": 3, "lr": 0.05, "history_size": 4},
    {"max_iter": 2, "line_search_fn": "strong_wolfe"},
    {"max_iter": 6, "max_eval": 8, "line_search_fn": "strong_wolfe", "tolerance_change": 1e-4},
]
CONVERGING = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"max_iter": 4, "history_size": 3, "line_search_fn": "strong_wolfe"},
    {"max_iter": 5, "tolerance_grad": 1e-2, "line_search_fn": "strong_wolfe"},
]
TOLERANCES = {np.float32: {"rtol": 1e-4, "atol": 1e-4},
              np.float64: {"rtol": 1e-9, "atol": 1e-10}}


def closure_for(lib, params, opt):
    """The closure of the problem: a Rosenbrock valley in (a, b), a regression with a quartic
    penalty in w, and a parameter the loss does not use (its gradient stays None)."""
    x = lib.tensor(INPUTS, dtype=params[0].dtype)
    y = lib.tensor(TARGETS, dtype=params[0].dtype)

    def closure():
        opt.zero_grad()
        a, b, w, _ = params
        loss = ((10 * (b - a**2) ** 2 + (1 - a) ** 2).sum() + ((x @ w - y) ** 2).mean()
                + 0.1 * (w**4).sum())
        loss.backward()
        return loss

    return closure


def make_params(lib, dtype, weights=None):
    return [lib.tensor(np.asarray(w, dtype=dtype), requires_grad=True)
            for w in (WEIGHTS if weights is None else weights)]


def run(lib, kwargs, dtype, steps, weights=None, state=None):
    params = make_params(lib, dtype, weights)
    opt = lib.optim.LBFGS(params, **kwargs)
    if state is not None:
        opt.load_state_dict(state)
    closure = closure_for(lib, params, opt)
    losses = [opt.step(closure).item() for _ in range(steps)]
    return params, opt, losses


def assert_same_run(ours, theirs, tol):
    (e_params, e_opt, e_losses), (t_params, t_opt, t_losses) = ours, theirs
    np.testing.assert_allclose(e_losses, t_losses, **tol)
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), **tol)
    e_state, t_state = e_opt.state[e_params[0]], t_opt.state[t_params[0]]
    assert list(e_state) == list(t_state)
    assert e_state["func_evals"] == t_state["func_evals"]
    assert e_state["n_iter"] == t_state["n_iter"]
    assert len(e_state["old_dirs"]) == len(t_state["old_dirs"])
    np.testing.assert_allclose(e_state["d"].detach().numpy(), t_state["d"].numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", FAR, ids=str)
def test_matches_torch_over_30_steps(torch, kwargs, dtype):
    assert_same_run(run(ember, kwargs, dtype, 30), run(torch, kwargs, dtype, 30),
                    TOLERANCES[dtype])


@pytest.mark.parametrize("kwargs", CONVERGING, ids=str)
def test_converging_runs_match_torch_in_float64(torch, kwargs):
    ours, theirs = run(ember, kwargs, np.float64, 30), run(torch, kwargs, np.float64, 30)
    assert_same_run(ours, theirs, TOLERANCES[np.float64])
    assert ours[2][-1] < 0.8  # it got to the valley's floor


@pytest.mark.parametrize("kwargs", [FAR[1], FAR[3], CONVERGING[2]], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_resuming_from_a_checkpoint_is_bit_exact(tmp_path, kwargs, dtype):
    straight, _, straight_losses = run(ember, kwargs, dtype, 30)
    first, opt, first_losses = run(ember, kwargs, dtype, 15)
    ember.save({"params": [p.detach() for p in first], "optimizer": opt.state_dict()},
               tmp_path / "lbfgs.safetensors")
    saved = ember.load(tmp_path / "lbfgs.safetensors")
    resumed, _, resumed_losses = run(ember, kwargs, dtype, 15,
                                     weights=[p.detach().numpy() for p in saved["params"]],
                                     state=saved["optimizer"])
    assert first_losses + resumed_losses == straight_losses
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("kwargs", [FAR[0], FAR[2]], ids=str)
def test_a_torch_state_dict_resumes_in_ember(torch, kwargs):
    """Ten steps in PyTorch, its state dict (converted tensor by tensor) loaded into ember, ten
    more steps in both: the same run."""
    t_params, t_opt, _ = run(torch, kwargs, np.float64, 10)
    state = _to_ember(t_opt.state_dict())
    assert state["state"][0]["H_diag"].dtype == ember.float64
    ours = run(ember, kwargs, np.float64, 10,
               weights=[p.detach().numpy().copy() for p in t_params], state=state)
    closure = closure_for(torch, t_params, t_opt)
    t_losses = [t_opt.step(closure).item() for _ in range(10)]
    assert_same_run(ours, (t_params, t_opt, t_losses), TOLERANCES[np.float64])


def _to_ember(value):
    if isinstance(value, dict):
        return {k: _to_ember(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_ember(v) for v in value]
    if hasattr(value, "detach"):
        return ember.tensor(value.detach().numpy().copy())
    return value


def test_state_dict_mirrors_torch(torch):
    kwargs = {"max_iter": 3, "history_size": 2, "line_search_fn": "strong_wolfe"}
    _, e_opt, _ = run(ember, kwargs, np.float32, 4)
    _, t_opt, _ = run(torch, kwargs, np.float32, 4)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"]) == [0]
    for key, t_value in t_sd["state"][0].items():
        e_value = e_sd["state"][0][key]
        if isinstance(t_value, list):
            assert [type(v).__name__ for v in e_value] == [type(v).__name__ for v in t_value]
        elif isinstance(t_value, torch.Tensor):
            assert isinstance(e_value, ember.Tensor) and e_value.shape == tuple(t_value.shape)
            assert e_value.dtype == ember.float32
        else:
            assert type(e_value) is type(t_value), key


def test_closure_is_called_with_grad_enabled_and_first_loss_returned():
    params = make_params(ember, np.float64)
    opt = optim.LBFGS(params, max_iter=3)
    with ember.no_grad():
        loss = opt.step(closure_for(ember, params, opt))
    assert loss.item() == pytest.approx(float(run(ember, {}, np.float64, 1)[2][0]))
    assert opt.state[params[0]]["func_evals"] == 3


def test_stops_at_once_when_the_gradient_is_below_tolerance():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.LBFGS([w], tolerance_grad=10.0)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])
    assert opt.state[w] == {"func_evals": 1, "n_iter": 0}


def test_errors_match_torch(torch):
    w = ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [ember.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(TypeError):
        optim.LBFGS([w]).step()  # the closure is required
    assert optim.LBFGS([w], max_iter=8).param_groups[0]["max_eval"] == 10
