"""Flatten and Unflatten (torch.nn.modules.flatten)."""

from __future__ import annotations

import math

from ...tensor import Tensor
from ..module import Module


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """input.flatten(start_dim, end_dim).

        Shape: input (*, S_start, ..., S_end, *); output (*, S_start * ... * S_end, *)."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim `dim` into `unflattened_size`."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """input with dim `dim` expanded into unflattened_size.

        Shape: input (*, S_dim, *); output (*, U1, ..., Un, *) with U1 * ... * Un = S_dim. Raises
        RuntimeError when the sizes do not multiply up to S_dim."""
        shape = input._data.shape
        dim = self.dim % len(shape)
        if math.prod(self.unflattened_size) != shape[dim] and -1 not in self.unflattened_size:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({shape[dim]}) in the "
                               f"input tensor of shape {tuple(shape)}")
        return input.reshape(shape[:dim] + tuple(self.unflattened_size) + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
