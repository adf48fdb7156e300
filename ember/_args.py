"""Argument handling shared by the ember.* functions: dims, axes and float inputs."""

from __future__ import annotations

import builtins

from .tensor import Tensor


def _axes(dim):
    """A PyTorch dim argument (None, int, or a sequence) as a NumPy axis argument."""
    if dim is None or isinstance(dim, int):
        return dim
    return tuple(dim)


def _reduced_axes(dim, ndim: int | None = None):
    """The axes of sum, mean and var: an empty list of dims reduces them all, as in PyTorch, and
    so do dims 0 and -1 of a 0-d tensor (ndim 0), the only ones it has."""
    axes = _axes(dim)
    if ndim == 0 and axes is not None:
        for d in (axes,) if isinstance(axes, int) else axes:
            _wrap_dim(d, 0)
        return None
    return None if axes == () else axes


def tensor_input(op: str, value, name: str = "input") -> Tensor:
    """value, or PyTorch's TypeError when it is not a Tensor (a list, an array, a number)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dim that may be negative as an index into the shape, or PyTorch's IndexError."""
    n = builtins.max(ndim, 1)  # a 0-d tensor accepts dims 0 and -1, as in PyTorch
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _float_only(input: Tensor, op: str) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {input.dtype.name.capitalize()}")


def _float_input(input: Tensor) -> Tensor:
    """Integer inputs of float-valued functions (exp, sqrt, ...) become float32, as in PyTorch."""
    return input if input._data.dtype.kind == "f" else input.float()


def type_name(t: Tensor) -> str:
    """PyTorch's C name of t's dtype, as its messages spell it: Float, Double, Long, Bool..."""
    return t.dtype.legacy_name.removesuffix("Tensor")
