"""Shape functions: views, permutations, expansion, joining, splitting and padding.

The view functions (view/reshape, permute and the transposes, expand, squeeze/unsqueeze,
diagonal, and the indexing-based split/chunk/unbind/narrow/select) return tensors that share
memory with their input, as PyTorch's do: see ember/views.py.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from . import ops
from ._args import _wrap_dim
from .promotion import cast_all
from .tensor import Tensor, _make
from .views import is_view_result, view_of


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def _target_shape(input, shape: tuple, op: str) -> tuple:
    """shape with a -1 resolved, or PyTorch's error when it does not fit the input."""
    size = input._data.size
    known = math.prod(n for n in shape if n != -1)
    where = f"(input shape {tuple(input._data.shape)})"
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {list(shape)} "
                           f"{where}")
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                               f"{where}")
        return tuple(size // known if n == -1 else n for n in shape)
    if known != size or builtins.min(shape, default=0) < 0:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                           f"{where}")
    return shape


def reshape(input, *shape) -> Tensor:
    """A view when the strides allow it, else a copy, as PyTorch's reshape."""
    shape = _shape_arg(shape)
    if shape == input._data.shape:
        return input
    shape = _target_shape(input, shape, "reshape")
    out = ops.Reshape.apply(input, shape=shape)
    if is_view_result(input._data, out._data):
        view_of(input, out, lambda base: reshape(base, shape))
    return out


def view(input, *shape) -> Tensor:
    """The same memory in another shape; PyTorch's RuntimeError when the strides do not allow
    it. `view(dtype)` reinterprets the bytes."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Sequence)):
        return _view_as_dtype(input, shape[0])
    shape = _target_shape(input, _shape_arg(shape), "view")
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.") from None
    out = ops.Reshape.apply(input, shape=shape)
    return view_of(input, out, lambda base: view(base, shape))


def _view_as_dtype(input, dtype) -> Tensor:
    from .dtypes import to_np

    np_dtype = to_np(dtype)
    if input.requires_grad and np_dtype != input._data.dtype:
        raise RuntimeError("view(dtype): a tensor that requires grad can only be viewed as its "
                           "own dtype")
    out = _make(input._data.view(np_dtype), None)
    return view_of(input, out, lambda base: _view_as_dtype(base, dtype))


def ravel(input) -> Tensor:
    """input flattened to 1-D (a view where its memory allows). Shape: (input.numel(),)."""
    return reshape(input, -1)


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    """input with dims start_dim .. end_dim merged into one (a view where its memory allows).

    Shape: (*, n_start, ..., n_end, *) -> (*, n_start * ... * n_end, *); a 0-d input gives
    shape (1,). Raises RuntimeError when start_dim comes after end_dim, IndexError for a dim out
    of range.
    """
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                           f"tensor of shape {tuple(shape)}")
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


def squeeze(input, dim=None) -> Tensor:
    """input (a view) without its dims of size 1: all of them, or those among `dim` (an int or a
    tuple); a named dim of another size is left as it is.
    """
    shape = input._data.shape
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_wrap_dim(d, len(shape)) for d in ((dim,) if isinstance(dim, int) else dim)}
        dims = {d for d in dims if d < len(shape) and shape[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in dims))


def unsqueeze(input, dim) -> Tensor:
    """input (a view) with a dim of size 1 inserted at position `dim` (in [-ndim - 1, ndim]).

    Raises IndexError for a dim out of that range.
    """
    ndim = input._data.ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor of {ndim} dims "
                         f"(expected to be in range of [{-ndim - 1}, {ndim}])")
    index = (slice(None),) * (dim % (ndim + 1)) + (None,)
    return input[index]


def permute(input, *dims) -> Tensor:
    """input (a view) with its dims reordered: dim i of the result is dim dims[i] of input.

    Raises RuntimeError when dims is not a permutation of input's dims.
    """
    dims = _shape_arg(dims)
    ndim = input._data.ndim
    if sorted(d % builtins.max(ndim, 1) for d in dims) != list(range(ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {ndim} dims of "
                           f"a tensor of shape {tuple(input._data.shape)}")
    dims = tuple(d % builtins.max(ndim, 1) for d in dims)
    out = ops.Permute.apply(input, dims=dims)
    return view_of(input, out, lambda base: permute(base, dims))


def movedim(input, source, destination) -> Tensor:
    """Dims `source` moved to positions `destination` (ints or sequences of ints)."""
    ndim = input._data.ndim
    src = [_wrap_dim(d, ndim) for d in ((source,) if isinstance(source, int) else source)]
    dst = [_wrap_dim(d, ndim) for d in (
        (destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    rest = iter(d for d in range(ndim) if d not in src)
    placed = dict(zip(dst, src))
    return permute(input, tuple(placed[i] if i in placed else next(rest) for i in range(ndim)))


moveaxis = movedim


def transpose(input, dim0, dim1) -> Tensor:
    """input (a view) with dims dim0 and dim1 swapped. Raises IndexError for a dim out of range."""
    ndim = input._data.ndim
    dim0, dim1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    if ndim == 0:  # dims 0 and -1 of a 0-d tensor: a view of it as it is
        return permute(input)
    dims = list(range(ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(input, dims)


swapaxes = swapdims = transpose


def t(input) -> Tensor:
    """The transpose of a matrix (a view); 0-d and 1-d inputs are returned as they are.

    Raises RuntimeError for more than 2 dims.
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return input if input._data.ndim < 2 else transpose(input, 0, 1)


