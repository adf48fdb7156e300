"""Pooling (torch.nn.functional counterparts) over ember.ops.pool: checks and geometry.

1-D pooling is the 2-D pooling of the input seen with height 1, as in PyTorch (so its grad_fn is
also a squeeze). LP pooling is composed of average pooling and element-wise ops, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ...ops.conv import Separable2d
from ...ops.pool import AdaptiveMaxPool2D, AvgPool2D, MaxPool2D, MaxUnpool2D, max_pool_with_argmax
from ...tensor import Tensor, _make
from ._args import IntPair, batched, ntuple, pair, unbatched
from .activation import relu

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool2d",
           "lp_pool1d", "lp_pool2d"]


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
    """Max over sliding kh x kw windows of an (N, C, H, W) or (C, H, W) input (padding is -inf;
    stride defaults to kernel_size). With return_indices, also each maximum's int64 index in its
    flattened H*W plane. Shape: (N, C, H_out, W_out), H_out = floor or ceil((H + 2*padding -
    dilation*(kh - 1) - 1) / stride) + 1. RuntimeError for padding over half the kernel or an
    empty output."""
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
    """Mean over sliding kh x kw windows of an (N, C, H, W) or (C, H, W) input, with PyTorch's
    count_include_pad, ceil_mode and divisor_override rules. Shape: (N, C, H_out, W_out)."""
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
    """Average pooling of an (N, C, H, W) or (C, H, W) input to output_size (an int, or a pair in
    which None keeps that size), over PyTorch's windows [floor(i*H/H_out), ceil((i+1)*H/H_out))."""
    return adaptive_avg_pool2d_checked(input, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool2d_checked(input: Tensor, output_size, op: str) -> Tensor:
    x, was_unbatched = batched(input, op)
    h, w = x.shape[2:]
    oh, ow = _adaptive_sizes(x, output_size, op)
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


def _adaptive_sizes(x: Tensor, output_size, op: str) -> tuple[int, int]:
    """An int or pair output_size (None in a pair keeps that dim's size), checked."""
    sizes = (output_size, output_size) if not isinstance(output_size, (tuple, list)) \
        else tuple(output_size)
    if len(sizes) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (size if want is None else want for size, want in zip(x.shape[2:], sizes))
    if min(oh, ow) < 1:
        raise RuntimeError(f"{op}: output_size must be positive, got {output_size!r}")
    return oh, ow


def _adaptive_windows(size: int, out: int) -> np.ndarray:
    """(out, widest) positions of PyTorch's adaptive windows [floor(i*size/out),
    ceil((i+1)*size/out)); narrower windows repeat their last position (which then never wins
    a first-maximum search)."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    widest = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(widest), end[:, None] - 1)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of an (N, C, H, W) or (C, H, W) input to output_size over PyTorch's adaptive
    windows; with return_indices, also each maximum's int64 index in its flattened H*W plane."""
    return adaptive_max_pool2d_checked(input, output_size, return_indices,
                                       "adaptive_max_pool2d")


def adaptive_max_pool2d_checked(input: Tensor, output_size, return_indices: bool, op: str):
    """The maximum over each adaptive window, with (if asked) its index in the H*W plane."""
    x, was_unbatched = batched(input, op)
    h, w = x.shape[2:]
    rows, cols = (_adaptive_windows(size, out)
                  for size, out in zip((h, w), _adaptive_sizes(x, output_size, op)))
    # (N, C, oh, ow, kh*kw): every window's values, gathered once
    values = x._data[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    values = values.reshape(*values.shape[:4], -1)
    winner = np.argmax(values, axis=-1)  # NaN wins, as PyTorch propagates it
    kw = cols.shape[1]
    indices = (rows[np.arange(len(rows))[:, None], winner // kw] * w
               + cols[np.arange(len(cols)), winner % kw])
    indices = indices[0] if was_unbatched else indices
    out = AdaptiveMaxPool2D.apply(input, indices=indices)  # unbatched too: no squeeze node
    return (out, _make(indices, None)) if return_indices else out


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: IntPair,
                 stride: IntPair | None = None, padding: IntPair = 0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: each value of input (N, C, H, W) written at its index
    (int64, from max_pool2d(return_indices=True)) in a zero plane of output_size, by default
    ((H - 1)*stride - 2*padding + kernel_size) per dim. RuntimeError for an index outside it."""
    return max_unpool2d_checked(input, indices, kernel_size, stride, padding, output_size,
                                "max_unpool2d")


def max_unpool2d_checked(input, indices, kernel_size, stride, padding, output_size,
                         op: str) -> Tensor:
    """max_pool2d's partial inverse: each value of input written at its index (from
    max_pool2d(return_indices=True)) in a zero (H, W) plane; the rest stays zero."""
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    x, _ = batched(input, op)
    if not isinstance(indices, Tensor) or indices._data.dtype.kind not in "iu" or \
            tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: expected integer indices of the input's shape "
                           f"{tuple(input.shape)}, got {indices!r:.80}")
    if output_size is None:
        plane = tuple((size - 1) * s - 2 * p + k
                      for size, k, s, p in zip(x.shape[2:], kernel, stride, padding))
    else:
        plane = tuple(int(v) for v in output_size)[-2:]
        if len(tuple(output_size)) not in (2, 3, 4):
            raise ValueError(f"{op}: output_size must have 2 elements (or the input's leading "
                             f"sizes first), got {output_size!r}")
    index = indices._data
    if index.size and (index.min() < 0 or index.max() >= plane[0] * plane[1]):
        raise RuntimeError(f"{op}: found an invalid max index {int(index.max())} for an output "
                           f"of size {plane[0]} x {plane[1]}")
    return MaxUnpool2D.apply(input, indices=index.astype(np.int64), plane=plane)


def _as_2d(input: Tensor, op: str) -> tuple[Tensor, bool]:
    """A 1-D pooling input (N, C, L) or (C, L) as (N, C, 1, L), and whether it was unbatched."""
    x, was_unbatched = batched(input, op, 1)
    return x.unsqueeze(2), was_unbatched


def _from_2d(out: Tensor, was_unbatched: bool) -> Tensor:
    return unbatched(out.squeeze(2), was_unbatched)


def _single(value, name: str, op: str, minimum: int) -> tuple[int, int]:
    """A 1-D pooling size as the 2-D one of height 1: (1, v) for sizes (minimum 1), (0, v) for
    padding (minimum 0)."""
    (v,) = ntuple(value, 1, name, op, minimum)
    return (minimum, v)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Max over sliding windows of an (N, C, L) or (C, L) input (max_pool2d of height 1): shape
    (N, C, L_out); with return_indices, also each maximum's int64 index along L."""
    return max_pool1d_checked(input, kernel_size, stride, padding, dilation, ceil_mode,
                              return_indices, "max_pool1d")


def max_pool1d_checked(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                       op: str):
    kernel = _single(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else _single(stride, "stride", op, 1)
    x, was_unbatched = _as_2d(input, op)
    out = max_pool2d_checked(x, kernel, stride, _single(padding, "padding", op, 0),
                             _single(dilation, "dilation", op, 1), ceil_mode, return_indices, op)
    if not return_indices:
        return _from_2d(out, was_unbatched)
    return _from_2d(out[0], was_unbatched), _from_2d(out[1], was_unbatched)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of an (N, C, L) or (C, L) input: shape (N, C, L_out)."""
    return avg_pool1d_checked(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                              "avg_pool1d")


def avg_pool1d_checked(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       op: str) -> Tensor:
    kernel = _single(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else _single(stride, "stride", op, 1)
    x, was_unbatched = _as_2d(input, op)
    out = avg_pool2d_checked(x, kernel, stride, _single(padding, "padding", op, 0), ceil_mode,
                             count_include_pad, None, op)
    return _from_2d(out, was_unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of an (N, C, L) or (C, L) input to length output_size."""
    return adaptive_avg_pool1d_checked(input, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool1d_checked(input: Tensor, output_size, op: str) -> Tensor:
    x, was_unbatched = _as_2d(input, op)
    (size,) = ntuple(output_size, 1, "output_size", op, 1)
    return _from_2d(adaptive_avg_pool2d_checked(x, (1, size), op), was_unbatched)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of an (N, C, L) or (C, L) input to length output_size; with return_indices,
    also each maximum's int64 index along L."""
    return adaptive_max_pool1d_checked(input, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool1d_checked(input: Tensor, output_size, return_indices: bool, op: str):
    x, was_unbatched = _as_2d(input, op)
    (size,) = ntuple(output_size, 1, "output_size", op, 1)
    out = adaptive_max_pool2d_checked(x, (1, size), return_indices, op)
    if not return_indices:
        return _from_2d(out, was_unbatched)
    return _from_2d(out[0], was_unbatched), _from_2d(out[1], was_unbatched)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: IntPair,
              stride: IntPair | None = None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x**p) ** (1/p), PyTorch's formula: an average pool of x**p
    times the window size."""
    kernel = pair(kernel_size, "kernel_size", "lp_pool2d", 1)
    out = avg_pool2d(input ** norm_type, kernel, stride, 0, ceil_mode)
    return _lp_root(out, kernel[0] * kernel[1], norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: int | None = None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x**p) ** (1/p) over an (N, C, L) or (C, L) input, as PyTorch
    computes it (an average pool of x**p times the window size)."""
    (kernel,) = ntuple(kernel_size, 1, "kernel_size", "lp_pool1d", 1)
    out = avg_pool1d(input ** norm_type, kernel, stride, 0, ceil_mode)
    return _lp_root(out, kernel, norm_type)


def _lp_root(mean: Tensor, window: int, norm_type: float) -> Tensor:
    # sign * relu(abs): as PyTorch, so that negative sums (odd p) become 0 with PyTorch's
    # gradients
    return (mean.sign() * relu(mean.abs()) * window) ** (1.0 / norm_type)
