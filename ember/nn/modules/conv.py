"""Conv2d: a learnable 2-D convolution layer (torch.nn.Conv2d)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import init
from ..functional._args import PADDING_MODES, IntPair, pair
from ..functional.conv import conv2d_checked
from ..module import Module
from ..parameter import empty_parameter


class Conv2d(Module):
    """Applies a 2-D convolution over (N, C, H, W) or (C, H, W) inputs.

    weight has shape (out_channels, in_channels // groups, kh, kw); weight and bias start as in
    PyTorch: kaiming_uniform_(a=sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        super().__init__()
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"Conv2d: groups must be a positive integer, got {groups!r}")
        if in_channels % groups != 0:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"Conv2d: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.dilation = pair(dilation, "dilation", "Conv2d", 1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv2d: invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = pair(padding, "padding", "Conv2d", 0)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = empty_parameter(shape, dtype, device)
        if bias:
            self.bias = empty_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init._default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return conv2d_checked(input, self.weight, self.bias, self.stride, self.padding,
                              self.dilation, self.groups, "Conv2d", self.padding_mode)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
