"""Separable linear maps along the trailing dims: interpolation (nearest, linear, cubic, area) and
the reflect / replicate / circular paddings, in 1 to 3 spatial dims.

Each of these ops maps every line of the input along one dim by the same sparse matrix: output
position i along that dim is a weighted sum of a few input positions (one, for nearest and the
paddings). One Function covers them all: `AxisMaps` applies one `AxisMap` per trailing dim, and
its backward is AxisMaps with the transposed maps, so second and higher derivatives come for
free. A map is kept in ELLPACK form, k input positions and weights per output position, and runs
as k np.take calls and multiply-adds: linear in the output's size, where a dense (out, in)
matrix product costs out * in per line (20x slower than this at 256 x 256 images).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd import Function

__all__ = ["AxisMap", "AxisMaps"]


@dataclass(frozen=True, eq=False)
class AxisMap:
    """out[i] = sum_s weight[s, i] * in[index[s, i]] along one dim of size `size`.

    index and weight are (k, out) arrays; weight None means all ones (a pure gather). Rows with
    fewer than k terms are padded with zero weights.
    """

    index: np.ndarray
    weight: np.ndarray | None
    size: int

    @classmethod
    def gather(cls, index: np.ndarray, size: int) -> AxisMap:
        """The map that picks input position index[i] for output position i."""
        return cls(np.asarray(index, dtype=np.intp)[None], None, size)

    @classmethod
    def from_dense(cls, matrix: np.ndarray) -> AxisMap:
        """The map of an (out, in) matrix, keeping its nonzero entries."""
        rows, cols = np.nonzero(matrix)
        return _ell(rows, cols, matrix[rows, cols], matrix.shape[0], matrix.shape[1],
                    matrix.dtype)

    @property
    def T(self) -> AxisMap:  # noqa: N802 - numpy's name for the transpose
        k, m = self.index.shape
        rows = np.broadcast_to(np.arange(m), (k, m)).ravel()
        cols = self.index.ravel()
        weights = None if self.weight is None else self.weight.ravel()
        if weights is not None:
            keep = weights != 0
            rows, cols, weights = rows[keep], cols[keep], weights[keep]
        dtype = None if self.weight is None else self.weight.dtype
        return _ell(cols, rows, weights, self.size, m, dtype)

    def dense(self) -> np.ndarray:
        """The (out, in) matrix."""
        k, m = self.index.shape
        matrix = np.zeros((m, self.size))
        weight = np.ones((k, m)) if self.weight is None else self.weight
        np.add.at(matrix, (np.broadcast_to(np.arange(m), (k, m)), self.index), weight)
        return matrix


def _ell(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray | None, out: int, size: int,
         dtype) -> AxisMap:
    """The AxisMap with entries (rows[e], cols[e], weights[e]) (weights None: ones)."""
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    counts = np.bincount(rows, minlength=out)
    k = int(counts.max(initial=0))
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    index = np.zeros((max(k, 1), out), dtype=np.intp)
    index[slot, rows] = cols
    if weights is None and (counts == k).all():
        return AxisMap(index, None, size)
    weight = np.zeros((max(k, 1), out), dtype=dtype or np.float64)
    weight[slot, rows] = 1 if weights is None else weights[order]
    return AxisMap(index, weight, size)


def _map_axis(x: np.ndarray, m: AxisMap, axis: int) -> np.ndarray:
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for s in range(m.index.shape[0]):
        term = np.take(x, m.index[s], axis=axis)
        if m.weight is not None:
            term *= m.weight[s].astype(x.dtype, copy=False).reshape(shape)
        if out is None:
            out = term
        else:
            out += term
    return out


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
