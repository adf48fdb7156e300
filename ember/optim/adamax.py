"""Adamax, as torch.optim.Adamax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import _make
from .optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_flags,
    check_lr,
    check_range,
    grad_of,
    lerp_,
    new_step,
    param_add_,
)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm (Kingma & Ba, 2015, section 7.1). At step t, with g
    the gradient (negated if `maximize`, plus weight_decay·θ):

        m ← lerp(m, g, 1 − β1)        u ← max(β2·u, |g| + eps)
        θ ← θ − lr/(1 − β1^t) · m / u

    m is the state's "exp_avg" and u its "exp_inf".
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_lr(lr)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_betas(betas)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["exp_avg"] = _make(np.zeros_like(p._data), None)
                    state["exp_inf"] = _make(np.zeros_like(p._data), None)
                work, tmp = self._work(p, 2)
                g = grad_of(p, p.grad._data, work, weight_decay, maximize)
                step_t = state["step"]._data
                step_t += 1

                exp_avg = state["exp_avg"]._data
                exp_inf = state["exp_inf"]._data
                lerp_(exp_avg, g, 1.0 - beta1, tmp)
                exp_inf *= beta2
                np.abs(g, out=tmp)
                tmp += eps
                np.maximum(exp_inf, tmp, out=exp_inf)
                # addcdiv's rounding order: (−clr·m) / u
                clr = lr / (1.0 - beta1 ** float(step_t))
                np.multiply(exp_avg, -clr, out=work)
                work /= exp_inf
                param_add_(p, work)
        return loss
