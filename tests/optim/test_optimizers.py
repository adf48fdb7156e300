"""Optimizers against torch.optim: identical weights and gradients, 30 steps, same result."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import ember
from ember import optim

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1,
             "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1,
             "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-3}),  # lerp's weight >= 0.5 branch
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1,
                 "eps": 1e-4}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "fused": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3}),
    ("Adadelta", {"weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-3}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.3, 0.8), "momentum_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),  # rho_t > 5 from step 6: both branches
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 10}),  # averaging from step 10
    ("ASGD", {"lr": 0.05, "t0": 3, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.05, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
       for name, kw in CONFIGS]
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-13}}


def assert_state_matches(ember_opt, torch_opt, ember_params, torch_params, tol) -> None:
    for ep, tp in zip(ember_params, torch_params):
        e_state, t_state = ember_opt.state.get(ep, {}), torch_opt.state.get(tp, {})
        assert sorted(e_state) == sorted(t_state)
        for key, t_value in t_state.items():
            np.testing.assert_allclose(e_state[key].numpy(), t_value.numpy(), **tol, err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_matches_torch_over_30_steps(harness, torch, name, kwargs, dtype):
    grads = harness.gradients(30, dtype)
    e_params, e_opt = harness.run(
        ember, lambda ps: getattr(optim, name)(ps, **kwargs), grads, dtype=dtype)
    t_params, t_opt = harness.run(
        torch, lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs), grads,
        dtype=dtype)
    tol = TOLERANCES[dtype]
    for ep, tp in zip(e_params, t_params):
        assert ep.detach().numpy().dtype == dtype
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), **tol)
    assert_state_matches(e_opt, t_opt, e_params, t_params, tol)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[::3], ids=IDS[::3])
def test_updates_parameters_in_place(harness, name, kwargs):
    params = harness.params(ember)
    arrays = [p.detach().numpy() for p in params]
    before = [a.copy() for a in arrays]
    grads = harness.gradients(4, np.float32)
    harness.run(ember, lambda ps: getattr(optim, name)(ps, **kwargs), grads, params=params)
    for p, array, old in zip(params, arrays, before):
        assert p.detach().numpy() is array and array.dtype == np.float32
        assert not np.array_equal(array, old)


def test_gradients_are_left_untouched(harness):
    params = harness.params(ember)
    opt = optim.Adam(params, weight_decay=0.1, maximize=True)
    grads = harness.gradients(1, np.float32)[0]
    harness.feed(ember, params, grads)
    opt.step()
    for p, g in zip(params, grads):
        assert (p.grad is None) if g is None else np.array_equal(p.grad.numpy(), g)


def test_param_groups_with_their_own_options(harness, torch):
    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.5, "momentum": 0.5}]

    grads = harness.gradients(20, np.float32)
    e_params, e_opt = harness.run(
        ember, lambda ps: optim.SGD(groups(ps), lr=0.1, momentum=0.9), grads)
    t_params, t_opt = harness.run(
        torch, lambda ps: torch.optim.SGD(groups(ps), lr=0.1, momentum=0.9, foreach=False), grads)
    assert [g["lr"] for g in e_opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in e_opt.param_groups] == [0.9, 0.5]
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_changing_lr_between_steps_takes_effect(harness, torch):
    grads = harness.gradients(6, np.float32)

    def run(lib, params, opt):
        for i, step_grads in enumerate(grads):
            for group in opt.param_groups:
                group["lr"] = 0.1 / (i + 1)
            harness.feed(lib, params, step_grads)
            opt.step()

    e_params, t_params = harness.params(ember), harness.params(torch)
    run(ember, e_params, optim.Adam(e_params))
    run(torch, t_params, torch.optim.Adam(t_params, foreach=False))
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


INVALID = [
    ("SGD", {"lr": -1}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1e-2}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}), ("Adam", {"weight_decay": -1.0}),
    ("AdamW", {"lr": -0.5}), ("RMSprop", {"alpha": -0.1}), ("RMSprop", {"momentum": -1.0}),
    ("RMSprop", {"eps": -1.0}), ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}), ("Adagrad", {"eps": -1.0}),
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"rho": -0.1}),
    ("Adadelta", {"eps": -1.0}), ("Adadelta", {"weight_decay": -1.0}),
    ("Adamax", {"lr": -1}), ("Adamax", {"eps": -1.0}), ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, 1.0)}), ("Adamax", {"weight_decay": -1.0}),
    ("NAdam", {"lr": -1}), ("NAdam", {"eps": -1.0}), ("NAdam", {"betas": (1.0, 0.9)}),
    ("NAdam", {"weight_decay": -1.0}), ("NAdam", {"momentum_decay": -1.0}),
    ("RAdam", {"lr": -1}), ("RAdam", {"eps": -1.0}), ("RAdam", {"betas": (0.9, -0.1)}),
    ("RAdam", {"weight_decay": -1.0}), ("ASGD", {"lr": -1}), ("ASGD", {"weight_decay": -1.0}),
    ("Rprop", {"lr": -1}), ("Rprop", {"etas": (1.2, 0.5)}), ("Rprop", {"etas": (0.0, 1.2)}),
    ("Rprop", {"etas": (0.5, 1.0)}), ("LBFGS", {"lr": -1}),
]


@pytest.mark.parametrize(("name", "kwargs"), INVALID)
def test_invalid_hyperparameters_raise_like_torch(torch, name, kwargs):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        getattr(optim, name)([ember.zeros(2, requires_grad=True)], **kwargs)


ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                  "RAdam", "ASGD", "Rprop", "LBFGS"]


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_signature_matches_torch(torch, name):
    def described(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert described(getattr(optim, name)) == described(getattr(torch.optim, name))


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_implementation_flags(torch, name):
    """foreach and fused select ember's one implementation; capturable (CUDA graphs) and
    differentiable (autograd through the step) are refused: PyTorch refuses both at the first
    step for CPU leaf parameters, ember at construction."""
    keywords = inspect.signature(getattr(torch.optim, name).__init__).parameters

    def make(**flags):
        return getattr(optim, name)([ember.zeros(2, requires_grad=True)], **flags)

    for flags in ({"foreach": True}, {"foreach": False}, {"fused": True}, {"fused": False}):
        if set(flags) <= set(keywords):
            assert all(make(**flags).param_groups[0][k] == v for k, v in flags.items())
        else:
            with pytest.raises(TypeError, match="unexpected keyword"):
                make(**flags)
    if "fused" in keywords:
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True`"):
            make(fused=True, foreach=True)
        with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
            make(fused=True, differentiable=True)
    if "capturable" in keywords:
        assert make(capturable=False).param_groups[0]["capturable"] is False
        with pytest.raises(ValueError, match="capturable=True is for CUDA graphs"):
            make(capturable=True)
    if "differentiable" in keywords:
        with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
            make(differentiable=True)


@pytest.mark.parametrize("name", ALL_OPTIMIZERS[:-1])
def test_add_param_group_steps_the_new_group_with_its_options(harness, torch, name):
    """A group added after some steps, with its own learning rate, steps as in PyTorch."""
    grads = harness.gradients(12, np.float64)

    def run(lib):
        params = harness.params(lib, np.float64)
        opt = getattr(lib.optim, name)(params[:2], lr=0.05)
        for i, step_grads in enumerate(grads):
            if i == 4:
                opt.add_param_group({"params": params[2:], "lr": 0.01})
            harness.feed(lib, params, step_grads)
            opt.step()
        return params, opt

    (e_params, e_opt), (t_params, t_opt) = run(ember), run(torch)
    e_groups, t_groups = e_opt.state_dict()["param_groups"], t_opt.state_dict()["param_groups"]
    assert e_groups == t_groups
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(),
                                   **TOLERANCES[np.float64])


def test_bad_params_are_rejected():
    w = ember.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([w, 3.0])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])
    with pytest.raises(ValueError, match="duplicate"):
        optim.SGD([w, w])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}])
    with pytest.raises(TypeError, match="Python float"):
        optim.SGD([w], lr=ember.tensor(0.1))
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adam([w], differentiable=True)


def test_zero_grad(harness):
    params = harness.params(ember)
    opt = optim.SGD(params)
    harness.feed(ember, params, harness.gradients(1, np.float32)[0])
    kept = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is kept and not kept.detach().numpy().any()
    assert params[2].grad is None
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_with_closure_returns_its_loss_and_enables_grad():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_array_equal(w.detach().numpy(), [0.5, -1.0])  # w - 0.25 * 2w


def test_add_param_group_and_named_parameters(torch):
    e_w, e_b = ember.zeros(3, requires_grad=True), ember.zeros(1, requires_grad=True)
    t_w, t_b = torch.zeros(3, requires_grad=True), torch.zeros(1, requires_grad=True)
    e_opt = optim.Adam([("fc.weight", e_w)], lr=0.1)
    t_opt = torch.optim.Adam([("fc.weight", t_w)], lr=0.1)
    group = {"params": [("fc.bias", e_b)], "lr": 0.01, "amsgrad": True}
    e_opt.add_param_group(group)
    assert e_opt.param_groups[1] is group  # the caller's dict, completed, as in PyTorch
    t_opt.add_param_group({"params": [("fc.bias", t_b)], "lr": 0.01, "amsgrad": True})
    e_groups, t_groups = e_opt.state_dict()["param_groups"], t_opt.state_dict()["param_groups"]
    assert e_groups == t_groups
    assert e_groups[1]["param_names"] == ["fc.bias"] and e_groups[1]["params"] == [1]
    with pytest.raises(ValueError, match="more than one parameter group"):
        e_opt.add_param_group({"params": [("again", e_b)]})


def test_repr_lists_groups():
    text = repr(optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.5\n" in text
