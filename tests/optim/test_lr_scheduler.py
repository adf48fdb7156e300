"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates at every step."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import ember
from ember import optim
from ember.optim import lr_scheduler


class Spec(NamedTuple):
    """A schedule to test: `build(lib, optimizer)` makes it with ember's or torch's classes."""

    id: str
    build: Callable[[Any, Any], Any]


def _described(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_described(v) for v in value) + "]"
    return getattr(value, "__name__", None) or type(value).__name__ if callable(value) else (
        str(value))


def plain(name: str, **kwargs) -> Spec:
    described = "-".join(f"{k}={_described(v)}" for k, v in kwargs.items()) or "defaults"
    return Spec(f"{name}-{described}",
                lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **kwargs))


def halving_every_4(epoch: int) -> float:
    return 0.5 ** (epoch // 4)


def shrink(epoch: int) -> float:
    return 0.95 if epoch % 3 else 0.8


class Warmup:
    """A callable object: its attributes go into LambdaLR's state dict, a function's do not."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.steps)


def _lrs(lib):
    return lib.optim.lr_scheduler


SCHEDULES = [
    plain("StepLR", step_size=3, gamma=0.5),
    plain("MultiStepLR", milestones=[2, 5, 5, 9], gamma=0.3),
    plain("ExponentialLR", gamma=0.9),
    plain("CosineAnnealingLR", T_max=7, eta_min=0.001),
    plain("CosineAnnealingLR", T_max=10),
    plain("LinearLR"),
    plain("LinearLR", start_factor=0.25, end_factor=0.9, total_iters=6),
    plain("ConstantLR"),
    plain("ConstantLR", factor=0.5, total_iters=8),
    plain("PolynomialLR"),
    plain("PolynomialLR", total_iters=20, power=2.0),
    plain("LambdaLR", lr_lambda=halving_every_4),
    plain("LambdaLR", lr_lambda=[Warmup(6), halving_every_4]),
    plain("MultiplicativeLR", lr_lambda=shrink),
    plain("MultiplicativeLR", lr_lambda=[shrink, Warmup(3)]),
    plain("OneCycleLR", max_lr=[1.0, 0.5], total_steps=31),
    plain("OneCycleLR", max_lr=0.3, epochs=4, steps_per_epoch=8, pct_start=0.25,
          anneal_strategy="linear", base_momentum=0.7),
    plain("OneCycleLR", max_lr=0.3, total_steps=31, three_phase=True, max_momentum=[0.99, 0.9]),
    plain("OneCycleLR", max_lr=0.3, total_steps=31, cycle_momentum=False),
    plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4),
    plain("CyclicLR", base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
          step_size_down=5, mode="triangular2", base_momentum=0.7, max_momentum=[0.95, 0.9]),
    plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.95),
    plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=shrink,
          scale_mode="iterations", cycle_momentum=False),
    plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=Warmup(2)),
    plain("CosineAnnealingWarmRestarts", T_0=5),
    plain("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.01),
    Spec("SequentialLR-warmup-then-cosine", lambda lib, opt: _lrs(lib).SequentialLR(
        opt, [_lrs(lib).LinearLR(opt, start_factor=0.1, total_iters=5),
              _lrs(lib).CosineAnnealingLR(opt, T_max=20)], milestones=[5])),
    Spec("SequentialLR-three", lambda lib, opt: _lrs(lib).SequentialLR(
        opt, [_lrs(lib).ConstantLR(opt, factor=0.5, total_iters=4),
              _lrs(lib).ExponentialLR(opt, gamma=0.9), _lrs(lib).StepLR(opt, step_size=3)],
        milestones=[6, 14])),
    Spec("ChainedScheduler", lambda lib, opt: _lrs(lib).ChainedScheduler(
        [_lrs(lib).ConstantLR(opt, factor=0.1, total_iters=3),
         _lrs(lib).ExponentialLR(opt, gamma=0.9)])),
    Spec("ChainedScheduler-with-optimizer", lambda lib, opt: _lrs(lib).ChainedScheduler(
        [_lrs(lib).MultiplicativeLR(opt, lr_lambda=shrink),
         _lrs(lib).PolynomialLR(opt, total_iters=12), _lrs(lib).LinearLR(opt)], optimizer=opt)),
]
IDS = [spec.id for spec in SCHEDULES]
OPTIMIZERS = ["SGD", "Adam"]  # OneCycleLR and CyclicLR cycle SGD's momentum, Adam's beta1


def make_optimizer(lib, name: str, params):
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
    if name == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def hyperparameters(opt) -> list:
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def trajectory(harness, lib, opt_name, spec, steps: int, record=hyperparameters):
    """The scheduler's rates (and the groups' hyperparameters) after construction and after
    each step, with an optimizer step and fresh gradients before each scheduler step."""
    params = harness.params(lib)
    opt = make_optimizer(lib, opt_name, params)
    sched = spec.build(lib, opt)
    seen = [(sched.get_last_lr(), record(opt))]
    for grads in harness.gradients(steps, np.float32):
        harness.feed(lib, params, grads)
        opt.step()
        sched.step()
        seen.append((sched.get_last_lr(), record(opt)))
    return seen, sched, params


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("spec", SCHEDULES, ids=IDS)
def test_rates_match_torch_at_every_step(harness, torch, opt_name, spec):
    steps = 30
    ours, e_sched, e_params = trajectory(harness, ember, opt_name, spec, steps)
    theirs, t_sched, t_params = trajectory(harness, torch, opt_name, spec, steps)
    assert ours == theirs  # exact: the same float arithmetic in the same order
    assert len({tuple(lrs) for lrs, _ in ours}) > 1  # the schedule did change the rates
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


@pytest.mark.parametrize("spec", SCHEDULES, ids=IDS)
def test_resuming_a_schedule_is_bit_exact(harness, tmp_path, spec):
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
    straight = run(straight_params, opt, spec.build(ember, opt), grads)

    params = harness.params(ember)
    opt = make_optimizer(ember, "Adam", params)
    sched = spec.build(ember, opt)
    first = run(params, opt, sched, grads[:10])
    path = tmp_path / "ckpt.safetensors"
    ember.save({"params": [p.detach() for p in params], "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict()}, path)
    saved = ember.load(path)

    params = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in saved["params"]]
    opt = make_optimizer(ember, "Adam", params)
    sched = spec.build(ember, opt)
    opt.load_state_dict(saved["optimizer"])
    sched.load_state_dict(saved["scheduler"])
    assert sched.state_dict() == saved["scheduler"]
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


STEPPED_BY_EPOCH = [spec for spec in SCHEDULES
                    if not spec.id.startswith(("Sequential", "Chained", "CosineAnnealingWarm"))]


@pytest.mark.parametrize("spec", STEPPED_BY_EPOCH, ids=[spec.id for spec in STEPPED_BY_EPOCH])
def test_deprecated_step_with_epoch_matches_torch(torch, spec):
    """step(epoch) warns, and uses the closed form where the schedule has one."""
    def run(lib):
        opt = make_optimizer(lib, "SGD", [lib.zeros(2, requires_grad=True) for _ in range(3)])
        sched = spec.build(lib, opt)
        lrs = []
        for epoch in (3, 4, 9, 2, 12):
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter"):
                sched.step(epoch)
            lrs.append(sched.get_last_lr())
        return lrs

    assert run(ember) == run(torch)


def test_warm_restarts_with_fractional_epochs_match_torch(torch):
    """SGDR's documented use: step(epoch + i / iters) within each epoch, without warnings."""
    def run(lib):
        opt = make_optimizer(lib, "SGD", [lib.zeros(2, requires_grad=True) for _ in range(3)])
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3,
                                                                   eta_min=0.001)
        lrs = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                lrs.append((sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch))
        sched.step(5)  # back in time, as PyTorch allows
        return lrs, sched.state_dict()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = run(ember)
    assert ours == run(torch)


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


