"""Adagrad, as torch.optim.Adagrad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _make
from .optimizer import (
    Optimizer,
    ParamsT,
    check_flags,
    check_lr,
    check_range,
    grad_of,
    new_step,
    param_add_,
)


class Adagrad(Optimizer):
    """Adagrad. At step t, with g the gradient (negated if `maximize`, plus weight_decay·θ):

        s ← s + g²        θ ← θ − lr/(1 + (t − 1)·lr_decay) · g / (√s + eps)

    The accumulator s starts at `initial_accumulator_value`; like PyTorch, the constructor
    creates the state of its parameters, and a group added later gets its state at its first
    step, from the constructor's `initial_accumulator_value`.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        check_range(lr_decay >= 0.0, "lr_decay value", lr_decay)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_range(initial_accumulator_value >= 0.0, "initial_accumulator_value value",
                    initial_accumulator_value)
        check_range(eps >= 0.0, "epsilon value", eps)
        check_flags(foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, initial_accumulator_value: float) -> None:
        self.state[p]["step"] = new_step()
        self.state[p]["sum"] = _make(np.full_like(p._data, initial_accumulator_value), None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:  # a parameter of a group added after construction
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                step_t = state["step"]._data
                step_t += 1
                clr = lr / (1.0 + (float(step_t) - 1.0) * lr_decay)
                work, std = self._work(p, 2)
                g = grad_of(p, p.grad._data, work, weight_decay, maximize)

                state_sum = state["sum"]._data
                np.multiply(g, g, out=std)
                state_sum += std
                np.sqrt(state_sum, out=std)
                std += eps
                # addcdiv's rounding order: (-clr·g) / std
                np.multiply(g, -clr, out=work)
                np.divide(work, std, out=work)
                param_add_(p, work)
        return loss
