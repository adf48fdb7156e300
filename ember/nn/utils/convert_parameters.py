"""Flatten parameters into one vector and back, as torch.nn.utils.parameters_to_vector."""

from __future__ import annotations

from collections.abc import Iterable

from ...shapes import cat
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding every parameter's values in order (differentiable, as in
    PyTorch: gradients flow back to the parameters)."""
    flat = [p.reshape(-1) for p in parameters]
    if not flat:
        raise RuntimeError("parameters_to_vector: expected a non-empty iterable of tensors")
    return cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data the next slice of `vec`, reshaped to its shape.

    Like PyTorch, the parameters then share memory with `vec` and take its dtype."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape "
                         f"{tuple(vec.shape)}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if needed != vec.numel():
        raise ValueError(f"vector_to_parameters: the parameters hold {needed} values but the "
                         f"vector has {vec.numel()}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p._data = vec._data[pointer:pointer + n].reshape(p._data.shape)
        pointer += n
