"""Shape functions: views, permutations, expansion, joining, splitting and padding."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from . import ops
from ._args import _axes, _wrap_dim
from .promotion import cast_all
from .tensor import Tensor


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(input, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if shape == input._data.shape:
        return input
    return ops.Reshape.apply(input, shape=shape)


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                           f"tensor of shape {tuple(shape)}")
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


def squeeze(input, dim=None) -> Tensor:
    shape = input._data.shape
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_wrap_dim(d, len(shape)) for d in ((dim,) if isinstance(dim, int) else dim)}
        dims = {d for d in dims if d < len(shape) and shape[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in dims))


def unsqueeze(input, dim) -> Tensor:
    ndim = input._data.ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor of {ndim} dims "
                         f"(expected to be in range of [{-ndim - 1}, {ndim}])")
    shape = list(input._data.shape)
    shape.insert(dim % (ndim + 1), 1)
    return reshape(input, tuple(shape))


def permute(input, *dims) -> Tensor:
    dims = _shape_arg(dims)
    ndim = input._data.ndim
    if sorted(d % builtins.max(ndim, 1) for d in dims) != list(range(ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {ndim} dims of "
                           f"a tensor of shape {tuple(input._data.shape)}")
    return ops.Permute.apply(input, dims=tuple(d % builtins.max(ndim, 1) for d in dims))


def transpose(input, dim0, dim1) -> Tensor:
    ndim = input._data.ndim
    dim0, dim1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    dims = list(range(ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(input, dims)


swapaxes = swapdims = transpose


def t(input) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return input if input._data.ndim < 2 else transpose(input, 0, 1)


def expand(input, *sizes) -> Tensor:
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shape)})")
    if -1 in sizes[:lead]:
        raise RuntimeError(f"expand: the size -1 is not allowed in a new leading dim (sizes "
                           f"{sizes}, tensor shape {tuple(shape)})")
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ops.Expand.apply(input, shape=target)


def broadcast_to(input, shape) -> Tensor:
    return expand(input, tuple(shape))


def expand_as(input, other) -> Tensor:
    return expand(input, other._data.shape)


def flip(input, dims) -> Tensor:
    return ops.Flip.apply(input, dims=_axes(dims))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    return ops.Cat.apply(*cast_all(tensors), axis=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    return ops.Stack.apply(*cast_all(tensors), axis=dim)


def split(tensor, split_size_or_sections, dim=0) -> tuple[Tensor, ...]:
    dim = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {step} for a dim of "
                               f"size {n}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if np.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    lead = (slice(None),) * dim
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(tensor[lead + (slice(int(s), int(s) + k),)] for s, k in zip(starts, sizes))


def chunk(input, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    return split(input, math.ceil(input._data.shape[dim] / chunks), dim)


def unbind(input, dim=0) -> tuple[Tensor, ...]:
    lead = (slice(None),) * (dim % input._data.ndim)
    return tuple(input[lead + (i,)] for i in range(input._data.shape[dim]))


def narrow(input, dim, start, length) -> Tensor:
    lead = (slice(None),) * (dim % input._data.ndim)
    return input[lead + (slice(start, start + length),)]


def pad(input, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """F.pad: `pad` lists (left, right) pairs starting from the last dim, as in PyTorch."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    if len(pad) % 2 or len(pad) // 2 > input._data.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most twice the "
                           f"number of dims of a tensor of shape {tuple(input._data.shape)}")
    if builtins.min(pad, default=0) < 0:
        raise NotImplementedError("pad: negative padding is not supported")
    widths = [(0, 0)] * input._data.ndim
    for i in range(len(pad) // 2):
        widths[-1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return ops.Pad.apply(input, widths=tuple(widths), value=0.0 if value is None else value)


def numel(input) -> int:
    return input._data.size


__all__ = [name for name, obj in list(globals().items())
           if callable(obj) and getattr(obj, "__module__", None) == __name__
           and not name.startswith("_")]
