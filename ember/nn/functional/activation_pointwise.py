"""The element-wise activations of torch.nn.functional beyond ReLU, GELU and SiLU: the ELU family,
the hard (piecewise linear) ones, the shrinks, softplus and its relatives, PReLU, RReLU and GLU.

Each checks its arguments as PyTorch does and calls one primitive of
ember.ops.activation_pointwise; `inplace=True` writes the result back through ember.inplace,
as PyTorch's in-place variants (`elu_`, `hardtanh_`, ...) do.
"""

from __future__ import annotations

import numpy as np

from ... import ops
from ...dtypes import get_default_dtype
from ...ops import activation_pointwise as _ops
from ...random import rng_of
from ...tensor import Tensor, _make
from ._args import apply_maybe_inplace

__all__ = ["elu", "elu_", "selu", "selu_", "celu", "celu_", "hardtanh", "hardtanh_", "relu6",
           "hardswish", "hardsigmoid", "hardshrink", "softshrink", "tanhshrink", "threshold",
           "threshold_", "softplus", "softsign", "mish", "logsigmoid", "prelu", "rrelu",
           "rrelu_", "glu"]

# SELU's constants (Klambauer et al., 2017), as PyTorch writes them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floating(input: Tensor, op: str) -> None:
    """PyTorch's refusal of an integer input to a floating-point-only kernel."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        kind = input.dtype.legacy_name.removesuffix("Tensor")
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'{kind}\' (input shape '
                                  f"{tuple(input._data.shape)})")


def _unary(input: Tensor, inplace: bool, op: str, fn, **options) -> Tensor:
    _floating(input, op)
    return apply_maybe_inplace(input, inplace, op + "_", lambda x: fn.apply(x, **options))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x) - 1)."""
    return _unary(input, inplace, "elu", _ops.Elu, alpha=alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """elu with inplace=True: writes the result into input and returns it."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _unary(input, inplace, "selu", _ops.Elu, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def selu_(input: Tensor) -> Tensor:
    """selu with inplace=True: writes the result into input and returns it."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must not be 0."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _unary(input, inplace, "celu", _ops.Celu, alpha=alpha, input_scale=1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu with inplace=True: writes the result into input and returns it."""
    return celu(input, alpha, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; integer tensors stay integer."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return apply_maybe_inplace(input, inplace, "hardtanh_", lambda x: _ops.Hardtanh.apply(
        x, min_val=min_val, max_val=max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh with inplace=True: writes the result into input and returns it."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6), as hardtanh(x, 0, 6) (with its zero gradient at 0 and 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _unary(input, inplace, "hardswish", _ops.Hardswish)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _unary(input, inplace, "hardsigmoid", _ops.Hardsigmoid)


def _check_lambd(input: Tensor, lambd: float) -> None:
    top = np.finfo(input._data.dtype).max
    if not 0 <= lambd <= top:
        kind = input.dtype.legacy_name.removesuffix("Tensor")
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {kind}, but "
                           f"found {lambd}")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    _floating(input, "hardshrink")
    return _ops.Shrink.apply(input, lambd=lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between; lambd >= 0."""
    _floating(input, "softshrink")
    _check_lambd(input, lambd)
    return _ops.Shrink.apply(input, lambd=lambd, soft=True)


def _promoted(input: Tensor) -> Tensor:
    """Integer tensors as the default float dtype (as PyTorch's composed ops promote them)."""
    return input if input._data.dtype.kind == "f" else input.to(get_default_dtype())


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return _ops.Tanhshrink.apply(_promoted(input))


def _threshold(input: Tensor, bound: float, value: float, inplace: bool) -> Tensor:
    return apply_maybe_inplace(input, inplace, "threshold_", lambda x: _ops.Threshold.apply(
        x, threshold=bound, value=value))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold with inplace=True: writes the result into input and returns it."""
    return _threshold(input, threshold, value, True)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold."""
    _floating(input, "softplus")
    return _ops.Softplus.apply(input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return _ops.Softsign.apply(_promoted(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _unary(input, inplace, "mish", _ops.Mish)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for inputs of any size."""
    _floating(input, "log_sigmoid")
    return _ops.LogSigmoid.apply(input)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x, with one weight, or one per channel (dim 1).

    Shapes: input (N, C, *) or any shape with a 1-element weight; weight (C,) or (1,) or ()."""
    _floating(input, "prelu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim > 1 else 1
    count = weight.numel()
    if count != 1 and count != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {count} and channel size = {channels}.")
    if weight.ndim == 0:
        weight = weight.reshape(1)
    if weight._data.dtype != input._data.dtype:
        weight = weight.to(input.dtype)
    return _ops.Prelu.apply(input, weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each non-positive element is multiplied by a slope
    drawn uniformly from [lower, upper] (its gradient is that slope); in evaluation the slope is
    (lower + upper) / 2."""
    _floating(input, "rrelu_with_noise")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    x = input._data
    if training:
        slopes = rng_of(None).uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
    else:
        slopes = np.asarray((lower + upper) / 2, dtype=x.dtype)
    noise = np.where(x > 0, np.ones((), x.dtype), slopes)
    return apply_maybe_inplace(input, inplace, "rrelu_",
                               lambda t: ops.Mul.apply(t, _make(noise, None)))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """rrelu with inplace=True: writes the result into input and returns it."""
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the halves of input along dim (which must be even)."""
    _floating(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _axis(dim, input.ndim)
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size "
                           f"{size}")
    return _ops.Glu.apply(input, axis=axis)


def _axis(dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim
