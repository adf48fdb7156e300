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
    """max(input, 0), element-wise; inplace=True overwrites input and returns it.

    Shape: any; the output has input's shape and dtype.
    """
    return apply_maybe_inplace(input, inplace, "relu_", ops.Relu.apply)


def relu_(input: Tensor) -> Tensor:
    """relu(input, inplace=True): input overwritten with max(input, 0) and returned."""
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where input >= 0, negative_slope * input elsewhere, element-wise; inplace=True
    overwrites input. Shape: any, kept.
    """
    return apply_maybe_inplace(input, inplace, "leaky_relu_",
                               lambda x: LeakyRelu.apply(x, negative_slope=negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu(input, negative_slope, inplace=True): input overwritten and returned."""
    return leaky_relu(input, negative_slope, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel, 2016); approximate="tanh" uses
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).

    Shape: any, kept. Raises RuntimeError for a non-floating input or another `approximate`.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    check_float(input, "input", "gelu")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish), element-wise; inplace=True overwrites input.

    Shape: any, kept. Raises RuntimeError for a non-floating input.
    """
    check_float(input, "input", "silu")
    return apply_maybe_inplace(input, inplace, "silu_", Silu.apply)


def _softmax_dim(input: Tensor, dim: int | None, op: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if input._data.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, so each slice along dim sums to 1.

    Without dim (deprecated, with PyTorch's warning) dim is 0 for 0-, 1- and 3-d inputs, else 1.
    `dtype` casts the input first. Shape: any, kept.
    """
    return _reductions.softmax(input, _softmax_dim(input, dim, "softmax"), dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """log(softmax(input, dim)), computed stably; the input of nll_loss.

    Without dim (deprecated, with PyTorch's warning) dim is 0 for 0-, 1- and 3-d inputs, else 1.
    `dtype` casts the input first. Shape: any, kept.
    """
    return _reductions.log_softmax(input, _softmax_dim(input, dim, "log_softmax"), dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input): the smallest entries get the largest weights."""
    return _reductions.softmax(-input, _softmax_dim(input, dim, "softmin"), dtype=dtype)