def _two_groups(lib):
    return make_optimizer(lib, "SGD", [lib.zeros(2, requires_grad=True) for _ in range(3)])



SCHEDULER_ERRORS = {
    "lambdas-per-group": lambda L, opt, other: L.LambdaLR(opt, [shrink] * 3),
    "lambda-not-callable": lambda L, opt, other: L.MultiplicativeLR(opt, 0.9),
    "constant-factor": lambda L, opt, other: L.ConstantLR(opt, factor=1.5),
    "cyclic-mode": lambda L, opt, other: L.CyclicLR(opt, 0.01, 0.1, mode="sawtooth"),
    "cyclic-lrs-per-group": lambda L, opt, other: L.CyclicLR(opt, [0.01] * 3, 0.1),
    "cyclic-momentum": lambda L, opt, other: L.CyclicLR(other, 0.01, 0.1),
    "restarts-T_0": lambda L, opt, other: L.CosineAnnealingWarmRestarts(opt, T_0=0),
    "restarts-T_0-float": lambda L, opt, other: L.CosineAnnealingWarmRestarts(opt, T_0=2.5),
    "restarts-T_mult": lambda L, opt, other: L.CosineAnnealingWarmRestarts(opt, 2, T_mult=0),
    "restarts-eta_min": lambda L, opt, other: L.CosineAnnealingWarmRestarts(opt, 2,
                                                                            eta_min="0"),
    "restarts-negative-epoch": lambda L, opt, other: L.CosineAnnealingWarmRestarts(
        opt, 2).step(-1),
    "sequential-empty": lambda L, opt, other: L.SequentialLR(opt, [], []),
    "sequential-milestones": lambda L, opt, other: L.SequentialLR(
        opt, [L.StepLR(opt, 2), L.ExponentialLR(opt, 0.9)], [3, 6]),
    "sequential-plateau": lambda L, opt, other: L.SequentialLR(
        opt, [L.StepLR(opt, 2), L.ReduceLROnPlateau(opt)], [3]),
    "chained-empty": lambda L, opt, other: L.ChainedScheduler([]),
    "chained-plateau": lambda L, opt, other: L.ChainedScheduler([L.ReduceLROnPlateau(opt)]),
    "chained-not-a-scheduler": lambda L, opt, other: L.ChainedScheduler([L.StepLR(opt, 2),
                                                                         object()]),
    "chained-two-optimizers": lambda L, opt, other: L.ChainedScheduler(
        [L.StepLR(opt, 2), L.StepLR(other, 2)]),
}


@pytest.mark.parametrize("case", SCHEDULER_ERRORS)
def test_scheduler_errors_match_torch(torch, case):
    def error(lib):
        # `other` is an optimizer without momentum, for the cases that need a second one
        other = lib.optim.Adagrad([lib.zeros(1, requires_grad=True)])
        with pytest.raises(Exception) as raised:
            SCHEDULER_ERRORS[case](lib.optim.lr_scheduler, _two_groups(lib), other)
        return raised.type, str(raised.value)

    (e_type, e_message), (t_type, t_message) = error(ember), error(torch)
    assert e_type is t_type
    # The last case names the optimizers by their repr, which lists ember's group options.
    assert e_message.split(" has ")[0] == t_message.split(" has ")[0]
