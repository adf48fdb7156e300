"""The linear layer's function (torch.nn.functional.linear) over ember.ops.linalg.Linear."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor

__all__ = ["linear"]


# --8<-- [start:functional-linear]
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, as one fused op."""
    dtype = input._data.dtype
    if dtype is not weight._data.dtype and dtype != weight._data.dtype:
        raise RuntimeError(f"linear: mat1 and mat2 must have the same dtype, but got "
                           f"{input.dtype} and {weight.dtype}")
    try:
        if bias is None:
            return ops.Linear.apply(input, weight)
        return ops.Linear.apply(input, weight, bias)
    except RuntimeError as e:
        message = _linear_shape_error(input, weight, bias)
        if message is None:
            raise
        raise RuntimeError(message) from e
# --8<-- [end:functional-linear]


def _linear_shape_error(input: Tensor, weight: Tensor, bias: Tensor | None) -> str | None:
    x, w = input._data.shape, weight._data.shape
    if len(w) == 2 and x and x[-1] == w[1] and (bias is None or bias._data.shape in ((w[0],), ())):
        return None
    return (f"linear: mat1 and mat2 shapes cannot be multiplied ({int(np.prod(x[:-1]))}x"
            f"{x[-1] if x else 1} and {'x'.join(map(str, w[::-1]))}): input shape {tuple(x)}, "
            f"weight shape {tuple(w)}, bias shape "
            f"{None if bias is None else tuple(bias._data.shape)}")
