"""Convolution, pooling and normalization functions (torch.nn.functional counterparts).

This module checks arguments the way PyTorch does, with messages that name the op and the
shapes, works out the geometry (padding per side, output size), and hands plain NumPy work to
the Functions of ember.nn._conv_ops and ember.nn._norm_ops. The layers in ember.nn.modules call
the `*_checked` variants, which take the name to put in errors: the layer's (`Conv2d`) rather
than the function's (`conv2d`).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._conv_ops import AvgPool2D, Convolution, MaxPool2D, Separable2d, max_pool_with_argmax
from ._norm_ops import BatchNormTraining, LayerNormFunction

__all__ = ["conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
           "layer_norm"]

IntPair = int | tuple[int, int]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def pair(value, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as a pair, each at least `minimum`."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise RuntimeError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def _check_float(t: Tensor, what: str, op: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be an ember.Tensor, got {type(t).__name__}")
    if t._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point {what}, got dtype {t.dtype}")


def _batched(input: Tensor, op: str) -> tuple[Tensor, bool]:
    """A 4-D view of an (N, C, H, W) or unbatched (C, H, W) input, and whether it was unbatched."""
    _check_float(input, "input", op)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected input with 4 dims (N, C, H, W) (or 3 without the "
                           f"batch dim), got shape {tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


def _unbatched(out: Tensor, was_unbatched: bool) -> Tensor:
    return out.squeeze(0) if was_unbatched else out


# ---- convolution -------------------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an (N, C, H, W) or (C, H, W) input with (O, C/groups, kh, kw)
    filters; padding may be ints or 'valid' / 'same'."""
    return conv2d_checked(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def conv2d_checked(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
                   groups: int, op: str, padding_mode: str = "zeros") -> Tensor:
    """conv2d, plus Conv2d's padding_mode (a non-zero padding is applied before the GEMM)."""
    _check_float(weight, "weight", op)
    if weight.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight (out_channels, in_channels/groups, kh, "
                           f"kw), got shape {tuple(weight.shape)}")
    out_channels, group_channels, kh, kw = weight.shape
    if not isinstance(groups, (int, np.integer)) or groups < 1 or out_channels % groups:
        raise RuntimeError(f"{op}: groups must be a positive int dividing the weight's "
                           f"{out_channels} output channels, got {groups!r}")
    channels = group_channels * groups
    _check_float(input, "input", op)
    if input.ndim not in (3, 4) or input.shape[-3] != channels:
        raise RuntimeError(f"{op}: expected input with 4 dims (N, C, H, W) and {channels} "
                           f"channels, got shape {tuple(input.shape)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                           "must be the same")
    if bias is not None:
        _check_float(bias, "bias", op)
        if tuple(bias.shape) != (out_channels,) or bias.dtype != weight.dtype:
            raise RuntimeError(f"{op}: expected a bias of shape ({out_channels},) and dtype "
                               f"{weight.dtype}, got shape {tuple(bias.shape)} and {bias.dtype}")
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    pads = _conv_pads(padding, (kh, kw), stride, dilation, op)
    x, was_unbatched = _batched(input, op)
    if padding_mode != "zeros":
        x = pad_by_mode(x, pads, padding_mode, op)
        pads = (0, 0, 0, 0)
    padded = (x.shape[2] + pads[0] + pads[1], x.shape[3] + pads[2] + pads[3])
    reach = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise RuntimeError(f"{op}: padded input size per channel {padded[0]} x {padded[1]} is "
                           f"smaller than the (dilated) kernel {reach[0]} x {reach[1]}; input "
                           f"shape {tuple(input.shape)}, weight shape {tuple(weight.shape)}")
    params = (x, weight) if bias is None else (x, weight, bias)
    out = Convolution.apply(*params, stride=stride, pads=pads, dilation=dilation,
                            groups=int(groups))
    return _unbatched(out, was_unbatched)


def _conv_pads(padding, kernel, stride, dilation, op: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for ints or 'valid' / 'same' (odd excess goes bottom/right,
    as in PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of "
                             "'valid', 'same'")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        total_h, total_w = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
        return (total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2)
    ph, pw = pair(padding, "padding", op, 0)
    return (ph, ph, pw, pw)


def pad_by_mode(x: Tensor, pads: tuple[int, int, int, int], mode: str, op: str) -> Tensor:
    """Pad the last two dims by reflection, replication or wrapping around (PyTorch's reflect,
    replicate and circular modes), as a 0/1 matrix map along each of the two dims."""
    if mode not in PADDING_MODES[1:]:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, got {mode!r}")
    h, w = x.shape[-2:]
    # PyTorch's limits: reflect needs pad < size, circular pad <= size; replicate has none.
    slack = {"reflect": 1, "circular": 0}.get(mode)
    if slack is not None and (max(pads[:2]) > h - slack or max(pads[2:]) > w - slack):
        raise RuntimeError(f"{op}: {mode} padding {pads} is too large for an input of shape "
                           f"{tuple(x.shape)}")
    rows = _source_matrix(h, pads[0], pads[1], mode, x._data.dtype)
    cols = _source_matrix(w, pads[2], pads[3], mode, x._data.dtype)
    return Separable2d.apply(x, rows=rows, cols=cols)


def _source_matrix(size: int, before: int, after: int, mode: str, dtype) -> np.ndarray:
    """(before + size + after, size) 0/1 matrix picking each padded position's source."""
    pos = np.arange(-before, size + after)
    if mode == "reflect":
        pos = np.abs(pos)
        pos = np.where(pos >= size, 2 * (size - 1) - pos, pos)
    elif mode == "replicate":
        pos = np.clip(pos, 0, size - 1)
    else:
        pos = pos % size
    return (pos[:, None] == np.arange(size)).astype(dtype)


# ---- pooling -----------------------------------------------------------------------------
def _pool_geometry(x: Tensor, kernel, stride, padding, dilation, ceil_mode: bool, op: str):
    """Per-side padding (with ceil_mode's overhang on the bottom/right) and output size."""
    h, w = x.shape[-2:]
    pads, out = [], []
    for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation):
        if p > k // 2:
            raise RuntimeError(f"{op}: pad should be at most half of kernel size, but got "
                               f"padding={padding} and kernel_size={kernel}")
        n = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1  # the last window must start inside the input or its left padding
        if n < 1:
            raise RuntimeError(f"{op}: input of shape {tuple(x.shape)} is too small for "
                               f"kernel_size={kernel}, stride={stride}, padding={padding}, "
                               f"dilation={dilation}: output size would be {n}")
        overhang = max(0, (n - 1) * s + d * (k - 1) + 1 - (size + 2 * p))
        pads += [p, p + overhang]
        out.append(n)
    return tuple(pads), tuple(out)


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    return max_pool2d_checked(input, kernel_size, stride, padding, dilation, ceil_mode,
                              return_indices, "max_pool2d")


def max_pool2d_checked(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       op: str):
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op, 1)
    x, was_unbatched = _batched(input, op)
    pads, out_hw = _pool_geometry(x, kernel, stride, padding, dilation, ceil_mode, op)
    out = _unbatched(MaxPool2D.apply(x, kernel=kernel, stride=stride, dilation=dilation,
                                     pads=pads, out_hw=out_hw), was_unbatched)
    if not return_indices:
        return out
    # Indices are not differentiable, so they are recomputed here rather than threaded out of
    # the autograd Function (return_indices is rare: MaxUnpool).
    _, argmax = max_pool_with_argmax(x._data, kernel, stride, dilation, pads, out_hw)
    i, j = np.divmod(argmax.astype(np.int64), kernel[1])
    rows = np.arange(out_hw[0])[:, None] * stride[0] - pads[0] + i * dilation[0]
    cols = np.arange(out_hw[1]) * stride[1] - pads[2] + j * dilation[1]
    indices = Tensor(rows * x.shape[3] + cols)
    return out, _unbatched(indices, was_unbatched)


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    return avg_pool2d_checked(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                              divisor_override, "avg_pool2d")


def avg_pool2d_checked(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, op: str) -> Tensor:
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    x, was_unbatched = _batched(input, op)
    pads, out_hw = _pool_geometry(x, kernel, stride, padding, (1, 1), ceil_mode, op)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must be non-zero")
        divisor = np.asarray(divisor_override, dtype=x._data.dtype)
    else:
        divisor = np.outer(*(_window_counts(size, k, s, p, n, count_include_pad)
                             for size, k, s, p, n in zip(x.shape[2:], kernel, stride, padding,
                                                         out_hw))).astype(x._data.dtype)
    out = AvgPool2D.apply(x, kernel=kernel, stride=stride, pads=pads, out_hw=out_hw,
                          divisor=divisor)
    return _unbatched(out, was_unbatched)


def _window_counts(size: int, k: int, s: int, p: int, n: int, count_pad: bool) -> np.ndarray:
    """Elements each window counts along one dim: padding included or not, but never the
    ceil_mode overhang past the padding (PyTorch's rule)."""
    start = np.arange(n) * s - p
    end = np.minimum(start + k, size + p)
    if count_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    return adaptive_avg_pool2d_checked(input, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool2d_checked(input: Tensor, output_size, op: str) -> Tensor:
    x, was_unbatched = _batched(input, op)
    h, w = x.shape[2:]
    sizes = (output_size, output_size) if not isinstance(output_size, (tuple, list)) \
        else tuple(output_size)
    if len(sizes) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    if min(oh, ow) < 1:
        raise RuntimeError(f"{op}: output_size must be positive, got {output_size!r}")
    if h % oh == 0 and w % ow == 0:  # even windows: a plain average pool, no matrices
        kernel = (h // oh, w // ow)
        out = AvgPool2D.apply(x, kernel=kernel, stride=kernel, pads=(0, 0, 0, 0),
                              out_hw=(oh, ow), divisor=np.asarray(kernel[0] * kernel[1],
                                                                  dtype=x._data.dtype))
    else:
        out = Separable2d.apply(x, rows=_adaptive_matrix(h, oh, x._data.dtype),
                                cols=_adaptive_matrix(w, ow, x._data.dtype))
    return _unbatched(out, was_unbatched)


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) averaging matrix over PyTorch's windows [floor(i*size/out),
    ceil((i+1)*size/out))."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    pos = np.arange(size)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


# ---- normalization -----------------------------------------------------------------------
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    return batch_norm_checked(input, running_mean, running_var, weight, bias, training,
                              momentum, eps, "batch_norm")


def batch_norm_checked(input, running_mean, running_var, weight, bias, training: bool,
                       momentum: float, eps: float, op: str) -> Tensor:
    _check_float(input, "input", op)
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
            running_var=None if running_var is None else running_var._data)
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: running_mean and running_var must be given in evaluation "
                           "mode (training=False)")
    # Evaluation is a per-channel affine map; plain tensor ops give it its gradients.
    scale = Tensor((1.0 / np.sqrt(running_var._data + eps)).astype(input._data.dtype, copy=False))
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
        weight = Tensor(np.ones(shape, dtype=input._data.dtype))
    return tuple(t for t in (weight, bias) if t is not None)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    return layer_norm_checked(input, normalized_shape, weight, bias, eps, "layer_norm")


def layer_norm_checked(input: Tensor, normalized_shape, weight, bias, eps: float,
                       op: str) -> Tensor:
    _check_float(input, "input", op)
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
