"""Batch and layer normalization (torch.nn.functional counterparts) over ember.ops.norm."""

from __future__ import annotations

import numpy as np

from ...ops.norm import BatchNormTraining, LayerNormFunction
from ...tensor import Tensor, _make
from ._args import check_float

__all__ = ["batch_norm", "layer_norm"]


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    return batch_norm_checked(input, running_mean, running_var, weight, bias, training,
                              momentum, eps, "batch_norm")


def batch_norm_checked(input, running_mean, running_var, weight, bias, training: bool,
                       momentum: float, eps: float, op: str, sync=None) -> Tensor:
    check_float(input, "input", op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input with at least 2 dims (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"{op}: {name} should have shape ({channels},) to match the "
                               f"{channels} channels of input of shape {tuple(input.shape)}, "
                               f"got {tuple(t.shape)}")
    if training:
        if input._data.size // max(channels, 1) <= 1:
            raise ValueError(f"{op}: expected more than 1 value per channel when training, got "
                             f"input of shape {tuple(input.shape)}")
        params = _affine_params(weight, bias, (channels,), input)
        return BatchNormTraining.apply(
            input, *params, eps=eps, momentum=momentum,
            running_mean=None if running_mean is None else running_mean._data,
            running_var=None if running_var is None else running_var._data, sync=sync)
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: running_mean and running_var must be given in evaluation "
                           "mode (training=False)")
    # Evaluation is a per-channel affine map; plain tensor ops give it its gradients.
    invstd = 1.0 / np.sqrt(running_var._data + eps)
    scale = _make(invstd.astype(input._data.dtype, copy=False), None)
    if weight is not None:
        scale = weight * scale
    shift = -(running_mean.to(input.dtype)) * scale
    if bias is not None:
        shift = shift + bias
    param_shape = (channels,) + (1,) * (input.ndim - 2)
    return input * scale.reshape(param_shape) + shift.reshape(param_shape)


def _affine_params(weight, bias, shape: tuple, input: Tensor) -> tuple[Tensor, ...]:
    """The Functions take (), (weight,) or (weight, bias): a lone bias gets a weight of ones."""
    if weight is None and bias is not None:
        weight = _make(np.ones(shape, dtype=input._data.dtype), None)
    return tuple(t for t in (weight, bias) if t is not None)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    return layer_norm_checked(input, normalized_shape, weight, bias, eps, "layer_norm")


def layer_norm_checked(input: Tensor, normalized_shape, weight, bias, eps: float,
                       op: str) -> Tensor:
    check_float(input, "input", op)
    shape = normalized_shape_of(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, shape))}], got shape "
                           f"{tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"{op}: {name} should have shape {shape}, got {tuple(t.shape)}")
    params = _affine_params(weight, bias, shape, input)
    return LayerNormFunction.apply(input, *params, normalized_ndim=k, eps=eps)


def normalized_shape_of(normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)
