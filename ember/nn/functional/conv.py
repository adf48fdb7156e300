"""Convolution and padding (torch.nn.functional counterparts) over ember.ops.conv.

These check arguments the way PyTorch does, with messages that name the op and the shapes, work out
the geometry (padding per side, output size), and hand plain NumPy work to the primitives. The
layers in ember.nn.modules call the `*_checked` variants, which take the name to put in errors: the
layer's (`Conv2d`) rather than the function's (`conv2d`).
"""

from __future__ import annotations

import numpy as np

from ...ops.conv import Convolution, Separable2d
from ...tensor import Tensor
from ._args import PADDING_MODES, IntPair, batched, check_float, pair, unbatched

__all__ = ["conv2d"]


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an (N, C, H, W) or (C, H, W) input with (O, C/groups, kh, kw)
    filters; padding may be ints or 'valid' / 'same'."""
    return conv2d_checked(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def conv2d_checked(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
                   groups: int, op: str, padding_mode: str = "zeros") -> Tensor:
    """conv2d, plus Conv2d's padding_mode (a non-zero padding is applied before the GEMM)."""
    check_float(weight, "weight", op)
    if weight.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight (out_channels, in_channels/groups, kh, "
                           f"kw), got shape {tuple(weight.shape)}")
    out_channels, group_channels, kh, kw = weight.shape
    if not isinstance(groups, (int, np.integer)) or groups < 1 or out_channels % groups:
        raise RuntimeError(f"{op}: groups must be a positive int dividing the weight's "
                           f"{out_channels} output channels, got {groups!r}")
    channels = group_channels * groups
    check_float(input, "input", op)
    if input.ndim not in (3, 4) or input.shape[-3] != channels:
        raise RuntimeError(f"{op}: expected input with 4 dims (N, C, H, W) and {channels} "
                           f"channels, got shape {tuple(input.shape)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                           "must be the same")
    if bias is not None:
        check_float(bias, "bias", op)
        if tuple(bias.shape) != (out_channels,) or bias.dtype != weight.dtype:
            raise RuntimeError(f"{op}: expected a bias of shape ({out_channels},) and dtype "
                               f"{weight.dtype}, got shape {tuple(bias.shape)} and {bias.dtype}")
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    pads = _conv_pads(padding, (kh, kw), stride, dilation, op)
    x, was_unbatched = batched(input, op)
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
    return unbatched(out, was_unbatched)


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
