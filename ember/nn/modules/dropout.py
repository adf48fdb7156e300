"""Dropout layers: zero elements (or whole channels) at random while training; the identity in
eval mode (torch.nn.modules.dropout)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class _DropoutNd(Module):
    """p and inplace, checked and shown as PyTorch does; forward calls `_function`."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    @staticmethod
    def _function(input, p, training, inplace):
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout).
    The mask is drawn from ember's global generator, so ember.manual_seed reproduces it."""

    _function = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs; the rest scaled by 1/(1-p)."""

    _function = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs; the rest scaled by 1/(1-p)."""

    _function = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs; the rest scaled by
    1/(1-p)."""

    _function = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout (for SELU networks): keeps zero mean and unit variance of its input."""

    _function = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *) inputs."""

    _function = staticmethod(F.feature_alpha_dropout)
