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
    """The axes of sum, mean and var: an empty list of dims reduces them all, as in PyTorch.
    Given the input's ndim: a 0-d input, whose dims 0 and -1 PyTorch accepts, reduces over
    everything (None); other dims out of range are left for the op's own error."""
    axes = _axes(dim)
    if axes == ():
        return None
    if ndim == 0 and all(d in (0, -1) for d in ((axes,) if isinstance(axes, int) else axes or ())):
        return None
    return axes


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
