"""Random samples whose parameters are tensors (bernoulli(p), normal(mean, std), poisson(rate),
and the in-place samplers uniform_, normal_, ... of a tensor in a graph)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Sampled"]


class Sampled(Function):
    """`values`, drawn by the caller from distributions with the inputs as parameters. PyTorch
    defines the gradient of a sample with respect to its parameters as zero (it does not
    reparametrize), and so does ember: each input gets zeros."""

    op_name = "normal"
    saves_nothing = True

    def forward(ctx, *params, values=None):
        ctx.count = len(params)
        return values

    def backward(ctx, g):
        zeros = np.zeros_like(g)
        return zeros if ctx.count == 1 else (zeros,) * ctx.count
