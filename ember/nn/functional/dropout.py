"""Dropout (torch.nn.functional): element-wise and channel-wise (feature) dropout, and alpha
dropout for SELU networks, each a random mask through the Mul primitive (alpha dropout adds a
constant where it drops)."""

from __future__ import annotations

import warnings

import numpy as np

from ... import ops
from ...random import rng_of
from ...tensor import Tensor, _make
from ._args import apply_maybe_inplace

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

# SELU's negative saturation value -scale * alpha: alpha dropout sets dropped units to it
_SELU_SATURATION = 1.7580993408473766


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale survivors by 1/(1-p)."""
    return _dropout(input, p, training, inplace, "dropout", feature=False, alpha=False)


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, name: str, *,
             feature: bool, alpha: bool) -> Tensor:
    """The common path: a keep mask per element, or per (sample, channel) when `feature`,
    drawn from ember's generator; survivors scaled by 1/(1-p), or for alpha dropout the affine
    map that keeps SELU's zero mean and unit variance."""
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    dtype = input._data.dtype
    shape = input._data.shape[:2] + (1,) * (input.ndim - 2) if feature else input._data.shape
    if p == 1.0:
        mask, shift = np.zeros(shape, dtype=dtype), None
    else:
        draw = dtype if dtype in (np.float32, np.float64) else np.float32
        keep = rng_of(None).random(shape, dtype=draw) >= p
        if alpha:
            a = 1.0 / np.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
            mask = np.multiply(keep, a, dtype=dtype)
            shift = ((keep - 1.0) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p)
            shift = shift.astype(dtype)
        else:
            mask, shift = np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype), None

    def apply(x: Tensor) -> Tensor:
        out = ops.Mul.apply(x, _make(mask, None))
        return out if shift is None else ops.Add.apply(out, _make(shift, None))

    return apply_maybe_inplace(input, inplace, name + "_", apply)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, name: str,
                     spatial: int) -> Tensor:
    """dropout1d/2d/3d: (N, C, *spatial) or unbatched (C, *spatial) inputs, whole channels
    dropped."""
    _check_p(p)
    batched = spatial + 2
    if name == "dropout1d" and input.ndim not in (batched - 1, batched):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    if input.ndim not in (batched - 1, batched):
        warnings.warn(f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated "
                      f"and will result in an error in a future release. To retain the behavior "
                      f"and silence this warning, please use dropout instead. Note that {name} "
                      f"exists to provide channel-wise dropout on inputs with {spatial} spatial "
                      f"dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{batched - 1}D or {batched}D inputs).", stacklevel=3)
    unbatched = input.ndim == batched - 1
    if name == "dropout2d" and unbatched:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=3)
        unbatched = False
    if unbatched:
        if inplace:  # the mask is drawn for the batched view; write it back through it
            _dropout(input.unsqueeze(0), p, training, True, name, feature=True, alpha=False)
            return input
        return _dropout(input.unsqueeze(0), p, training, False, name, feature=True,
                        alpha=False).squeeze(0)
    return _dropout(input, p, training, inplace, name, feature=True, alpha=False)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability p, scaling the rest
    by 1/(1-p). Errors: RuntimeError for other dims."""
    return _feature_dropout(input, p, training, inplace, "dropout1d", 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) inputs with probability p (a 3-D input is taken as
    (N, C, L), with PyTorch's warning), scaling the rest by 1/(1-p)."""
    return _feature_dropout(input, p, training, inplace, "dropout2d", 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability p,
    scaling the rest by 1/(1-p)."""
    return _feature_dropout(input, p, training, inplace, "dropout3d", 3)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's saturation value and an affine
    map keeps the mean and variance. Note PyTorch's default training=False."""
    return _dropout(input, p, training, inplace, "alpha_dropout", feature=False, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels of (N, C, *) inputs."""
    if training and p not in (0.0,) and input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout: Feature dropout requires at least 2 "
                           f"dimensions in the input, got shape {tuple(input.shape)}")
    return _dropout(input, p, training, inplace, "feature_alpha_dropout", feature=True,
                    alpha=True)
