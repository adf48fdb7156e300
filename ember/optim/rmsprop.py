"""RMSprop (optionally centered, with momentum), as torch.optim.RMSprop."""

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
    lerp_,
    new_step,
    param_add_,
    square_average_,
)


class RMSprop(Optimizer):
    """RMSprop. With g the gradient (negated if `maximize`, plus weight_decay·θ):

        v ← α·v + (1 − α)·g²
        avg ← √(v − ḡ²) + eps with ḡ ← lerp(ḡ, g, 1 − α) if centered, else √v + eps
        b ← μ·b + g/avg, θ ← θ − lr·b     if momentum μ > 0, else θ ← θ − lr·g/avg
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_range(momentum >= 0.0, "momentum value", momentum)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_range(alpha >= 0.0, "alpha value", alpha)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            momentum = float(group["momentum"])
            centered = group["centered"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["square_avg"] = _make(np.zeros_like(p._data), None)
                    if momentum > 0:
                        state["momentum_buffer"] = _make(np.zeros_like(p._data), None)
                    if centered:
                        state["grad_avg"] = _make(np.zeros_like(p._data), None)
                work, avg = self._work(p, 2)
                g = grad_of(p, p.grad._data, work, weight_decay, maximize)
                state["step"]._data += 1

                square_avg = state["square_avg"]._data
                square_average_(square_avg, g, alpha, avg)
                if centered:
                    grad_avg = state["grad_avg"]._data
                    lerp_(grad_avg, g, 1.0 - alpha, avg)
                    np.multiply(grad_avg, grad_avg, out=avg)
                    np.subtract(square_avg, avg, out=avg)
                    np.sqrt(avg, out=avg)
                else:
                    np.sqrt(square_avg, out=avg)
                avg += eps

                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    np.divide(g, avg, out=avg)
                    buf += avg
                    np.multiply(buf, -lr, out=avg)
                else:
                    # addcdiv's rounding order: (-lr·g) / avg
                    np.multiply(g, -lr, out=work)
                    np.divide(work, avg, out=avg)
                param_add_(p, avg)
        return loss
