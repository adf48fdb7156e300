"""The layers' fused primitives: convolution, separable maps, pooling and layer norm."""

from __future__ import annotations

import numpy as np

from ...ops.conv import Convolution, Separable2d
from ...ops.norm import LayerNormFunction
from ...ops.pool import AvgPool2D, MaxPool2D
from ..registry import maps


def _onnx_pads(pads) -> list[int]:
    """ember's (top, bottom, left, right) as ONNX's (top, left, bottom, right)."""
    top, bottom, left, right = (int(p) for p in pads)
    return [top, left, bottom, right]


@maps(Convolution)
def convolution(g, node):
    inputs = [g.input(node, i) for i in range(len(node.inputs))]
    return g.op("Conv", *inputs, kernel_shape=list(node.shape(1)[2:]),
                strides=list(node.option("stride")), dilations=list(node.option("dilation")),
                pads=_onnx_pads(node.option("pads")), group=int(node.option("groups")))


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
