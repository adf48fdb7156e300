"""Separable linear maps along the trailing dims: interpolation (nearest, linear, cubic, area) and
the reflect / replicate / circular paddings, in 1 to 3 spatial dims.

Each of these ops maps every line of the input along one dim by the same small matrix: output
position i along that dim is a weighted sum of a few input positions (one, for nearest and the
paddings). One Function covers them all: `AxisMaps` applies one `AxisMap` per trailing dim, and
its backward is AxisMaps with the transposed matrices, so second and higher derivatives come for
free. A map whose every row is a single 1 (nearest, the paddings) keeps its column per row as
`index` and runs forward as one np.take, which is several times faster than the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd import Function

__all__ = ["AxisMap", "AxisMaps"]


@dataclass(frozen=True, eq=False)
class AxisMap:
    """A (out, in) matrix applied along one dim; `index[i]` is the input position of output
    position i when row i is a single 1 (None otherwise)."""

    matrix: np.ndarray
    index: np.ndarray | None = None

    @classmethod
    def gather(cls, index: np.ndarray, size: int, dtype) -> AxisMap:
        """The map that picks input position index[i] for output position i."""
        index = np.asarray(index, dtype=np.intp)
        return cls((index[:, None] == np.arange(size)).astype(dtype), index)

    @property
    def T(self) -> AxisMap:  # noqa: N802 - numpy's name for the transpose
        return AxisMap(self.matrix.T)


def _map_axis(x: np.ndarray, m: AxisMap, axis: int) -> np.ndarray:
    if m.index is not None:
        return np.take(x, m.index, axis=axis)
    n, shape = x.shape[axis], x.shape
    lead = int(np.prod(shape[:axis], dtype=np.int64))
    if axis == x.ndim - 1:  # one GEMM over all lines
        out = np.ascontiguousarray(x).reshape(lead, n) @ m.matrix.T
    else:  # (out, in) @ (lead, in, trail): one GEMM per leading index
        out = np.matmul(m.matrix, np.ascontiguousarray(x).reshape(lead, n, -1))
    return out.reshape(shape[:axis] + (m.matrix.shape[0],) + shape[axis + 1:])


class AxisMaps(Function):
    """maps[k] applied along dim x.ndim - len(maps) + k (None: that dim is left as it is).

    torch_name is the PyTorch node of the op this instance stands for (UpsampleBilinear2D,
    ReflectionPad2d, ...), given by the caller as `torch_name`.
    """

    op_name = "interpolate"
    saves_nothing = True

    def forward(ctx, x, maps: tuple = (), torch_name: str | None = None):
        ctx.maps = maps
        if torch_name is not None:
            ctx.torch_name = torch_name
        first = x.ndim - len(maps)
        out = x
        # The last dim first: a shrinking map there makes the others' GEMMs smaller, and a
        # growing one is cheapest on the contiguous dim.
        for k in reversed(range(len(maps))):
            if maps[k] is not None:
                out = _map_axis(out, maps[k], first + k)
        return out if out is not x else x.copy()

    def backward(ctx, g):
        return AxisMaps.call(g, maps=tuple(None if m is None else m.T for m in ctx.maps),
                             torch_name=ctx.torch_name.replace("Backward0", "BackwardBackward0")
                             if ctx.torch_name else None)
