"""Adam and AdamW (decoupled weight decay), as torch.optim.Adam and torch.optim.AdamW."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _make
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


class Adam(Optimizer):
    """Adam. At step t, with g the gradient (negated if `maximize`, plus weight_decay·θ unless
    the decay is decoupled, in which case θ ← θ·(1 − lr·weight_decay) first):

        m ← lerp(m, g, 1 − β1)        v ← β2·v + (1 − β2)·g²       (v_max ← max(v_max, v))
        θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)

    with the bias corrections computed in double precision from the step count, as PyTorch's
    single-tensor path computes them.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        check_lr(lr)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_betas(betas)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, fused=fused, capturable=capturable,
                    differentiable=differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    # --8<-- [start:adam-step]
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            decoupled = group["decoupled_weight_decay"]
            l2 = 0.0 if decoupled else weight_decay
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    _init_state(state, p, amsgrad)
                work, tmp = self._work(p, 2)
                g = grad_of(p, p.grad._data, work, l2, maximize)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                if decoupled and weight_decay != 0:
                    param_mul_(p, 1.0 - lr * weight_decay)

                exp_avg = state["exp_avg"]._data
                exp_avg_sq = state["exp_avg_sq"]._data
                lerp_(exp_avg, g, 1.0 - beta1, tmp)
                square_average_(exp_avg_sq, g, beta2, tmp)

                step_size = lr / (1.0 - beta1**step)
                bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
                if amsgrad:
                    max_sq = state["max_exp_avg_sq"]._data
                    np.maximum(max_sq, exp_avg_sq, out=max_sq)
                    np.sqrt(max_sq, out=tmp)
                else:
                    np.sqrt(exp_avg_sq, out=tmp)
                tmp /= bias_correction2_sqrt
                tmp += eps
                # The gradient is spent: `work` takes -step_size·m / denom.
                np.multiply(exp_avg, -step_size, out=work)
                work /= tmp
                param_add_(p, work)
        return loss
    # --8<-- [end:adam-step]


def _init_state(state: dict[str, Any], p: Tensor, amsgrad: bool) -> None:
    state["step"] = new_step()
    state["exp_avg"] = _make(np.zeros_like(p._data), None)
    state["exp_avg_sq"] = _make(np.zeros_like(p._data), None)
    if amsgrad:
        state["max_exp_avg_sq"] = _make(np.zeros_like(p._data), None)


class AdamW(Adam):
    """AdamW: Adam whose weight decay shrinks θ directly instead of adding to the gradient."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
