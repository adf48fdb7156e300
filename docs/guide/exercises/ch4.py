"""Chapter 4's exercises: a residual wrapper, counting parameters, a Linear from scratch."""

from __future__ import annotations

import math

import ember
from ember import nn


class Residual(nn.Module):
    """x + inner(x): `inner` is registered as a submodule by assignment."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        return x + self.inner(x)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable values: the elements of parameters that require grad."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MyLinear(nn.Module):
    """x @ weight.T + bias from Parameters and matmul; weight and bias uniform in ±1/√fan_in,
    as nn.Linear initialises them."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter((ember.rand(out_features, in_features) * 2 - 1) * bound)
        self.bias = nn.Parameter((ember.rand(out_features) * 2 - 1) * bound)

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        return ember.matmul(x, self.weight.t()) + self.bias
