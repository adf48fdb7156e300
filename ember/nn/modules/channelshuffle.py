"""ChannelShuffle (torch.nn.modules.channelshuffle)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class ChannelShuffle(Module):
    """Interleaves the channels of `groups` groups of (N, C, *) inputs (ShuffleNet)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *) -> (N, C, *), the channels interleaved."""
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
