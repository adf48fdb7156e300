"""Rprop (resilient backpropagation), as torch.optim.Rprop."""

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
    grad_of,
    new_step,
    param_add_,
)


class Rprop(Optimizer):
    """Rprop (Riedmiller & Braun, 1993), the variant without weight backtracking. Each element
    has its own step size s, which starts at `lr`. With g the gradient (negated if `maximize`)
    and g' the previous step's:

        s ← clamp(s·η₊, s_min, s_max)   where g·g' > 0
        s ← clamp(s·η₋, s_min, s_max)   where g·g' < 0, and there g counts as 0 from now on
        θ ← θ − sign(g)·s

    `etas` = (η₋, η₊) and `step_sizes` = (s_min, s_max). g' is the state's "prev".
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        check_flags(foreach=foreach, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes),
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)
        # Where the gradient changed sign, per parameter; reused every step like the scratch.
        self._flips: dict[Tensor, np.ndarray] = {}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            eta_minus, eta_plus = (float(e) for e in group["etas"])
            step_size_min, step_size_max = (float(s) for s in group["step_sizes"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = new_step()
                    state["prev"] = _make(np.zeros_like(p._data), None)
                    state["step_size"] = _make(np.full_like(p._data, lr), None)
                work, agreement = self._work(p, 2)
                flipped = self._flips.get(p)
                if flipped is None:
                    flipped = self._flips[p] = np.empty(p._data.shape, dtype=bool)
                g = grad_of(p, p.grad._data, work, 0.0, maximize)
                state["step"]._data += 1

                prev = state["prev"]._data
                step_size = state["step_size"]._data
                np.multiply(g, prev, out=agreement)
                np.greater(agreement, 0, out=flipped)
                np.multiply(step_size, eta_plus, out=step_size, where=flipped)
                np.less(agreement, 0, out=flipped)
                np.multiply(step_size, eta_minus, out=step_size, where=flipped)
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                np.copyto(prev, g)
                np.copyto(prev, 0, where=flipped)
                # The gradient is spent: `work` takes −sign(g)·s, g zeroed where it flipped.
                np.sign(prev, out=work)
                work *= step_size
                np.negative(work, out=work)
                param_add_(p, work)
        return loss
