"""RAdam (rectified Adam), as torch.optim.RAdam."""

from __future__ import annotations

import math
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
    param_mul_,
    square_average_,
)


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019). At step t, with g the gradient (negated if `maximize`, plus
    weight_decay·θ unless the decay is decoupled, in which case θ ← θ·(1 − lr·weight_decay)
    first):

        m ← lerp(m, g, 1 − β1)        v ← β2·v + (1 − β2)·g²
        ρ∞ = 2/(1 − β2) − 1           ρ_t = ρ∞ − 2t·β2^t/(1 − β2^t)
        θ ← θ − lr · m/(1 − β1^t) · r_t · √(1 − β2^t)/(√v + eps)    when ρ_t > 5,
        θ ← θ − lr · m/(1 − β1^t)                                    otherwise (SGD with momentum)

    with the rectification r_t = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_betas(betas)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["exp_avg"] = _make(np.zeros_like(p._data), None)
                    state["exp_avg_sq"] = _make(np.zeros_like(p._data), None)
                work, tmp = self._work(p, 2)
                g = grad_of(p, p.grad._data, work, 0.0 if decoupled else weight_decay,
                            maximize)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                if decoupled and weight_decay != 0:
                    param_mul_(p, 1.0 - lr * weight_decay)

                exp_avg = state["exp_avg"]._data
                exp_avg_sq = state["exp_avg_sq"]._data
                lerp_(exp_avg, g, 1.0 - beta1, tmp)
                square_average_(exp_avg_sq, g, beta2, tmp)

                bias_correction1 = 1.0 - beta1**step
                bias_correction2 = 1.0 - beta2**step
                rho_t = rho_inf - 2.0 * step * beta2**step / bias_correction2
                # The gradient is spent: `work` takes the step, in PyTorch's rounding order.
                np.divide(exp_avg, bias_correction1, out=work)
                work *= lr
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    np.sqrt(exp_avg_sq, out=tmp)
                    tmp += eps
                    np.divide(math.sqrt(bias_correction2), tmp, out=tmp)
                    work *= tmp
                    work *= rect
                np.negative(work, out=work)
                param_add_(p, work)
        return loss
