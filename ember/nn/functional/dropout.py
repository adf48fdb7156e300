"""Dropout (torch.nn.functional.dropout): a random mask through the Mul primitive."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...random import rng_of
from ...tensor import Tensor, _make
from ._args import apply_maybe_inplace

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale survivors by 1/(1-p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dtype = input._data.dtype
    if p == 1.0:
        mask = np.zeros(input._data.shape, dtype=dtype)
    else:
        draw = dtype if dtype in (np.float32, np.float64) else np.float32
        mask = rng_of(None).random(input._data.shape, dtype=draw) >= p
        mask = np.multiply(mask, 1.0 / (1.0 - p), dtype=dtype)
    return apply_maybe_inplace(input, inplace, "dropout_",
                               lambda x: ops.Mul.apply(x, _make(mask, None)))
