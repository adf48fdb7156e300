"""ASGD (averaged stochastic gradient descent), as torch.optim.ASGD."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import _make
from .optimizer import (
    Optimizer,
    ParamsT,
    check_flags,
    check_lr,
    check_range,
    grad_of,
    new_step,
    param_add_,
    param_mul_,
)


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992), with PyTorch's schedule. At step t, with g the
    gradient (negated if `maximize`, plus weight_decay·θ), λ = `lambd`, α = `alpha`:

        θ ← θ·(1 − λ·η) − η·g
        ā ← ā + μ·(θ − ā)                      (ā ← θ while μ = 1)
        η ← lr / (1 + λ·lr·t)^α                μ ← 1 / max(1, t − t0)

    The average ā (the state's "ax") starts at t0. Like PyTorch, η ("eta") and μ ("mu") are
    float32 scalars for parameters of any dtype.
    """

    _scalar_state = frozenset({"step", "eta", "mu"})

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lambd = float(group["lambd"])
            alpha = float(group["alpha"])
            t0 = float(group["t0"])
            weight_decay = float(group["weight_decay"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["eta"] = _make(np.array(lr, dtype=np.float32), None)
                    state["mu"] = _make(np.ones((), dtype=np.float32), None)
                    state["ax"] = _make(np.zeros_like(p._data), None)
                (work,) = self._work(p, 1)
                g = grad_of(p, p.grad._data, work, weight_decay, maximize)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                eta_t, mu_t = state["eta"]._data, state["mu"]._data
                eta = float(eta_t)

                param_mul_(p, 1.0 - lambd * eta)
                np.multiply(g, -eta, out=work)
                param_add_(p, work)
                ax = state["ax"]._data
                if float(mu_t) != 1.0:
                    np.subtract(p._data, ax, out=work)
                    work *= mu_t
                    ax += work
                else:
                    np.copyto(ax, p._data)
                eta_t[...] = lr / (1.0 + lambd * lr * step) ** alpha
                mu_t[...] = 1.0 / max(1.0, step - t0)
        return loss
