"""Convolution, transposed convolution, fold/unfold and padding (torch.nn.functional
counterparts) over ember.ops.conv.

These check arguments the way PyTorch does, with messages that name the op and the shapes, work out
the geometry (padding per side, output size), and hand plain NumPy work to the primitives. The
layers in ember.nn.modules call the `*_checked` variants, which take the name to put in errors: the
layer's (`Conv2d`) rather than the function's (`conv2d`).
"""

from __future__ import annotations

import numpy as np

from ...ops.conv import Col2im, Convolution, ConvTranspose, Im2col, Separable2d
from ...tensor import Tensor
from ._args import LAYOUTS, PADDING_MODES, IntPair, batched, check_float, ntuple, pair, unbatched

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "fold", "unfold"]


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of an (N, C, L) or (C, L) input with (O, C/groups, k) filters;
    padding may be ints or 'valid' / 'same'."""
    return conv_checked(input, weight, bias, stride, padding, dilation, groups, "conv1d", 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an (N, C, H, W) or (C, H, W) input with (O, C/groups, kh, kw)
    filters; padding may be ints or 'valid' / 'same'."""
    return conv_checked(input, weight, bias, stride, padding, dilation, groups, "conv2d", 2)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of an (N, C, D, H, W) or (C, D, H, W) input with
    (O, C/groups, kd, kh, kw) filters; padding may be ints or 'valid' / 'same'."""
    return conv_checked(input, weight, bias, stride, padding, dilation, groups, "conv3d", 3)


def conv2d_checked(input, weight, bias, stride, padding, dilation, groups: int, op: str,
                   padding_mode: str = "zeros") -> Tensor:
    return conv_checked(input, weight, bias, stride, padding, dilation, groups, op, 2,
                        padding_mode)


def _check_weight_and_bias(input, weight, bias, groups, op: str, dims: int,
                           transposed: bool) -> int:
    """Checks shared by convolutions and transposed ones; returns the input's channel count."""
    check_float(weight, "weight", op)
    layout = "in_channels, out_channels/groups" if transposed else \
        "out_channels, in_channels/groups"
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{op}: expected a {dims + 2}-D weight ({layout}, *kernel_size), got "
                           f"shape {tuple(weight.shape)}")
    first, second = weight.shape[:2]
    if not isinstance(groups, (int, np.integer)) or groups < 1 or first % groups:
        which = "input" if transposed else "output"
        raise RuntimeError(f"{op}: groups must be a positive int dividing the weight's "
                           f"{first} {which} channels, got {groups!r}")
    channels = first if transposed else second * groups
    out_channels = second * groups if transposed else first
    check_float(input, "input", op)
    if input.ndim not in (dims + 1, dims + 2) or input.shape[-dims - 1] != channels:
        raise RuntimeError(f"{op}: expected input with {dims + 2} dims {LAYOUTS[dims]} and "
                           f"{channels} channels, got shape {tuple(input.shape)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                           "must be the same")
    if bias is not None:
        check_float(bias, "bias", op)
        if tuple(bias.shape) != (out_channels,) or bias.dtype != weight.dtype:
            raise RuntimeError(f"{op}: expected a bias of shape ({out_channels},) and dtype "
                               f"{weight.dtype}, got shape {tuple(bias.shape)} and {bias.dtype}")
    return channels


def conv_checked(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
                 groups: int, op: str, dims: int, padding_mode: str = "zeros") -> Tensor:
    """conv1d/2d/3d (dims spatial dims), plus the layers' padding_mode (a non-zero padding is
    applied before the GEMM)."""
    _check_weight_and_bias(input, weight, bias, groups, op, dims, transposed=False)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, dims, "stride", op, 1)
    dilation = ntuple(dilation, dims, "dilation", op, 1)
    pads = _conv_pads(padding, kernel, stride, dilation, op)
    x, was_unbatched = batched(input, op, dims)
    if padding_mode != "zeros":
        x = pad_by_mode_nd(x, pads, padding_mode, op)
        pads = (0,) * (2 * dims)
    padded = [size + before + after
              for size, before, after in zip(x.shape[2:], pads[0::2], pads[1::2])]
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"{op}: padded input size per channel {' x '.join(map(str, padded))} "
                           f"is smaller than the (dilated) kernel {' x '.join(map(str, reach))}; "
                           f"input shape {tuple(input.shape)}, weight shape "
                           f"{tuple(weight.shape)}")
    params = (x, weight) if bias is None else (x, weight, bias)
    out = Convolution.apply(*params, stride=stride, pads=pads, dilation=dilation,
                            groups=int(groups))
    return unbatched(out, was_unbatched)


