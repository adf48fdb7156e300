"""The linear layer's function (torch.nn.functional.linear) over ember.ops.linalg.Linear."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


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


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]: one matrix
    product for input1 against every output's (i, j) slice, then a product and sum with input2.

    Shape: (*, in1), (*, in2), weight (out, in1, in2), bias (out,) -> (*, out).
    Errors: RuntimeError for mismatched leading dims, feature sizes or dtypes."""
    op = "bilinear"
    if weight.ndim != 3:
        raise RuntimeError(f"{op}(): weight must be 3-D (out, in1, in2), got shape "
                           f"{tuple(weight.shape)}")
    out, in1, in2 = weight.shape
    if input1.ndim < 1 or tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"{op}(): input batch dimensions do not match: got shapes "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    for k, (x, size) in enumerate(((input1, in1), (input2, in2)), start=1):
        if x.shape[-1] != size:
            raise RuntimeError(f"{op}(): input{k} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {size} (weight shape "
                               f"{tuple(weight.shape)})")
    if bias is not None and tuple(bias.shape) != (out,):
        raise RuntimeError(f"{op}(): bias size does not match weight size: got "
                           f"{tuple(bias.shape)} but expected ({out},)")
    if not input1.dtype == input2.dtype == weight.dtype:
        raise RuntimeError(f"{op}(): expected input1, input2 and weight of one dtype, got "
                           f"{input1.dtype}, {input2.dtype} and {weight.dtype}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # (B, in1) @ (in1, out * in2) -> (B, out, in2), then contract in2 with input2
    per_output = (x1 @ weight.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2)
    y = (per_output * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)
