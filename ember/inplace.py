"""In-place ops, differentiable as PyTorch's are.

Every in-place op (add_, mul_, clamp_, copy_, fill_, __setitem__, `+=`, F.relu(inplace=True),
...) goes through `inplace`. It computes the new value out of place from an alias of the tensor
(same memory, same history), so the usual primitives record the math; writes the result into
the tensor's memory; counts the change on the version counter; and gives the tensor the result's
history. When the tensor is a view, its base's history is rewritten instead: the base becomes
`CopySlices` of its old self and the result (PyTorch's name), and every live view of the base is
regenerated (ember/views.py), so gradients flow through whatever was written, wherever it is read.

As in PyTorch, an op that saved the tensor's old value (a.mul_(b) needs a for b's gradient)
keeps a copy of it, an op that saved its output sees the tensor itself (so a later in-place
change to it is detected), and a leaf that requires grad, or a view of one, cannot be changed in
place in grad mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .autograd import _mode
from .autograd.function import Function, VersionCounter, version_counter
from .tensor import Tensor, _make
from .views import regenerate

_NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")


# --8<-- [start:inplace]
def inplace(self: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Replace self's values by compute(alias of self), keeping the graph right; returns self."""
    recording = _mode.enabled
    if recording:
        check_inplace(self, name)
    old = _make(self._data, self.grad_fn)
    old.requires_grad = self.requires_grad
    old._vc = version_counter(self)
    try:
        result = compute(old)
    except RuntimeError as e:  # the out-of-place op's error, under the in-place op's name
        raise RuntimeError(f"{name}: {str(e).split(': ', 1)[-1]}") from None
    result = _matching(self, result, name)
    node = result.grad_fn if recording else None
    if node is not None:
        _copy_overwritten_inputs(node, self._data)
    if _mode.tracer is not None:  # an export trace: self is to hold result's values
        _mode.tracer.will_write(self, result)
    _write(self, result, name)
    if node is None:
        return self
    _alias_saved_output(node, self, result._data)
    root = self._base
    if root is None:
        self.grad_fn = node
        self.requires_grad = True
        regenerate(self)
    else:
        root.grad_fn = CopySlices.record(root, self._view_fn, result)
        root.requires_grad = True
        regenerate(root)
    return self
# --8<-- [end:inplace]


def check_inplace(self: Tensor, name: str) -> None:
    """PyTorch's refusals of an in-place change in grad mode."""
    root = self._base
    if root is None:
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        return
    if root.requires_grad and root.grad_fn is None:
        raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used "
                           "in an in-place operation.")
    if self._view_fn is None and root.requires_grad:
        raise RuntimeError(f"{name}: {_NO_GRAD_VIEW}")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _matching(self: Tensor, result: Tensor, name: str) -> Tensor:
    """The result in self's shape and dtype, or PyTorch's error when it cannot be."""
    shape, got = self._data.shape, result._data.shape
    if got != shape:
        raise RuntimeError(f"{name}: output with shape {list(shape)} doesn't match the broadcast "
                           f"shape {list(got)}")
    dtype = self._data.dtype
    if result._data.dtype == dtype:
        return result
    if _CATEGORY[result._data.dtype.kind] > _CATEGORY[dtype.kind]:
        raise RuntimeError(f"{name}: result type {result.dtype.name.capitalize()} can't be cast "
                           f"to the desired output type {self.dtype.name.capitalize()}")
    return result.to(self.dtype)


def _write(self: Tensor, result: Tensor, name: str) -> None:
    target = self._data
    try:
        np.copyto(target, result._data, casting="unsafe")
    except ValueError:
        if 0 in target.strides and target.size > 1:
            raise RuntimeError(
                f"{name}: unsupported operation: more than one element of the written-to tensor "
                "refers to a single memory location. Please clone() the tensor before performing "
                "the operation.") from None
        raise RuntimeError(f"{name}: the tensor's memory is read-only (shape "
                           f"{tuple(target.shape)}); clone() it first") from None
    version_counter(self).version += 1


def _copy_overwritten_inputs(node: Function, memory: np.ndarray) -> None:
    """node saved the tensor's old value as an input: keep a copy, since it is overwritten."""
    saved = node.saved
    if not saved or not any(a is memory for a in saved):
        return
    node.saved = tuple(a.copy() if a is memory else a for a in saved)
    node.saved_sources = [(s[0], VersionCounter(), 0) if a is memory else s
                          for a, s in zip(saved, node.saved_sources)]


def _alias_saved_output(node: Function, self: Tensor, out: np.ndarray) -> None:
    """node saved its output, which now lives in self: later changes to self are detected."""
    saved = node.saved
    if not saved or not any(a is out for a in saved):
        return
    node.saved = tuple(self._data if a is out else a for a in saved)
    vc = version_counter(self)
    node.out_version = (vc, vc.version)


class CopySlices(Function):
    """A base's history after an in-place change of one of its views: the base with the view's
    region replaced by the written result. The base's old history gets the gradient outside the
    region, the result the gradient inside it (and through the result's own graph, the view's
    old values get theirs)."""

    @classmethod
    def record(cls, root: Tensor, view_fn: Callable, result: Tensor) -> CopySlices:
        ctx = object.__new__(cls)
        ctx.parents = (root.grad_fn or root, result.grad_fn or result)
        ctx.needs_input_grad = (root.requires_grad, result.requires_grad)
        ctx.output = root._data
        ctx.view_fn = view_fn
        return ctx

    torch_name = "CopySlices"

    def region(ctx, x):
        """The view's part of x (shaped like the base): an array or a Tensor, as x is."""
        if isinstance(x, Tensor):
            return ctx.view_fn(x)
        return ctx.view_fn(_make(x, None))._data

    # --8<-- [start:copyslices]
    def backward(ctx, g):
        size = math.prod(g.shape)
        positions = ctx.region(np.arange(size).reshape(g.shape))
        keep = np.ones(size, dtype=bool)
        keep[positions.reshape(-1)] = False
        return g * keep.reshape(g.shape), ctx.region(g)
    # --8<-- [end:copyslices]
