"""Optimizer checkpoints: PyTorch's state-dict format, and exact resumption through ember.save."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import optim

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"weight_decay": 0.01}),
    ("Adamax", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01}),
    ("ASGD", {"lr": 0.05, "t0": 5}),
    ("Rprop", {"lr": 0.05}),
]
IDS = [name + ("-" + "-".join(kw) if kw else "") for name, kw in CONFIGS]


def two_groups(params):
    return [{"params": params[:1]}, {"params": params[1:], "lr": 0.02}]


def checkpoint_through_file(obj, path):
    ember.save(obj, path)
    return ember.load(path)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_resuming_from_a_checkpoint_is_bit_exact(harness, tmp_path, name, kwargs, dtype):
    def make(params):
        return getattr(optim, name)(two_groups(params), **kwargs)

    grads = harness.gradients(30, dtype)
    straight, _ = harness.run(ember, make, grads, dtype=dtype)

    first, opt = harness.run(ember, make, grads[:10], dtype=dtype)
    saved = checkpoint_through_file(
        {"params": [p.detach() for p in first], "optimizer": opt.state_dict()},
        tmp_path / "ckpt.safetensors")
    resumed = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in saved["params"]]
    fresh = make(resumed)
    fresh.load_state_dict(saved["optimizer"])
    harness.run(ember, lambda ps: fresh, grads[10:], params=resumed)

    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_mirrors_torch(harness, torch, name, kwargs):
    grads = harness.gradients(4, np.float32)
    _, e_opt = harness.run(
        ember, lambda ps: getattr(optim, name)(two_groups(ps), **kwargs), grads)
    _, t_opt = harness.run(
        torch, lambda ps: getattr(torch.optim, name)(two_groups(ps), **kwargs), grads)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert list(e_sd) == list(t_sd) == ["state", "param_groups"]
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"])
    for index, t_state in t_sd["state"].items():
        e_state = e_sd["state"][index]
        assert list(e_state) == list(t_state)
        for key, t_value in t_state.items():
            e_value = e_state[key]
            assert isinstance(e_value, ember.Tensor)
            assert e_value.shape == tuple(t_value.shape)
            assert str(e_value.dtype).split(".")[-1] == str(t_value.dtype).split(".")[-1]
            np.testing.assert_allclose(e_value.numpy(), t_value.numpy(), rtol=1e-5, atol=1e-6)


def test_loaded_state_is_a_copy_cast_to_the_parameter_dtype(harness):
    params = harness.params(ember)
    opt = optim.Adam(params)
    harness.feed(ember, params, harness.gradients(4, np.float32)[3])
    opt.step()
    sd = opt.state_dict()
    as_double = {"state": {i: {k: v.double() if k != "step" else v for k, v in s.items()}
                           for i, s in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
    fresh = optim.Adam(params)
    fresh.load_state_dict(as_double)
    loaded = fresh.state[params[0]]
    assert loaded["exp_avg"].dtype == ember.float32 and loaded["step"].dtype == ember.float32
    np.testing.assert_allclose(loaded["exp_avg"].numpy(), sd["state"][0]["exp_avg"].numpy())
    sd["state"][0]["exp_avg"].detach().numpy()[...] = 7.0
    assert not np.any(loaded["exp_avg"].detach().numpy() == 7.0)
    fresh.param_groups[0]["lr"] = 1.0
    assert sd["param_groups"][0]["lr"] == 1e-3


def test_load_state_dict_rejects_a_mismatch(harness):
    params = harness.params(ember)
    opt = optim.SGD(params, momentum=0.9)
    harness.feed(ember, params, harness.gradients(4, np.float32)[3])
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD(two_groups(params)).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD(params[:2]).load_state_dict(sd)
    swapped = [params[1], params[0], *params[2:]]
    with pytest.raises(ValueError, match=r"'momentum_buffer' of shape \(6, 5\) for parameter 0"):
        optim.SGD(swapped, momentum=0.9).load_state_dict(sd)


def test_plain_sgd_keeps_no_state(harness):
    params = harness.params(ember)
    opt = optim.SGD(params, lr=0.1)
    harness.run(ember, lambda ps: opt, harness.gradients(3, np.float32), params=params)
    assert opt.state_dict()["state"] == {}


def _converted(value, to_tensor):
    """A state dict with every tensor converted by `to_tensor` (ember <-> torch)."""
    if isinstance(value, dict):
        return {k: _converted(v, to_tensor) for k, v in value.items()}
    if isinstance(value, list):
        return [_converted(v, to_tensor) for v in value]
    if hasattr(value, "numpy") or isinstance(value, ember.Tensor):
        return to_tensor(value)
    return value


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dicts_load_into_each_other(harness, torch, name, kwargs):
    """Ten steps in one library, its state dict loaded into the other, ten more steps there:
    the result of twenty steps in PyTorch, both ways round."""
    grads = harness.gradients(20, np.float32)

    def make(lib, params):
        return getattr(lib.optim, name)(two_groups(params), **kwargs)

    straight, _ = harness.run(torch, lambda ps: make(torch, ps), grads)
    tol = {"rtol": 1e-5, "atol": 1e-6}
    for first_lib, second_lib, to_tensor in [
        (torch, ember, lambda t: ember.tensor(t.detach().numpy().copy())),
        (ember, torch, lambda t: torch.tensor(t.detach().numpy().copy())),
    ]:
        first, opt = harness.run(first_lib, lambda ps, lib=first_lib: make(lib, ps), grads[:10])
        params = [second_lib.tensor(p.detach().numpy().copy(), requires_grad=True)
                  for p in first]
        resumed = make(second_lib, params)
        resumed.load_state_dict(_converted(opt.state_dict(), to_tensor))
        harness.run(second_lib, lambda ps, opt=resumed: opt, grads[10:], params=params)
        for a, b in zip(straight, params):
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), **tol)
