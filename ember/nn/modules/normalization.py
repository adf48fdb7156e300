"""LayerNorm, GroupNorm, RMSNorm and LocalResponseNorm (torch.nn.modules.normalization); the
batch norms are in batchnorm.py, the instance norms in instancenorm.py."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ..functional.norm import (
    group_norm_checked,
    layer_norm_checked,
    local_response_norm_checked,
    normalized_shape_of,
    rms_norm_checked,
)
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
        """Sets the weight to ones and the bias to zeros (when elementwise_affine)."""
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        """layer_norm over the last len(normalized_shape) dims, with this module's weight, bias and
        eps.

        Shape: input (*, *normalized_shape); output as input."""
        return layer_norm_checked(input, self.normalized_shape, self.weight, self.bias, self.eps,
                                  "LayerNorm")

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group norm of (N, C, *) inputs: each of `num_groups` groups of channels normalized per
    sample, then a learnable per-channel weight (ones) and bias (zeros) when `affine`.

    Errors: ValueError when num_groups does not divide num_channels."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        np_dtype = parameter_dtype(dtype, device)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=np_dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_channels, dtype=np_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Weight to ones and bias to zeros, where they exist."""
        LayerNorm.reset_parameters(self)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *) -> (N, C, *), normalized per sample and group."""
        return group_norm_checked(input, self.num_groups, self.weight, self.bias, self.eps,
                                  "GroupNorm")

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """RMS norm over the trailing dims given by normalized_shape, with an optional learnable
    per-element weight (ones); eps None is the input dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = normalized_shape_of(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape,
                                            dtype=parameter_dtype(dtype, device)))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """Weight to ones, where it exists."""
        if self.weight is not None:
            self.weight._data[...] = 1

    def forward(self, input: Tensor) -> Tensor:
        """(*, *normalized_shape) -> same shape."""
        return rms_norm_checked(input, self.normalized_shape, self.weight, self.eps, "RMSNorm")

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Local response normalization across channels of (N, C, *) inputs (AlexNet):
    x / (k + alpha / size * sum of x**2 over `size` neighbouring channels) ** beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *) -> (N, C, *)."""
        return local_response_norm_checked(input, self.size, self.alpha, self.beta, self.k,
                                           "LocalResponseNorm")

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
