"""Learnable convolutions over 1 to 3 spatial dims, and their transposed forms (torch.nn.Conv1d,
Conv2d, Conv3d, ConvTranspose1d/2d/3d); Fold and Unfold."""

from __future__ import annotations

from ...tensor import Tensor
from .. import init
from ..functional._args import PADDING_MODES, IntPair, ntuple
from ..functional.conv import (
    conv_checked,
    conv_transpose_checked,
    fold_checked,
    transpose_output_padding,
    unfold_checked,
)
from ..module import Module
from ..parameter import empty_parameter


class _ConvNd(Module):
    """What the convolutions share: PyTorch's constructor checks, attributes, parameters
    (weight (out, in/groups, *kernel), or (in, out/groups, *kernel) when transposed), init
    (kaiming_uniform_(a=sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias) and
    extra_repr."""

    dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, groups: int, bias: bool, padding_mode: str, device, dtype,
                 output_padding=0) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ntuple(kernel_size, n, "kernel_size", name, 1)
        self.stride = ntuple(stride, n, "stride", name, 1)
        self.dilation = ntuple(dilation, n, "dilation", name, 1)
        if isinstance(padding, str) and not self.transposed:
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, n, "padding", name, 0)
        self.output_padding = ntuple(output_padding, n, "output_padding", name, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = empty_parameter(shape, dtype, device)
        if bias:
            self.bias = empty_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation, drawn again."""
        init._default_layer_init_(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self.dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of input (N, C_in, *spatial) or (C_in, *spatial) with the layer's
        weight and bias: (N, C_out, *spatial_out)."""
        return conv_checked(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups, type(self).__name__, self.dims,
                            self.padding_mode)


class Conv1d(_Conv):
    """Applies a 1-D convolution over (N, C_in, L) or (C_in, L) inputs: (N, C_out, L_out).
    weight: (out_channels, in_channels // groups, k)."""

    dims = 1


class Conv2d(_Conv):
    """Applies a 2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs.
    weight: (out_channels, in_channels // groups, kh, kw)."""

    dims = 2


class Conv3d(_Conv):
    """Applies a 3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W) inputs.
    weight: (out_channels, in_channels // groups, kd, kh, kw)."""

    dims = 3


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """output_size (the spatial sizes, optionally preceded by N and C) picks the
        output_padding that reaches it, in place of the layer's own."""
        name = type(self).__name__
        output_padding = self.output_padding if output_size is None else \
            transpose_output_padding(input, output_size, self.stride, self.padding,
                                     self.kernel_size, self.dilation, name)
        return conv_transpose_checked(input, self.weight, self.bias, self.stride, self.padding,
                                      output_padding, self.groups, self.dilation, name,
                                      self.dims)


class ConvTranspose1d(_ConvTranspose):
    """The transpose of Conv1d (its gradient in the input) over (N, C_in, L) inputs:
    L_out = (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.
    weight: (in_channels, out_channels // groups, k)."""

    dims = 1


class ConvTranspose2d(_ConvTranspose):
    """The transpose of Conv2d (its gradient in the input) over (N, C_in, H, W) inputs; each
    output size is (in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.
    weight: (in_channels, out_channels // groups, kh, kw)."""

    dims = 2


class ConvTranspose3d(_ConvTranspose):
    """The transpose of Conv3d over (N, C_in, D, H, W) inputs.
    weight: (in_channels, out_channels // groups, kd, kh, kw)."""

    dims = 3


class Unfold(Module):
    """Sliding blocks of an (N, C, H, W) input as columns (N, C*kh*kw, L) (F.unfold)."""

    def __init__(self, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
                 stride: IntPair = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """F.unfold with the layer's settings: (N, C*kh*kw, L)."""
        return unfold_checked(input, self.kernel_size, self.dilation, self.padding, self.stride,
                              "Unfold")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sums sliding blocks (N, C*kh*kw, L) into an (N, C, *output_size) image (F.fold)."""

    def __init__(self, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
                 padding: IntPair = 0, stride: IntPair = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """F.fold with the layer's settings: (N, C, *output_size)."""
        return fold_checked(input, self.output_size, self.kernel_size, self.dilation,
                            self.padding, self.stride, "Fold")

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
