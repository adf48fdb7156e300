"""Pooling (torch.nn.functional counterparts) over ember.ops.pool: checks and geometry."""

from __future__ import annotations

import numpy as np

from ...ops.conv import Separable2d
from ...ops.pool import AvgPool2D, MaxPool2D, max_pool_with_argmax
from ...tensor import Tensor, _make
from ._args import IntPair, batched, pair, unbatched

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


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
    x, was_unbatched = batched(input, op)
    pads, out_hw = _pool_geometry(x, kernel, stride, padding, dilation, ceil_mode, op)
    out = unbatched(MaxPool2D.apply(x, kernel=kernel, stride=stride, dilation=dilation,
                                     pads=pads, out_hw=out_hw), was_unbatched)
    if not return_indices:
        return out
    # Indices are not differentiable, so they are recomputed here rather than threaded out of
    # the autograd Function (return_indices is rare: MaxUnpool).
    _, argmax = max_pool_with_argmax(x._data, kernel, stride, dilation, pads, out_hw)
    i, j = np.divmod(argmax.astype(np.int64), kernel[1])
    rows = np.arange(out_hw[0])[:, None] * stride[0] - pads[0] + i * dilation[0]
    cols = np.arange(out_hw[1]) * stride[1] - pads[2] + j * dilation[1]
    indices = _make(rows * x.shape[3] + cols, None)
    return out, unbatched(indices, was_unbatched)


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
    x, was_unbatched = batched(input, op)
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
    return unbatched(out, was_unbatched)


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
    x, was_unbatched = batched(input, op)
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
    return unbatched(out, was_unbatched)


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) averaging matrix over PyTorch's windows [floor(i*size/out),
    ceil((i+1)*size/out))."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    pos = np.arange(size)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)
