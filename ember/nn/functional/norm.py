"""Normalization functions (torch.nn.functional counterparts): batch and layer norm over the
fused Functions of ember.ops.norm; group, instance, RMS and local response norm composed from
them and from tensor ops (each is a handful of nodes: layer norm over a reshape, then the
per-channel affine map)."""

from __future__ import annotations

import numpy as np

from ...ops.norm import BatchNormTraining, LayerNormFunction
from ...tensor import Tensor, _make
from ._args import check_float
from .padding import pad

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization (Ioffe & Szegedy, 2015): each channel (dim 1) normalized by its mean and
    variance over the batch and spatial dims, then scaled by weight and shifted by bias.

    training=True uses the batch statistics (biased variance) and updates running_mean and
    running_var in place with `momentum` (the unbiased variance); training=False uses the running
    statistics. Shape: input (N, C, *), running stats, weight and bias (C,); output as input.
    Raises RuntimeError for a non-floating input, parameters of the wrong shape or missing running
    stats in evaluation; ValueError for fewer than 2 dims or 1 value per channel when training.
    """
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
    """Layer normalization (Ba et al., 2016): over the last len(normalized_shape) dims,
    (x - mean) / sqrt(var + eps) (biased variance), times weight plus bias.

    Shape: input (*, *normalized_shape); weight and bias normalized_shape; output as input.
    Raises RuntimeError for a non-floating input, or an input or parameters whose shapes do not
    match normalized_shape.
    """
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


def _channel_affine(x: Tensor, weight, bias) -> Tensor:
    """x * weight + bias with weight and bias of shape (C,) along dim 1 of x."""
    shape = (-1,) + (1,) * (x.ndim - 2)
    if weight is not None:
        x = x * weight.reshape(shape)
    if bias is not None:
        x = x + bias.reshape(shape)
    return x


def _check_channel_params(input: Tensor, weight, bias, op: str) -> None:
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"{op}: expected {name} of shape ({channels},) for the "
                               f"{channels} channels of input of shape {tuple(input.shape)}, "
                               f"got {tuple(t.shape)}")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalizes each group of C / num_groups channels of each sample over those channels and
    every spatial position, then applies the per-channel weight and bias.

    Shape: (N, C, *) -> same. Errors: RuntimeError for C not divisible by num_groups or
    parameters not of shape (C,)."""
    return group_norm_checked(input, num_groups, weight, bias, eps, "group_norm")


def group_norm_checked(input, num_groups: int, weight, bias, eps: float, op: str) -> Tensor:
    check_float(input, "input", op)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected input with at least 2 dims (N, C, *), got shape "
                           f"{tuple(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"{op}: Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    _check_channel_params(input, weight, bias, op)
    grouped = input.reshape(n, num_groups, -1)
    normalized = LayerNormFunction.apply(grouped, normalized_ndim=1, eps=eps)
    return _channel_affine(normalized.reshape(input.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel of each sample over its spatial positions (use_input_stats), or
    by the running statistics; then the per-channel weight and bias. With use_input_stats, the
    running statistics given are updated with the batch mean of the per-instance means and
    unbiased variances, weighted by `momentum`.

    Shape: (N, C, *spatial) -> same. Errors: ValueError for a single spatial element when using
    input statistics; RuntimeError for parameters not of shape (C,)."""
    return instance_norm_checked(input, running_mean, running_var, weight, bias,
                                 use_input_stats, momentum, eps, "instance_norm")


def instance_norm_checked(input, running_mean, running_var, weight, bias, use_input_stats: bool,
                          momentum: float, eps: float, op: str) -> Tensor:
    check_float(input, "input", op)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected input with at least 3 dims (N, C, *spatial), got "
                         f"shape {tuple(input.shape)}")
    _check_channel_params(input, weight, bias, op)
    if not use_input_stats:
        return batch_norm_checked(input, running_mean, running_var, weight, bias, False,
                                  momentum, eps, op)
    spatial = int(np.prod(input.shape[2:]))
    if spatial <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    if running_mean is not None or running_var is not None:
        _update_instance_stats(input._data, running_mean, running_var, momentum, spatial)
    normalized = LayerNormFunction.apply(input, normalized_ndim=input.ndim - 2, eps=eps)
    return _channel_affine(normalized, weight, bias)


def _update_instance_stats(x: np.ndarray, running_mean, running_var, momentum: float,
                           spatial: int) -> None:
    """PyTorch's update: the batch mean of each instance's mean and unbiased variance."""
    axes = tuple(range(2, x.ndim))
    if running_mean is not None:
        mean = x.mean(axis=axes).mean(axis=0)
        running_mean._data *= 1 - momentum
        running_mean._data += momentum * mean.astype(running_mean._data.dtype)
    if running_var is not None:
        var = x.var(axis=axes, ddof=1).mean(axis=0)
        running_var._data *= 1 - momentum
        running_var._data += momentum * var.astype(running_var._data.dtype)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x**2) + eps) * weight, the mean over the trailing `normalized_shape` dims;
    eps None is the dtype's machine epsilon (torch.finfo(dtype).eps).

    Shape: (*, *normalized_shape) -> same. Errors: RuntimeError for trailing dims or a weight
    that do not match normalized_shape."""
    return rms_norm_checked(input, normalized_shape, weight, eps, "rms_norm")


def rms_norm_checked(input, normalized_shape, weight, eps: float | None, op: str) -> Tensor:
    check_float(input, "input", op)
    shape = normalized_shape_of(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, shape))}], got shape "
                           f"{tuple(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"{op}: weight should have shape {shape}, got {tuple(weight.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * (input.square().mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x**2 over `size` neighbouring channels) ** beta, the window
    centred on each channel (zero beyond the edges; the mean always divides by `size`).

    Shape: (N, C, *) -> same. Errors: ValueError for fewer than 3 dims."""
    return local_response_norm_checked(input, size, alpha, beta, k, "local_response_norm")


def local_response_norm_checked(input, size: int, alpha: float, beta: float, k: float,
                                op: str) -> Tensor:
    check_float(input, "input", op)
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    squares = input.square()
    pads = [0, 0] * (input.ndim - 2) + [size // 2, (size - 1) // 2]
    padded = pad(squares, pads)
    window = padded[:, 0:c]
    for offset in range(1, size):
        window = window + padded[:, offset:offset + c]
    return input / (window * (alpha / size) + k).pow(beta)
