"""PyTorch's `out=` keyword: the result is written into a given tensor, which is returned.

As in PyTorch: out= is refused when autograd would record the op (an input or `out` requires
grad, in grad mode); the result must be castable to out's dtype (not float into an integer
tensor); an `out` of the wrong shape is resized (with PyTorch's deprecation warning unless it was
empty), and the write counts as an in-place change of `out`.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from ._args import type_name
from .autograd import _mode
from .autograd.function import version_counter
from .dtypes import category
from .tensor import Tensor


def write_out(out, result, name: str):
    """Write result (a Tensor, or a tuple of them for ops with several outputs) into out."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        written = tuple(write_out(o, r, name) for o, r in zip(out, result))
        return type(result)(*written) if hasattr(result, "_fields") else written
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _mode.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    got, want = result._data.dtype, out._data.dtype
    if category(got) > category(want):
        raise RuntimeError(f"{name}(): result type {type_name(result)} can't be cast to the "
                           f"desired output type {type_name(out)}")
    if out._data.shape != result._data.shape:
        _resize(out, result._data.shape, name)
    np.copyto(out._data, result._data, casting="unsafe")
    version_counter(out).version += 1
    return out


def _resize(out: Tensor, shape: tuple, name: str) -> None:
    if out._data.size:
        warnings.warn(
            f"{name}(): An output with one or more elements was resized since it had shape "
            f"{list(out._data.shape)}, which does not match the required output shape "
            f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
            "outputs will not be resized unless they have zero elements. You can explicitly "
            "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
            UserWarning, stacklevel=4)
    count = int(np.prod(shape))
    if out._data.flags.c_contiguous and count <= out._data.size:
        # in its own memory, as PyTorch keeps a storage that is large enough (a view's too)
        out._data = out._data.reshape(-1)[:count].reshape(shape)
    elif out._base is None:
        out._data = np.empty(shape, out._data.dtype)
    else:
        raise RuntimeError(f"{name}(): cannot resize out=, a view of shape "
                           f"{list(out._data.shape)}, to {list(shape)}")


def takes_out(fn):
    """fn with PyTorch's keyword-only `out=None` added."""
    name = fn.__name__

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        return result if out is None else write_out(out, result, name)

    return with_out
