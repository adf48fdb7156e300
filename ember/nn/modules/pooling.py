"""Pooling layers (torch.nn counterparts): max, average, adaptive, LP pooling and max unpooling."""

from __future__ import annotations

from ...tensor import Tensor
from ..functional._args import ntuple, pair
from ..functional.pool import (
    IntPair,
    adaptive_avg_pool1d_checked,
    adaptive_avg_pool2d_checked,
    adaptive_max_pool1d_checked,
    adaptive_max_pool2d_checked,
    avg_pool1d_checked,
    avg_pool2d_checked,
    lp_pool1d,
    lp_pool2d,
    max_pool1d_checked,
    max_pool2d_checked,
    max_unpool2d_checked,
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
        """F.max_pool2d with the layer's settings: (N, C, H_out, W_out) (and indices)."""
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
        """F.avg_pool2d with the layer's settings: (N, C, H_out, W_out)."""
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
        """F.adaptive_avg_pool2d to the layer's output_size."""
        return adaptive_avg_pool2d_checked(input, self.output_size, "AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(MaxPool2d):
    """Max over sliding windows of (N, C, L) or (C, L) inputs; stride defaults to
    kernel_size."""

    def forward(self, input: Tensor):
        """F.max_pool1d with the layer's settings: (N, C, L_out) (and indices)."""
        return max_pool1d_checked(input, self.kernel_size, self.stride, self.padding,
                                  self.dilation, self.ceil_mode, self.return_indices, "MaxPool1d")


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) or (C, L) inputs; stride defaults to
    kernel_size."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = ntuple(kernel_size, 1, "kernel_size", "AvgPool1d", 1)
        self.stride = ntuple(kernel_size if stride is None else stride, 1, "stride",
                             "AvgPool1d", 1)
        self.padding = ntuple(padding, 1, "padding", "AvgPool1d", 0)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """F.avg_pool1d with the layer's settings: (N, C, L_out)."""
        return avg_pool1d_checked(input, self.kernel_size, self.stride, self.padding,
                                  self.ceil_mode, self.count_include_pad, "AvgPool1d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, L) or (C, L) inputs to a fixed length."""

    def forward(self, input: Tensor) -> Tensor:
        """F.adaptive_avg_pool1d to the layer's output_size."""
        return adaptive_avg_pool1d_checked(input, self.output_size, "AdaptiveAvgPool1d")


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (int, pair, or None in a pair to keep that dim); with
    return_indices, forward also returns each maximum's index in its flattened H*W plane."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        """F.adaptive_max_pool2d to the layer's output_size (and indices)."""
        return adaptive_max_pool2d_checked(input, self.output_size, self.return_indices,
                                           "AdaptiveMaxPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of (N, C, L) or (C, L) inputs to a fixed length."""

    def forward(self, input: Tensor):
        """F.adaptive_max_pool1d to the layer's output_size (and indices)."""
        return adaptive_max_pool1d_checked(input, self.output_size, self.return_indices,
                                           "AdaptiveMaxPool1d")


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: forward(input, indices, output_size=None) puts each
    value back at its index, zeros elsewhere. Output (N, C, H_out, W_out) with
    H_out = (H - 1)*stride - 2*padding + kernel_size unless output_size says otherwise."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", "MaxUnpool2d", 1)
        self.stride = pair(kernel_size if stride is None else stride, "stride", "MaxUnpool2d", 1)
        self.padding = pair(padding, "padding", "MaxUnpool2d", 0)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        """F.max_unpool2d of input at indices: (N, C, H_out, W_out)."""
        return max_unpool2d_checked(input, indices, self.kernel_size, self.stride, self.padding,
                                    output_size, "MaxUnpool2d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    """Power-average pooling: (sum over each window of x**norm_type) ** (1/norm_type)."""

    _pool = staticmethod(lp_pool2d)

    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """F.lp_pool2d (LPPool1d: F.lp_pool1d) with the layer's settings."""
        return self._pool(input, float(self.norm_type), self.kernel_size, self.stride,
                          self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(LPPool2d):
    """Power-average pooling of (N, C, L) or (C, L) inputs."""

    _pool = staticmethod(lp_pool1d)