def _conv_pads(padding, kernel, stride, dilation, op: str) -> tuple[int, ...]:
    """(before, after) per spatial dim, flat, for ints or 'valid' / 'same' (odd excess goes
    after, as in PyTorch)."""
    dims = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * dims)
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of "
                             "'valid', 'same'")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(p for total in totals for p in (total // 2, total - total // 2))
    return tuple(p for p in ntuple(padding, dims, "padding", op, 0) for _ in range(2))


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution of an (N, C_in, L) or (C_in, L) input with
    (C_in, C_out/groups, k) filters: the gradient of conv1d with respect to its input."""
    return conv_transpose_checked(input, weight, bias, stride, padding, output_padding, groups,
                                  dilation, "conv_transpose1d", 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> Tensor:
    """2-D transposed convolution of an (N, C_in, H, W) or (C_in, H, W) input with
    (C_in, C_out/groups, kh, kw) filters: the gradient of conv2d with respect to its input.
    Output size per dim: (in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1."""
    return conv_transpose_checked(input, weight, bias, stride, padding, output_padding, groups,
                                  dilation, "conv_transpose2d", 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution of an (N, C_in, D, H, W) or (C_in, D, H, W) input with
    (C_in, C_out/groups, kd, kh, kw) filters."""
    return conv_transpose_checked(input, weight, bias, stride, padding, output_padding, groups,
                                  dilation, "conv_transpose3d", 3)


def conv_transpose_checked(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, op: str, dims: int) -> Tensor:
    _check_weight_and_bias(input, weight, bias, groups, op, dims, transposed=True)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, dims, "stride", op, 1)
    dilation = ntuple(dilation, dims, "dilation", op, 1)
    padding = ntuple(padding, dims, "padding", op, 0)
    output_padding = ntuple(output_padding, dims, "output_padding", op, 0)
    if any(p >= s and p >= d for p, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={output_padding}, "
                           f"stride={stride}, dilation={dilation}")
    x, was_unbatched = batched(input, op, dims)
    out_size = tuple(
        (size - 1) * s - 2 * p + d * (k - 1) + extra + 1
        for size, s, p, d, k, extra in zip(x.shape[2:], stride, padding, dilation, kernel,
                                           output_padding))
    if min(out_size) < 1:
        raise RuntimeError(f"{op}: output size {out_size} is too small for an input of shape "
                           f"{tuple(input.shape)} and weight of shape {tuple(weight.shape)}")
    pads = tuple(p for p in padding for _ in range(2))
    params = (x, weight) if bias is None else (x, weight, bias)
    out = ConvTranspose.apply(*params, stride=stride, pads=pads, dilation=dilation,
                              groups=int(groups), out_size=out_size)
    return unbatched(out, was_unbatched)


def transpose_output_padding(input: Tensor, output_size, stride, padding, kernel, dilation,
                             op: str) -> tuple[int, ...]:
    """The output_padding that gives a transposed convolution output_size (its last len(kernel)
    entries: PyTorch also accepts the batch and channel sizes in front)."""
    dims = len(kernel)
    sizes = [int(s) for s in output_size]
    if len(sizes) == dims + 2:
        sizes = sizes[2:]
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must have {dims} or {dims + 2} elements (got "
                         f"{len(sizes)})")
    spatial = input.shape[-dims:]
    smallest = [(size - 1) * s - 2 * p + d * (k - 1) + 1
                for size, s, p, d, k in zip(spatial, stride, padding, dilation, kernel)]
    largest = [low + s - 1 for low, s in zip(smallest, stride)]
    if any(not low <= size <= high for size, low, high in zip(sizes, smallest, largest)):
        raise ValueError(f"{op}: requested an output size of {sizes}, but valid sizes range "
                         f"from {smallest} to {largest} (for an input of {list(spatial)})")
    return tuple(size - low for size, low in zip(sizes, smallest))


def unfold(input: Tensor, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
           stride: IntPair = 1) -> Tensor:
    """Sliding blocks of an (N, C, H, W) or (C, H, W) input as columns: (N, C*kh*kw, L), L the
    number of block positions."""
    return unfold_checked(input, kernel_size, dilation, padding, stride, "unfold")


def unfold_checked(input, kernel_size, dilation, padding, stride, op: str) -> Tensor:
    kernel = pair(kernel_size, "kernel_size", op, 1)
    dilation, stride = pair(dilation, "dilation", op, 1), pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    x, was_unbatched = batched(input, op)
    blocks = _block_counts(x.shape[2:], kernel, dilation, padding, stride, op)
    if min(blocks) < 1:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} is too small for "
                           f"kernel_size={kernel}, dilation={dilation}, padding={padding}: "
                           f"{blocks} blocks")
    pads = (padding[0], padding[0], padding[1], padding[1])
    out = Im2col.apply(x, geometry=(kernel, stride, pads, dilation, 1), batch_major=True)
    return unbatched(out, was_unbatched)


