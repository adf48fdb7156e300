"""Chapter 1's exercises: strides from the array, and views by their base."""

from __future__ import annotations

import ember


def strides_in_elements(t: ember.Tensor) -> tuple[int, ...]:
    """t.stride(), computed from the NumPy array's byte strides."""
    return tuple(s // t._data.itemsize for s in t._data.strides)


def is_view_of(a: ember.Tensor, b: ember.Tensor) -> bool:
    """Whether a and b share memory: the same owner (a tensor that is not a view owns itself)."""
    return (a._base or a) is (b._base or b)
