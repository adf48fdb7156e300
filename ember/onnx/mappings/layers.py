"""The layers' fused primitives: convolution (plain and transposed, unfold and fold), separable
maps, pooling and layer norm."""

from __future__ import annotations

import numpy as np

from ...ops.conv import Col2im, Convolution, ConvTranspose, Im2col, Separable2d
from ...ops.norm import LayerNormFunction
from ...ops.pool import AvgPool2D, MaxPool2D
from ..registry import maps


def _onnx_pads(pads) -> list[int]:
    """ember's (before, after) per spatial dim, e.g. (top, bottom, left, right), as ONNX's
    befores then afters, e.g. (top, left, bottom, right)."""
    pads = [int(p) for p in pads]
    return pads[0::2] + pads[1::2]


@maps(Convolution)
def convolution(g, node):
    inputs = [g.input(node, i) for i in range(len(node.inputs))]
    return g.op("Conv", *inputs, kernel_shape=list(node.shape(1)[2:]),
                strides=list(node.option("stride")), dilations=list(node.option("dilation")),
                pads=_onnx_pads(node.option("pads")), group=int(node.option("groups")))


@maps(ConvTranspose)
def conv_transpose(g, node):
    """ONNX's ConvTranspose; output_padding gives ember's resolved output size."""
    inputs = [g.input(node, i) for i in range(len(node.inputs))]
    kernel = node.shape(1)[2:]
    stride, dilation = node.option("stride"), node.option("dilation")
    pads = node.option("pads")
    padding = _output_padding(node.shape(0)[2:], node.option("out_size"), kernel, stride,
                              dilation, pads)
    return g.op("ConvTranspose", *inputs, kernel_shape=list(kernel), strides=list(stride),
                dilations=list(dilation), pads=_onnx_pads(pads), group=int(node.option("groups")),
                output_padding=padding)


def _output_padding(sizes, out_sizes, kernel, stride, dilation, pads) -> list[int]:
    """ConvTranspose's output_padding that makes its output out_sizes from inputs of sizes."""
    pads = [int(p) for p in pads]
    natural = [s * (n - 1) + (k - 1) * d + 1 - before - after for s, n, k, d, before, after in
               zip(stride, sizes, kernel, dilation, pads[0::2], pads[1::2])]
    return [int(o) - n for o, n in zip(out_sizes, natural)]


def _window_picker(channels: int, kernel, dtype) -> np.ndarray:
    """Weights (channels * K, 1, *kernel) of a grouped convolution whose output channel
    c * K + k is input channel c at kernel position k: im2col as a convolution."""
    positions = int(np.prod(kernel))
    picker = np.eye(positions, dtype=dtype).reshape(positions, 1, *kernel)
    return np.tile(picker, (channels, 1) + (1,) * len(kernel))


def _batch_major(node) -> None:
    if not node.option("batch_major"):  # the (C*K, N*L) layout only backward passes use
        raise node.fail("im2col in the (C*K, N*L) layout has no ONNX mapping")


@maps(Im2col)
def unfold(g, node):
    """F.unfold: a grouped convolution with one-hot kernels, then (N, C*K, L)."""
    _batch_major(node)
    kernel, stride, pads, dilation, _ = node.option("geometry")
    channels = node.shape(0)[1]
    weight = g.const(_window_picker(channels, kernel, node.output.dtype))
    blocks = g.op("Conv", g.input(node, 0), weight, kernel_shape=list(kernel),
                  strides=list(stride), dilations=list(dilation), pads=_onnx_pads(pads),
                  group=channels)
    return g.op("Reshape", blocks, g.ints([0, 0, -1]))


@maps(Col2im, dynamic=("x_shape",))
def fold(g, node):
    """F.fold: the blocks (N, C*K, L) as a grid of windows, summed back onto the image by the
    transposed grouped convolution with one-hot kernels. (x_shape, the output's, changes with
    a dynamic batch; the rest of it must not.)"""
    _batch_major(node)
    first, second = node.varying.get("x_shape", (node.option("x_shape"),) * 2)
    if tuple(first[1:]) != tuple(second[1:]):
        raise node.fail("fold's output size changes with the dynamic axes, which has no ONNX "
                        "mapping; export with a fixed size there")
    kernel, stride, pads, dilation, _ = node.option("geometry")
    out_shape = node.option("x_shape")
    channels, size = out_shape[1], out_shape[2:]
    grid = [(n + before + after - (k - 1) * d - 1) // s + 1 for n, k, s, d, before, after in
            zip(size, kernel, stride, dilation, pads[0::2], pads[1::2])]
    blocks = g.op("Reshape", g.input(node, 0), g.ints([0, 0, *grid]))
    weight = g.const(_window_picker(channels, kernel, node.output.dtype))
    return g.op("ConvTranspose", blocks, weight, kernel_shape=list(kernel), strides=list(stride),
                dilations=list(dilation), pads=_onnx_pads(pads), group=channels,
                output_padding=_output_padding(grid, size, kernel, stride, dilation, pads))


@maps(Separable2d)
def separable(g, node):
    """rows @ x @ cols.T: two matrix products with constant matrices."""
    rows, cols = node.option("rows"), node.option("cols")
    along_h = g.op("MatMul", g.ref(rows), g.input(node, 0))
    return g.op("MatMul", along_h, g.const(cols.array.T))


@maps(MaxPool2D)
def max_pool(g, node):
    # ember's pads include ceil_mode's overhang, so ONNX's floor arithmetic gives its sizes.
    return g.op("MaxPool", g.input(node, 0), kernel_shape=list(node.option("kernel")),
                strides=list(node.option("stride")), dilations=list(node.option("dilation")),
                pads=_onnx_pads(node.option("pads")))


@maps(AvgPool2D)
def avg_pool(g, node):
    """Window sums / divisor: an average over the zero-padded input, rescaled where ember's
    divisor (PyTorch's count_include_pad, ceil_mode and divisor_override rules) is not the
    window's size."""
    x = g.input(node, 0)
    kernel = [int(k) for k in node.option("kernel")]
    pads = _onnx_pads(node.option("pads"))
    if any(pads):
        top, left, bottom, right = pads
        x = g.op("Pad", x, g.ints([0, 0, top, left, 0, 0, bottom, right]),
                 g.scalar(0, node.output.dtype), mode="constant")
    out = g.op("AveragePool", x, kernel_shape=kernel, strides=list(node.option("stride")))
    divisor = node.option("divisor").array
    window = kernel[0] * kernel[1]
    if np.any(divisor != window):
        out = g.op("Mul", out, g.const((window / divisor).astype(node.output.dtype)))
    return out


# --8<-- [start:layer-norm]
@maps(LayerNormFunction)
def layer_norm(g, node):
    k = int(node.option("normalized_ndim"))
    scale = g.input(node, 1) if len(node.inputs) > 1 else g.const(
        np.ones(node.shape(0)[-k:], node.output.dtype))
    bias = g.input(node, 2) if len(node.inputs) > 2 else None
    return g.op("LayerNormalization", g.input(node, 0), scale, bias, axis=-k,
                epsilon=float(node.option("eps")))
# --8<-- [end:layer-norm]
