"""Chapter 1's exercises: strides from the array, and views by their base."""

from __future__ import annotations

import ember


def strides_in_elements(t: ember.Tensor) -> tuple[int, ...]:
    """t.stride(), computed from the NumPy array's byte strides."""
    return tuple(s // t._data.itemsize for s in t._data.strides)


def is_view_of(a: ember.Tensor, b: ember.Tensor) -> bool:
    """Whether a and b share memory: the same owner (a tensor that is not a view owns itself).
    `is not None`, not `or`: a tensor's truth value is its value's, as in PyTorch."""
    owner_a = a._base if a._base is not None else a
    owner_b = b._base if b._base is not None else b
    return owner_a is owner_b