def expand(input, *sizes) -> Tensor:
    """input broadcast (a view, without copying) to `sizes`; -1 keeps a dim's size, and new
    leading dims may be added.

    Only dims of size 1 can grow. Raises RuntimeError for fewer sizes than dims or a -1 in a new
    leading dim.
    """
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
    if target == shape:
        return input
    out = ops.Expand.apply(input, shape=target)
    return view_of(input, out, lambda base: expand(base, target))


def broadcast_to(input, shape) -> Tensor:
    """input expanded to `shape` (a view): expand(input, shape)."""
    return expand(input, tuple(shape))


def expand_as(input, other) -> Tensor:
    """input expanded to other's shape (a view): expand(input, other.shape)."""
    return expand(input, other._data.shape)


def flip(input, dims) -> Tensor:
    """input with its elements in reverse order along each of dims (a copy; dims 0 and -1 of a
    0-d tensor leave it as it is). Errors: IndexError for a dim out of range, RuntimeError for
    a dim given twice."""
    ndim = input._data.ndim
    axes = [_wrap_dim(d, ndim) for d in ((dims,) if isinstance(dims, int) else dims)]
    for d in axes:
        if axes.count(d) > 1:
            raise RuntimeError(f"flip: dim {d} appears multiple times in the list of dims")
    return ops.Flip.apply(input, dims=tuple(axes) if ndim else ())


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along existing dim `dim`; all must have the same shape except in that dim.

    Their dtypes are promoted to one. Raises RuntimeError for an empty sequence or mismatched
    shapes.
    """
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    return ops.Cat.apply(*cast_all(tensors), axis=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along a new dim `dim`; all must have the same shape.

    Shape: k tensors of shape S -> S with k inserted at dim. Raises RuntimeError for an empty
    sequence or mismatched shapes.
    """
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    return ops.Stack.apply(*cast_all(tensors), axis=dim)


def split(tensor, split_size_or_sections, dim=0) -> tuple[Tensor, ...]:
    """The tensor split into views along dim: chunks of split_size_or_sections elements (an int;
    the last may be smaller), or of the sizes in the list, which must sum to the dim's size.

    Raises RuntimeError for a non-positive split size or sizes that do not sum to the dim.
    """
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
    """input split into `chunks` views along dim, each of ceil(size / chunks) elements (the last
    may be smaller, and there may be fewer than `chunks`).
    """
    return split(input, math.ceil(input._data.shape[dim] / chunks), dim)


def unbind(input, dim=0) -> tuple[Tensor, ...]:
    """The tuple of slices of input along dim (views), each without that dim.

    Raises IndexError for a 0-d input.
    """
    if input._data.ndim == 0:
        raise IndexError(f"unbind(): Dimension specified as {dim} but tensor has no dimensions")
    dim = _wrap_dim(dim, input._data.ndim)
    lead = (slice(None),) * dim
    return tuple(input[lead + (i,)] for i in range(input._data.shape[dim]))


def narrow(input, dim, start, length) -> Tensor:
    """input[..., start:start + length, ...] along dim (start may count from the end): a view.
    Errors: RuntimeError for a 0-d input or a slice that leaves the dim."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, input._data.ndim)
    size, start, length = input._data.shape[dim], int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-size}, "
                         f"{size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({size}).")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


def select(input, dim, index) -> Tensor:
    """The slice of input at `index` along dim (a view without that dim): input[..., index, ...]."""
    lead = (slice(None),) * _wrap_dim(dim, input._data.ndim)
    return input[lead + (int(index),)]


def unflatten(input, dim, sizes) -> Tensor:
    """input with dim `dim` expanded into `sizes` (one may be -1, inferred).

    Shape: (*, n, *) -> (*, s1, ..., sk, *) with s1 * ... * sk = n. Raises RuntimeError when the
    sizes do not multiply up to the dim's size.
    """
    shape = input._data.shape
    dim = _wrap_dim(dim, len(shape))
    sizes = tuple(sizes)
    if sizes.count(-1) == 1:
        known = math.prod(n for n in sizes if n != -1)
        sizes = tuple(shape[dim] // known if n == -1 else n for n in sizes)
    if math.prod(sizes) != shape[dim]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[dim]}) in the input tensor")
    return reshape(input, shape[:dim] + sizes + shape[dim + 1:])


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes as the last dim: a view."""
    ndim = input._data.ndim
    dim1, dim2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = ops.Diagonal.apply(input, offset=offset, dim1=dim1, dim2=dim2)
    return view_of(input, out, lambda base: diagonal(base, offset, dim1, dim2))


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
