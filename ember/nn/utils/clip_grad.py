"""Gradient clipping by total norm or by value, as torch.nn.utils.clip_grad_norm_ and friends.

Gradients are scaled or clamped in place in their `.data` arrays.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor, _make

TensorOrTensors = Tensor | Iterable[Tensor]


def _tensors(tensors: TensorOrTensors) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if is_generator and not tensors:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return tensors


def _vector_norm(x: np.ndarray, norm_type: float) -> np.ndarray:
    """torch.linalg.vector_norm of a flat view, in the array's own float dtype."""
    x = x.reshape(-1)
    if norm_type == 2.0:
        return np.sqrt(np.dot(x, x))
    if x.size == 0:
        return np.zeros((), dtype=x.dtype)
    if norm_type == math.inf:
        return np.abs(x).max()
    if norm_type == -math.inf:
        return np.abs(x).min()
    if norm_type == 0.0:
        return np.asarray(np.count_nonzero(x), dtype=x.dtype)
    if norm_type == 1.0:
        return np.abs(x).sum()
    return np.sum(np.abs(x) ** norm_type) ** (1.0 / norm_type)


def get_total_norm(tensors: TensorOrTensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The `norm_type`-norm of all `tensors` together, as if concatenated into one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(np.zeros((), dtype=np.float32), None)
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    total = _vector_norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(np.asarray(total), None)


def clip_grads_with_norm_(parameters: TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)), in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad._data for p in parameters if p.grad is not None]
    if not grads:
        return
    clip_coef = float(max_norm) / (total_norm._data + 1e-6)
    clip_coef = np.minimum(clip_coef, 1.0)
    for g in grads:
        np.multiply(g, clip_coef, out=g, casting="same_kind")


def clip_grad_norm_(parameters: TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the parameters' gradients in place so that their total norm is at most
    `max_norm`; return the total norm from before clipping, as a 0-d tensor."""
    parameters = _tensors(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
