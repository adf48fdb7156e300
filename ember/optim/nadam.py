"""NAdam (Adam with Nesterov momentum), as torch.optim.NAdam."""

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
    param_mul_,
    square_average_,
)


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), with PyTorch's momentum schedule. At step t, with g the gradient
    (negated if `maximize`, plus weight_decay·θ unless the decay is decoupled, in which case
    θ ← θ·(1 − lr·weight_decay) first, as in NAdamW), ψ = `momentum_decay`:

        μ_t = β1·(1 − ½·0.96^(tψ))        Π_t = μ_1·…·μ_t ("mu_product")
        m ← lerp(m, g, 1 − β1)            v ← β2·v + (1 − β2)·g²
        d = √(v / (1 − β2^t)) + eps
        θ ← θ − lr·(1 − μ_t)/(1 − Π_t) · g/d − lr·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/d

    Like PyTorch, Π is kept as a float32 scalar for parameters of any dtype.
    """

    _scalar_state = frozenset({"step", "mu_product"})

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_betas(betas)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_range(momentum_decay >= 0.0, "momentum_decay value", momentum_decay)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            momentum_decay = float(group["momentum_decay"])
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["mu_product"] = _make(np.ones((), dtype=np.float32), None)
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

                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product_t = state["mu_product"]._data
                mu_product_t *= mu
                mu_product = float(mu_product_t)

                exp_avg = state["exp_avg"]._data
                exp_avg_sq = state["exp_avg_sq"]._data
                lerp_(exp_avg, g, 1.0 - beta1, tmp)
                square_average_(exp_avg_sq, g, beta2, tmp)
                denom = np.divide(exp_avg_sq, 1.0 - beta2**step, out=tmp)
                np.sqrt(denom, out=denom)
                denom += eps

                # Two addcdiv steps, as PyTorch takes them: the gradient's, then the momentum's.
                # The gradient is spent by the second, so `work` takes each step in turn.
                np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=work)
                work /= denom
                param_add_(p, work)
                np.multiply(exp_avg, -lr * mu_next / (1.0 - mu_product * mu_next), out=work)
                work /= denom
                param_add_(p, work)
        return loss
