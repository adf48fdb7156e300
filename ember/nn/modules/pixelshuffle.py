"""PixelShuffle and PixelUnshuffle (torch.nn.modules.pixelshuffle)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class PixelShuffle(Module):
    """Rearranges (*, C*r*r, H, W) into (*, C, H*r, W*r), r = upscale_factor (sub-pixel
    convolution's last step)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearranges (*, C, H*r, W*r) into (*, C*r*r, H, W), r = downscale_factor."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