def fold(input: Tensor, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
         padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """The sum of sliding blocks (N, C*kh*kw, L) or (C*kh*kw, L) onto an (N, C, *output_size)
    image: the adjoint of unfold."""
    return fold_checked(input, output_size, kernel_size, dilation, padding, stride, "fold")


def fold_checked(input, output_size, kernel_size, dilation, padding, stride, op: str) -> Tensor:
    size = pair(output_size, "output_size", op, 1)
    kernel = pair(kernel_size, "kernel_size", op, 1)
    dilation, stride = pair(dilation, "dilation", op, 1), pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    check_float(input, "input", op)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{op}: expected a 2-D or 3-D input (N, C*kh*kw, L), got shape "
                           f"{tuple(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    per_block = kernel[0] * kernel[1]
    blocks = _block_counts(size, kernel, dilation, padding, stride, op)
    if x.shape[1] % per_block or x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"{op}: expected an input of shape (N, C*{per_block}, "
                           f"{blocks[0] * blocks[1]}) for output_size={size}, "
                           f"kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                           f"stride={stride}, got shape {tuple(input.shape)}")
    out_shape = (x.shape[0], x.shape[1] // per_block, *size)
    pads = (padding[0], padding[0], padding[1], padding[1])
    out = Col2im.apply(x, x_shape=out_shape, geometry=(kernel, stride, pads, dilation, 1),
                       batch_major=True)
    return out.squeeze(0) if input.ndim == 2 else out


def _block_counts(size, kernel, dilation, padding, stride, op: str) -> tuple[int, int]:
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))


def pad_by_mode_nd(x: Tensor, pads: tuple[int, ...], mode: str, op: str) -> Tensor:
    """pad_by_mode over 1, 2 or 3 spatial dims: a 1-D input as a 2-D one of height 1, a 3-D one
    in two passes, (H, W) and then the depth with the last two dims swapped."""
    dims = len(pads) // 2
    if dims == 1:
        return pad_by_mode(x.unsqueeze(2), (0, 0, *pads), mode, op).squeeze(2)
    if dims == 2:
        return pad_by_mode(x, pads, mode, op)
    x = pad_by_mode(x, pads[2:], mode, op).transpose(2, 4)  # (N, C, W, H, D)
    return pad_by_mode(x, (0, 0, *pads[:2]), mode, op).transpose(2, 4)


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
