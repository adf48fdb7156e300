"""Adadelta, as torch.optim.Adadelta."""

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
    square_average_,
)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012). With g the gradient (negated if `maximize`, plus
    weight_decay·θ), ρ = `rho`:

        v ← ρ·v + (1 − ρ)·g²
        Δ ← √(u + eps) / √(v + eps) · g
        u ← ρ·u + (1 − ρ)·Δ²
        θ ← θ − lr·Δ

    v is the state's "square_avg" and u its "acc_delta".
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_range(0.0 <= rho <= 1.0, "rho value", rho)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["square_avg"] = _make(np.zeros_like(p._data), None)
                    state["acc_delta"] = _make(np.zeros_like(p._data), None)
                work, std, delta = self._work(p, 3)
                g = grad_of(p, p.grad._data, work, weight_decay, maximize)
                state["step"]._data += 1

                square_avg = state["square_avg"]._data
                acc_delta = state["acc_delta"]._data
                square_average_(square_avg, g, rho, std)
                np.add(square_avg, eps, out=std)
                np.sqrt(std, out=std)
                np.add(acc_delta, eps, out=delta)
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                square_average_(acc_delta, delta, rho, std)
                # The gradient is spent: `work` takes −lr·Δ.
                np.multiply(delta, -lr, out=work)
                param_add_(p, work)
        return loss
