"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (torch.nn counterparts)."""

from __future__ import annotations

from ...tensor import Tensor
from ..functional.pool import (
    IntPair,
    adaptive_avg_pool2d_checked,
    avg_pool2d_checked,
    max_pool2d_checked,
)
from ..module import Module


class MaxPool2d(Module):
    """Max over sliding windows; stride defaults to kernel_size. With return_indices, forward
    returns (output, indices into each flattened H*W input plane)."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
                 dilation: IntPair = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor):
        return max_pool2d_checked(input, self.kernel_size, self.stride, self.padding,
                                  self.dilation, self.ceil_mode, self.return_indices, "MaxPool2d")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over sliding windows; stride defaults to kernel_size."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d_checked(input, self.kernel_size, self.stride, self.padding,
                                  self.ceil_mode, self.count_include_pad, self.divisor_override,
                                  "AvgPool2d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (int, pair, or None in a pair to keep that dim),
    with PyTorch's windows when the sizes do not divide evenly."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d_checked(input, self.output_size, "AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
