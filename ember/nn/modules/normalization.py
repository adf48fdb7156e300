"""LayerNorm (torch.nn.modules.normalization); the batch norms are in batchnorm.py."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ..functional.norm import layer_norm_checked, normalized_shape_of
from ..module import Module
from ..parameter import Parameter, parameter_dtype


class LayerNorm(Module):
    """Normalizes over the trailing dims given by normalized_shape, with an optional learnable
    per-element weight (ones) and bias (zeros)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        np_dtype = parameter_dtype(dtype, device)
        self.normalized_shape = normalized_shape_of(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=np_dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=np_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm_checked(input, self.normalized_shape, self.weight, self.bias, self.eps,
                                  "LayerNorm")

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
