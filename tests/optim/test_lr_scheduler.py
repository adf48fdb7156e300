"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates at every step."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import optim
from ember.optim import lr_scheduler

SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.25, "end_factor": 0.9, "total_iters": 6}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 31}),
    ("OneCycleLR", {"max_lr": 0.3, "epochs": 4, "steps_per_epoch": 8, "pct_start": 0.25,
                    "anneal_strategy": "linear", "base_momentum": 0.7}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 31, "three_phase": True,
                    "max_momentum": [0.99, 0.9]}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 31, "cycle_momentum": False}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
       for name, kw in SCHEDULES]
OPTIMIZERS = ["SGD", "Adam"]  # OneCycleLR cycles SGD's momentum, Adam's beta1


def make_optimizer(lib, name: str, params):
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
    if name == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def hyperparameters(opt) -> list:
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def trajectory(harness, lib, opt_name, sched_name, kwargs, steps: int, record=hyperparameters):
    """The scheduler's rates (and the groups' hyperparameters) after construction and after
    each step, with an optimizer step and fresh gradients before each scheduler step."""
    params = harness.params(lib)
    opt = make_optimizer(lib, opt_name, params)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **kwargs)
    seen = [(sched.get_last_lr(), record(opt))]
    for grads in harness.gradients(steps, np.float32):
        harness.feed(lib, params, grads)
        opt.step()
        sched.step()
        seen.append((sched.get_last_lr(), record(opt)))
    return seen, sched, params


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_rates_match_torch_at_every_step(harness, torch, opt_name, name, kwargs):
    steps = 30
    ours, e_sched, e_params = trajectory(harness, ember, opt_name, name, kwargs, steps)
    theirs, t_sched, t_params = trajectory(harness, torch, opt_name, name, kwargs, steps)
    assert ours == theirs  # exact: the same float arithmetic in the same order
    assert e_sched.state_dict() == t_sched.state_dict()
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


PLATEAUS = [
    {"patience": 2},
    {"mode": "max", "factor": 0.5, "patience": 1, "cooldown": 2, "threshold": 0.01},
    {"patience": 0, "threshold_mode": "abs", "threshold": 0.05, "min_lr": [0.01, 0.002]},
    {"mode": "max", "threshold_mode": "abs", "patience": 1, "min_lr": 0.02, "eps": 0.01},
]
METRICS = [1.0, 0.9, 0.9, 0.95, 0.8999, 0.85, 0.86, 0.86, 0.9, 0.7, 0.71, 0.72, 0.7, 0.69,
           0.75, 0.8, 0.68, 0.68, 0.68, 0.6, 0.61, 0.62, 0.63, 0.64, 0.5]


@pytest.mark.parametrize("kwargs", PLATEAUS)
def test_reduce_on_plateau_matches_torch(torch, kwargs):
    def run(lib):
        opt = make_optimizer(lib, "SGD", [lib.zeros(2, requires_grad=True) for _ in range(3)])
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seen = []
        for metric in METRICS:
            sched.step(-metric if kwargs.get("mode") == "max" else metric)
            seen.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups],
                         sched.num_bad_epochs, sched.cooldown_counter))
        return seen, sched.state_dict()

    ours, theirs = run(ember), run(torch)
    assert ours == theirs
    assert len({tuple(lrs) for lrs, *_ in ours[0]}) > 1  # the rate was actually cut


SCHEDULE_ROUND_TRIPS = [SCHEDULES[1], SCHEDULES[3], SCHEDULES[6], SCHEDULES[7]]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULE_ROUND_TRIPS)
def test_resuming_a_schedule_is_bit_exact(harness, tmp_path, name, kwargs):
    grads = harness.gradients(20, np.float32)

    def run(params, opt, sched, grads):
        lrs = []
        for step_grads in grads:
            harness.feed(ember, params, step_grads)
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs

    straight_params = harness.params(ember)
    opt = make_optimizer(ember, "Adam", straight_params)
    straight = run(straight_params, opt, getattr(lr_scheduler, name)(opt, **kwargs), grads)

    params = harness.params(ember)
    opt = make_optimizer(ember, "Adam", params)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    first = run(params, opt, sched, grads[:10])
    path = tmp_path / "ckpt.safetensors"
    ember.save({"params": [p.detach() for p in params], "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict()}, path)
    saved = ember.load(path)

    params = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in saved["params"]]
    opt = make_optimizer(ember, "Adam", params)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    opt.load_state_dict(saved["optimizer"])
    sched.load_state_dict(saved["scheduler"])
    assert first + run(params, opt, sched, grads[10:]) == straight
    for a, b in zip(straight_params, params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_reduce_on_plateau_round_trip(tmp_path):
    def fresh():
        opt = optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
        return opt, lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)

    opt, sched = fresh()
    for metric in METRICS[:12]:
        sched.step(metric)
    ember.save({"o": opt.state_dict(), "s": sched.state_dict()}, tmp_path / "c.safetensors")
    saved = ember.load(tmp_path / "c.safetensors")
    resumed_opt, resumed = fresh()
    resumed_opt.load_state_dict(saved["o"])
    resumed.load_state_dict(saved["s"])
    for metric in METRICS[12:]:
        sched.step(metric)
        resumed.step(metric)
        assert resumed.get_last_lr() == sched.get_last_lr()
    assert resumed.state_dict() == sched.state_dict()


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES[:7], ids=IDS[:7])
def test_deprecated_step_with_epoch_uses_the_closed_form(torch, name, kwargs):
    def run(lib):
        opt = make_optimizer(lib, "SGD", [lib.zeros(2, requires_grad=True) for _ in range(3)])
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        lrs = []
        for epoch in (3, 4, 9, 2, 12):
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter"):
                sched.step(epoch)
            lrs.append(sched.get_last_lr())
        return lrs

    assert run(ember) == run(torch)


def test_resuming_with_last_epoch_matches_torch(torch):
    def run(lib):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        opt.param_groups[0]["initial_lr"] = 0.2
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        lrs = [sched.get_last_lr()]
        for _ in range(8):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs, sched.last_epoch

    assert run(ember) == run(torch)


def test_get_lr_outside_step_warns():
    sched = lr_scheduler.StepLR(optim.SGD([ember.zeros(1, requires_grad=True)]), step_size=2)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


def test_scheduler_errors():
    w = ember.zeros(1, requires_grad=True)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR([w], step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(optim.SGD([w]), gamma=0.9, last_epoch=3)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(optim.SGD([w]), start_factor=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(optim.SGD([w]), max_lr=0.1)
    with pytest.raises(ValueError, match="must support momentum"):
        lr_scheduler.OneCycleLR(optim.Adagrad([w]), max_lr=0.1, total_steps=5)
    with pytest.raises(ValueError, match="same length as optimizer.param_groups"):
        lr_scheduler.OneCycleLR(optim.SGD([w]), max_lr=[0.1, 0.2], total_steps=5)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD([w]), factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD([w]), mode="sideways")
    sched = lr_scheduler.OneCycleLR(optim.SGD([w], momentum=0.9), max_lr=0.1, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
