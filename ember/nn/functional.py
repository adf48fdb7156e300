"""ember.nn.functional (import as F): the functional form of every layer and loss.

Modules call into these, so each computation has one implementation. `inplace=` arguments are
accepted for PyTorch compatibility; the result is always a new tensor (use the return value).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import functions as _functions
from .. import ops
from ..autograd import no_grad
from ..random import rng_of
from ..tensor import Tensor, _make
from ._activation_ops import Gelu, LeakyRelu, Silu
from ._embedding_ops import EmbeddingLookup
from ._functional_losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .conv_functional import (
    adaptive_avg_pool2d,
    avg_pool2d,
    batch_norm,
    conv2d,
    layer_norm,
    max_pool2d,
)

__all__ = [
    "relu", "leaky_relu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "linear",
    "dropout", "embedding", "one_hot", "pad", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d", "max_pool2d",
    "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "layer_norm",
]

pad = _functions.pad
sigmoid = _functions.sigmoid
tanh = _functions.tanh


def _require_float(input: Tensor, op: str) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} "
                           f"(shape {tuple(input._data.shape)})")


# ---- activations ----------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return ops.Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    _require_float(input, "gelu")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    _require_float(input, "silu")
    return Silu.apply(input)


def _softmax_dim(input: Tensor, dim: int | None, op: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if input._data.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _functions.softmax(input, _softmax_dim(input, dim, "softmax"), dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    return _functions.log_softmax(input, _softmax_dim(input, dim, "log_softmax"), dtype=dtype)


# ---- layers ---------------------------------------------------------------------------
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


def _linear_shape_error(input: Tensor, weight: Tensor, bias: Tensor | None) -> str | None:
    x, w = input._data.shape, weight._data.shape
    if len(w) == 2 and x and x[-1] == w[1] and (bias is None or bias._data.shape in ((w[0],), ())):
        return None
    return (f"linear: mat1 and mat2 shapes cannot be multiplied ({int(np.prod(x[:-1]))}x"
            f"{x[-1] if x else 1} and {'x'.join(map(str, w[::-1]))}): input shape {tuple(x)}, "
            f"weight shape {tuple(w)}, bias shape "
            f"{None if bias is None else tuple(bias._data.shape)}")


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
    return ops.Mul.apply(input, _make(mask, None))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` picked by the integer `input`; output shape input.shape + (dim,)."""
    index = input._data
    rows = weight._data.shape[0]
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected integer indices (ember.int64 or ember.int32), "
                           f"got {input.dtype} (indices shape {tuple(index.shape)})")
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index[(index < 0) | (index >= rows)].flat[0]
        raise IndexError(f"embedding: index {bad} out of range for a weight of {rows} rows "
                         f"(indices shape {tuple(index.shape)}, weight shape "
                         f"{tuple(weight._data.shape)})")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported by ember")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({rows})")
        padding_idx %= rows
    if max_norm is not None:
        _renorm_rows(weight, np.unique(index), max_norm, norm_type)
    return EmbeddingLookup.apply(weight, index=index, padding_idx=padding_idx,
                                 scale_grad_by_freq=scale_grad_by_freq)


@no_grad()
def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the looked-up rows whose norm exceeds max_norm (as PyTorch does)."""
    picked = weight._data[rows]
    norms = np.linalg.norm(picked, ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[rows] = picked * scale[:, None].astype(picked.dtype)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(...,) int64 class indices -> (..., num_classes) int64 one-hot rows."""
    index = tensor._data
    if index.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type ember.int64, got "
                           f"{tensor.dtype}")
    if num_classes == -1:
        if index.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor.")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if index.size and index.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}), got {int(index.max())}.")
    out = np.zeros(index.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return _make(out, None)
