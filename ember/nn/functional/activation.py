"""Activation functions (torch.nn.functional counterparts) over ember.ops.activation."""

from __future__ import annotations

import warnings

from ... import functions as _functions
from ... import ops
from ... import reductions as _reductions
from ...ops.activation import Gelu, LeakyRelu, Silu
from ...tensor import Tensor
from ._args import apply_maybe_inplace, check_float

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "gelu", "silu", "sigmoid", "tanh",
           "softmax", "log_softmax", "softmin"]

sigmoid = _functions.sigmoid
tanh = _functions.tanh


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return apply_maybe_inplace(input, inplace, "relu_", ops.Relu.apply)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return apply_maybe_inplace(input, inplace, "leaky_relu_",
                               lambda x: LeakyRelu.apply(x, negative_slope=negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    check_float(input, "input", "gelu")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    check_float(input, "input", "silu")
    return apply_maybe_inplace(input, inplace, "silu_", Silu.apply)


def _softmax_dim(input: Tensor, dim: int | None, op: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if input._data.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _reductions.softmax(input, _softmax_dim(input, dim, "softmax"), dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    return _reductions.log_softmax(input, _softmax_dim(input, dim, "log_softmax"), dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input): the smallest entries get the largest weights."""
    return _reductions.softmax(-input, _softmax_dim(input, dim, "softmin"), dtype=dtype)
