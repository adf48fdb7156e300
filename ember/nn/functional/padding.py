"""Padding (torch.nn.functional.pad): constant, reflect, replicate and circular.

Constant padding is ember.ops.Pad (with negative widths cropping first, by a view). The other
modes pick, for each padded position along each padded dim, the input position it copies, and
hand those index maps to ember.ops.resample.AxisMaps (one np.take per dim forward, the
transposed map backward).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import ops
from ...ops.resample import AxisMap, AxisMaps
from ...tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_TORCH_NODE = {"reflect": "ReflectionPad{d}D", "replicate": "ReplicationPad{d}D"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad `input`: `pad` lists (before, after) widths starting from the last dim, so (1, 2)
    pads the last dim, (1, 1, 2, 2) the last two. Negative widths crop.

    'constant' (fill with `value`, default 0) pads any dims. 'reflect' (mirror without the edge;
    widths below the dim's size), 'replicate' (repeat the edge) and 'circular' (wrap around;
    widths at most the size) pad the last 1, 2 or 3 dims of a 2-D/3-D, 3-D/4-D or 4-D/5-D input.

    Shape: (*, d_k, ..., d_1) -> (*, d_k + pad_k, ..., d_1 + pad_1). Any dtype for 'constant',
    floating point for the others. Errors: RuntimeError for an odd or too long `pad` and widths
    too large; NotImplementedError for dims the mode does not support and for a mode that is
    not one of the four.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be an ember.Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode!r}, should be one "
                                  f"of {', '.join(_MODES)}")
    widths = _widths(pad)
    ndim = input.ndim
    if len(widths) > ndim:
        raise RuntimeError(f"pad: padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {2 * len(widths)} and input "
                           f"of dimension {ndim} (shape {tuple(input.shape)})")
    if mode == "constant":
        return _constant(input, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    dims = len(widths)
    if dims not in (1, 2, 3) or ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"pad: only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now "
            f"(got mode {mode!r}, padding length {2 * dims} and input of shape "
            f"{tuple(input.shape)})")
    return pad_by_index(input, widths, mode, "pad")


def _widths(pad) -> list[tuple[int, int]]:
    """(before, after) per padded dim, from the first padded dim to the last one."""
    values = list(pad)
    if len(values) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got {len(values)}")
    if not all(isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"pad: padding widths must be ints, got {pad!r}")
    pairs = [(int(values[i]), int(values[i + 1])) for i in range(0, len(values), 2)]
    return pairs[::-1]


def _constant(input: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    first = input.ndim - len(widths)
    crop = [slice(None)] * first
    grow = [(0, 0)] * first
    for size, (before, after) in zip(input.shape[first:], widths):
        if size + before + after < 0:
            raise RuntimeError(f"pad: the input size {size}, plus negative padding {before} and "
                               f"{after} resulted in a negative output size, which is invalid "
                               f"(input shape {tuple(input.shape)})")
        crop.append(slice(max(-before, 0), size - max(-after, 0)))
        grow.append((max(before, 0), max(after, 0)))
    x = input[tuple(crop)] if any(min(w) < 0 for w in widths) else input
    return ops.Pad.apply(x, widths=tuple(grow), value=value)


def pad_by_index(input: Tensor, widths: list[tuple[int, int]], mode: str, op: str) -> Tensor:
    """Reflect, replicate or circular padding of the last len(widths) dims; `widths` are
    (before, after) per dim in order. Also what the layers' padding_mode uses."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f'{op}: "{mode}" padding expects a floating point input, got '
                           f"{input.dtype}")
    first = input.ndim - len(widths)
    maps = []
    for k, (size, (before, after)) in enumerate(zip(input.shape[first:], widths)):
        _check_widths(size, before, after, mode, first + k, input, op)
        if before == after == 0:
            maps.append(None)
            continue
        pos = np.arange(-before, size + after)
        if mode == "reflect":
            pos = np.abs(pos)
            pos = np.where(pos >= size, 2 * (size - 1) - pos, pos)
        elif mode == "replicate":
            pos = np.clip(pos, 0, size - 1)
        else:  # negative widths crop first; the rest wraps around what is left (as in torch)
            start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)
            pos = start + np.arange(-max(before, 0), kept + max(after, 0)) % kept
        maps.append(AxisMap.gather(pos, size))
    name = _TORCH_NODE.get(mode, "{d}").format(d=len(widths))
    return AxisMaps.apply(input, maps=tuple(maps),
                          torch_name=name + "Backward0" if mode != "circular" else None)


def _check_widths(size: int, before: int, after: int, mode: str, dim: int, input: Tensor,
                  op: str) -> None:
    where = f"at dimension {dim} of input {list(input.shape)}"
    if mode == "reflect" and (before >= size or after >= size):
        raise RuntimeError(f"{op}: Padding size should be less than the corresponding input "
                           f"dimension, but got: padding ({before}, {after}) {where}")
    if mode == "circular" and (before > size or after > size):
        raise RuntimeError(f"{op}: Padding value causes wrapping around more than once: "
                           f"padding ({before}, {after}) {where}")
    if size + before + after < 1:
        raise RuntimeError(f"{op}: input size {size} with padding ({before}, {after}) gives an "
                           f"output size below 1 {where}")
