"""Element-wise loss primitives: the loss of each (input, target) pair, one node; the functions of
ember.nn.functional reduce it with the Mean and Sum ops.

Each fuses what would otherwise be five to eight recorded ops (differences, absolute values,
comparisons, logs). Inputs broadcast; the engine sums broadcast gradients back down. Every
backward also runs on Tensors (ember/autograd/function.py), so the losses have second
derivatives.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .activation_pointwise import softplus
from .elementwise import Sigmoid

__all__ = ["SmoothL1", "KlDiv", "SoftMargin"]


class SmoothL1(Function):
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta, for d = input - target (|d|
    when beta is 0). huber=True gives the Huber loss with delta = beta: 0.5 * d**2, else
    beta * (|d| - beta / 2)."""

    op_name, torch_name = "smooth_l1_loss", "SmoothL1LossBackward0"

    def forward(ctx, x, y, beta=1.0, huber=False):
        if huber:
            ctx.torch_name = "HuberLossBackward0"
        ctx.beta, ctx.huber = beta, huber
        ctx.save_for_backward(x, y)
        d = x - y
        ad = np.abs(d)
        if beta == 0:  # the L1 loss
            return ad
        quadratic = d * d
        quadratic *= 0.5 if huber else 0.5 / beta
        linear = ad - 0.5 * beta
        if huber:
            linear *= beta
        return np.where(ad < beta, quadratic, linear)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        beta = ctx.beta
        d = x - y
        if beta == 0:
            return g * np.sign(d), (-g * np.sign(d) if ctx.needs_input_grad[1] else None)
        slope = np.where(np.abs(d) < beta, d if ctx.huber else d / beta,
                         np.sign(d) * beta if ctx.huber else np.sign(d))
        gd = g * slope
        return gd, (-gd if ctx.needs_input_grad[1] else None)


class KlDiv(Function):
    """target * (log(target) - input), taken as 0 where target is 0 (xlogy); with
    log_target=True, exp(target) * (target - input)."""

    op_name, torch_name = "kl_div", "SubBackward0"  # PyTorch's last op, before the reduction

    def forward(ctx, x, t, log_target=False):
        if log_target:
            ctx.torch_name = "MulBackward0"
        ctx.log_target = log_target
        ctx.save_for_backward(x, t)
        if log_target:
            return np.exp(t) * (t - x)
        return np.where(t == 0, 0, t * np.log(np.where(t == 0, 1, t))) - t * x

    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        gx = gt = None
        if ctx.log_target:
            e = np.exp(t)
            gx = -g * e if need_x else None
            gt = g * e * (t - x + 1) if need_t else None
        else:
            gx = -g * t if need_x else None
            if need_t:
                # PyTorch's xlogy derivatives: log(t) (0 where t == 0) + t / t (NaN at 0)
                log_t = np.where(t == 0, 0, np.log(np.where(t == 0, 1, t)))
                gt = g * (log_t + t / t - x)
        return gx, gt


class SoftMargin(Function):
    """log(1 + exp(-target * input)), computed without overflow. The target gets no gradient
    (PyTorch refuses one)."""

    op_name, torch_name = "soft_margin_loss", "SoftMarginLossBackward0"

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return softplus(-(y * x))

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return -g * y * Sigmoid.call(-(y * x)), None
