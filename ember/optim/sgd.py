"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay, as torch.optim.SGD."""

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
    param_add_,
)


class SGD(Optimizer):
    """Stochastic gradient descent. With momentum μ and dampening τ, each step is

        b ← g                        (first step: PyTorch's buffer initialisation)
        b ← μ·b + (1 − τ)·g          (later steps)
        g ← g + μ·b if nesterov else b
        θ ← θ − lr·g

    where g is the gradient (negated if `maximize`) plus weight_decay·θ.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        check_range(momentum >= 0.0, "momentum value", momentum)
        check_range(weight_decay >= 0.0, "weight_decay value", weight_decay)
        check_flags(foreach=foreach, fused=fused, differentiable=differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            damped = 1.0 - float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            plain = momentum == 0 and weight_decay == 0 and not maximize
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                work = self._work(p, 2 if nesterov else 1)
                if plain:  # the common case, θ ← θ − lr·g, without the general path's calls
                    param_add_(p, np.multiply(grad._data, -lr, out=work[0]))
                    continue
                d = grad_of(p, grad._data, work[0], weight_decay, maximize)
                if momentum != 0:
                    # Only with momentum does PyTorch create state, so state dicts match.
                    state = self.state[p]
                    buf_t = state.get("momentum_buffer")
                    if buf_t is None:
                        buf = d.copy()
                        state["momentum_buffer"] = _make(buf, None)
                    else:
                        buf = buf_t._data
                        buf *= momentum
                        if damped == 1.0:
                            buf += d
                        else:
                            np.multiply(d, damped, out=work[0])
                            buf += work[0]
                    if nesterov:
                        np.multiply(buf, momentum, out=work[1])
                        d = np.add(d, work[1], out=work[0])
                    else:
                        d = buf
                np.multiply(d, -lr, out=work[0])
                param_add_(p, work[0])
        return loss
