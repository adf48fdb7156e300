"""The `out=` keyword of the ember.* functions, as PyTorch's: the result is written into `out`,
which is resized if its shape differs (with PyTorch's warning when it held elements), and
returned. Writing into `out` is not differentiable: with grad mode on, an input that requires
grad (or an `out` that does) raises PyTorch's error."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from . import dtypes as _dt
from ._args import type_name
from .autograd import _mode
from .autograd.function import version_counter
from .tensor import Tensor


def write_out(name: str, result, out, cast: bool = False, inputs: tuple = ()):
    """`result` (a tensor or a tuple of them), or, when `out` is given, `result` written into
    `out` and `out` returned. `cast`: out may have another dtype that the result casts to
    without changing category upward (cumsum, the stacks); otherwise the dtypes must match.
    `inputs`: tensors that may not require grad with out= although the result has no
    gradient (argsort's input: PyTorch's argsort is the indices of a differentiable sort)."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        _check_grad(name, (*result, *inputs), out)
        for r, o in zip(result, out):
            _write(name, r, o, cast)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    _check_grad(name, (result, *inputs), (out,))
    _write(name, result, out, cast)
    return out


def _check_grad(name: str, results, outs) -> None:
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o).__name__}")
    if _mode.enabled and any(t.requires_grad for t in (*results, *outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _write(name: str, result: Tensor, out: Tensor, cast: bool) -> None:
    src, dst = result._data, out._data
    if src.dtype != dst.dtype:
        if not cast:
            raise RuntimeError(f"{name}(): Expected out tensor to have dtype {result.dtype}, but "
                               f"got {out.dtype} instead")
        if _dt.category(src.dtype) > _dt.category(dst.dtype):
            raise RuntimeError(f"{name}(): result type {type_name(result)} can't be cast to "
                               f"the desired output type {type_name(out)}")
    if dst.shape != src.shape:
        if out._base is not None or out._vc is not None and out._vc.views:
            raise RuntimeError(f"{name}(): out= of shape {list(dst.shape)} shares its memory "
                               f"with other tensors and cannot be resized to {list(src.shape)}")
        if dst.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(dst.shape)}, which does not match the required output shape "
                          f"{list(src.shape)} ({name}(..., out=)). This behavior is deprecated, "
                          "and in a future PyTorch release outputs will not be resized unless "
                          "they have zero elements.", UserWarning, stacklevel=3)
        out._data = dst = np.empty(src.shape, dst.dtype)
    np.copyto(dst, src, casting="unsafe")
    version_counter(out).version += 1


def takes_out(fn):
    """fn with PyTorch's keyword-only `out=None` added; the result may cast to out's dtype
    within its category or a higher one (float into float64, int into float)."""
    name = fn.__name__

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        return write_out(name, fn(*args, **kwargs), out, cast=True)

    return with_out
