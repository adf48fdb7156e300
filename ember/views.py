"""Views: tensors that share memory with another, as PyTorch's do.

A view op (reshape/view, permute and transposes, expand, basic indexing, squeeze/unsqueeze,
diagonal, ...) returns a tensor whose array is a NumPy view of its input's. `view_of` records
what makes it a view: `_base`, the tensor that owns the memory (never itself a view); the version
counter, shared with the base, so in-place changes through either are counted once; and
`_view_fn`, which replays the view ops on the base. An in-place op on a view rewrites the base's
history (ember/inplace.py), then `regenerate` gives every live view of that base a fresh grad_fn
by replaying its view ops on the base's new history, as PyTorch does lazily.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .autograd import _mode
from .autograd.function import version_counter

_PRUNE_AT = 64  # dead weak references are dropped whenever the list reaches a multiple of this


# --8<-- [start:view-of]
def view_of(base, out, replay: Callable):
    """Mark `out`, made from `base` by a view op, as a view of base's memory. `replay(t)`
    applies the same view op to a tensor t shaped like base."""
    root = base._base
    if root is None:
        root, view_fn = base, replay
    else:
        parent_fn = base._view_fn
        view_fn = None if parent_fn is None else _chain(parent_fn, replay)
    vc = version_counter(root)
    attrs = out.__dict__
    attrs["_vc"] = vc
    attrs["_base"] = root
    if _mode.enabled and view_fn is not None:
        attrs["_view_fn"] = view_fn
        views = vc.views
        if views is None:
            views = vc.views = []
        elif len(views) % _PRUNE_AT == 0:
            views[:] = [r for r in views if r() is not None]
        views.append(weakref.ref(out))
    return out
# --8<-- [end:view-of]


def _chain(first: Callable, then: Callable) -> Callable:
    return lambda t: then(first(t))


def regenerate(root) -> None:
    """After root's history changed in place: each live view's grad_fn becomes the replay of
    its view ops on root, so gradients through the view reach the new history."""
    views = root._vc.views if root._vc is not None else None
    if not views:
        return
    prev = _mode.enabled
    _mode.enabled = True
    try:
        for ref in views:
            view = ref()
            if view is not None and view._view_fn is not None:
                fresh = view._view_fn(root)
                view.grad_fn = fresh.grad_fn
                view.requires_grad = fresh.requires_grad
    finally:
        _mode.enabled = prev


def is_view_result(a: np.ndarray, out: np.ndarray) -> bool:
    """Whether NumPy returned a view of `a` (reshape copies when the strides do not allow)."""
    owner = a if a.base is None else a.base
    return out.base is owner or out.base is a or np.may_share_memory(a, out)


def torch_strides_for_new_dims(out: np.ndarray) -> np.ndarray:
    """`out` with PyTorch's strides for size-1 dims that NumPy gave stride 0 (from None or
    unsqueeze): the next dim's stride times its size, or one element at the end."""
    strides = list(out.strides)
    fixed = False
    for i in range(out.ndim - 1, -1, -1):
        if out.shape[i] == 1 and strides[i] == 0:
            strides[i] = strides[i + 1] * out.shape[i + 1] if i + 1 < out.ndim else out.itemsize
            fixed = True
    if not fixed:
        return out
    return as_strided(out, out.shape, tuple(strides), writeable=out.flags.writeable)


def owner_of(a: np.ndarray) -> np.ndarray:
    """The array that owns a's memory (views of views, as_strided included)."""
    while True:
        base = a.base
        if isinstance(base, np.ndarray):
            a = base
        elif base is not None and isinstance(getattr(base, "base", None), np.ndarray):
            a = base.base  # as_strided wraps its source in an object that keeps it as .base
        else:
            return a


class Storage:
    """The memory under a tensor and its views (what PyTorch's untyped_storage() reports)."""

    def __init__(self, owner: np.ndarray) -> None:
        self._owner = owner

    def size(self) -> int:
        return self._owner.nbytes

    nbytes = size

    def data_ptr(self) -> int:
        return self._owner.__array_interface__["data"][0]
