"""Padding layers (torch.nn.modules.padding): constant (and zero), reflection, replication and
circular padding of the last 1, 2 or 3 dims."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class _PadNd(Module):
    """`padding` is an int (every side) or 2 * dims ints, (left, right[, top, bottom[, front,
    back]]) as in F.pad; it is stored as a tuple."""

    _dims: int
    _mode: str

    def __init__(self, padding) -> None:
        super().__init__()
        if isinstance(padding, (int, np.integer)):
            padding = (int(padding),) * (2 * self._dims)
        self.padding = tuple(padding)
        if len(self.padding) != 2 * self._dims:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of "
                             f"{2 * self._dims} ints, got {padding!r}")

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class _CircularPadNd(_PadNd):
    _mode = "circular"


# Shape: each padded dim grows by its two widths; reflection, replication and circular padding
# take the unbatched or batched shapes named, constant padding any leading dims.


class ConstantPad1d(_ConstantPadNd):
    """Pads the last 1 dim of (C, W) or (N, C, W) with `value`."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) with `value`."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with `value`."""

    _dims = 3


class ZeroPad1d(_ZeroPadNd):
    """Pads the last 1 dim of (C, W) or (N, C, W) with zeros."""

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) with zeros."""

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with zeros."""

    _dims = 3


class ReflectionPad1d(_ReflectionPadNd):
    """Pads the last 1 dim of (C, W) or (N, C, W) by reflection
    about the edge (each width below the size)."""

    _dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) by reflection
    about the edge (each width below the size)."""

    _dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by reflection
    about the edge (each width below the size)."""

    _dims = 3


class ReplicationPad1d(_ReplicationPadNd):
    """Pads the last 1 dim of (C, W) or (N, C, W) by repeating the edge."""

    _dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) by repeating the edge."""

    _dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by repeating the edge."""

    _dims = 3


class CircularPad1d(_CircularPadNd):
    """Pads the last 1 dim of (C, W) or (N, C, W) by wrapping
    around (each width at most the size)."""

    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) by wrapping
    around (each width at most the size)."""

    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by wrapping
    around (each width at most the size)."""

    _dims = 3
