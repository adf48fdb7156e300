"""torch.nn's other activations (ember.ops.activation_pointwise) and the element-wise losses
(ember.ops.loss_pointwise): ONNX's operator where it computes the same function (Clip,
HardSigmoid, HardSwish, Shrink, Softsign), otherwise composed as ember computes it."""

from __future__ import annotations

import numpy as np

from ...ops.activation_pointwise import (
    Celu,
    Elu,
    Glu,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    Prelu,
    Shrink,
    Softplus,
    Softsign,
    Tanhshrink,
    Threshold,
)
from ...ops.loss_pointwise import KlDiv, SmoothL1, SoftMargin
from ..registry import maps

INT64_MAX = np.iinfo(np.int64).max


def _softplus(g, x: str, dtype) -> str:
    """log(1 + exp(x)) without overflow: max(x, 0) + log(1 + exp(-|x|))."""
    tail = g.op("Log", g.op("Add", g.op("Exp", g.op("Neg", g.op("Abs", x))), g.scalar(1, dtype)))
    return g.op("Add", g.op("Relu", x), tail)


@maps(Elu, Celu)
def elu(g, node):
    """scale * x where x > 0, else scale * alpha * (exp(input_scale * x) - 1): ELU, SELU, CELU."""
    x, dtype = g.input(node, 0), node.output.dtype
    alpha, scale, input_scale = (float(node.option(k)) for k in ("alpha", "scale", "input_scale"))
    positive = g.op("Greater", x, g.scalar(0, dtype))
    inside = g.op("Mul", g.op("Where", positive, g.scalar(0, dtype), x),
                  g.scalar(input_scale, dtype))
    negative = g.op("Mul", g.op("Sub", g.op("Exp", inside), g.scalar(1, dtype)),
                    g.scalar(scale * alpha, dtype))
    return g.op("Where", positive, g.op("Mul", x, g.scalar(scale, dtype)), negative)


@maps(Hardtanh)
def hardtanh(g, node):
    dtype = node.output.dtype
    return g.op("Clip", g.input(node, 0), g.scalar(node.option("min_val"), dtype),
                g.scalar(node.option("max_val"), dtype))


@maps(Hardswish)
def hardswish(g, node):
    return g.op("HardSwish", g.input(node, 0))


@maps(Hardsigmoid)
def hardsigmoid(g, node):
    return g.op("HardSigmoid", g.input(node, 0), alpha=1 / 6, beta=0.5)


@maps(Shrink)
def shrink(g, node):
    lambd = float(node.option("lambd"))
    return g.op("Shrink", g.input(node, 0), lambd=lambd,
                bias=lambd if node.option("soft") else 0.0)


@maps(Threshold)
def threshold(g, node):
    x, dtype = g.input(node, 0), node.output.dtype
    above = g.op("Greater", x, g.scalar(node.option("threshold"), dtype))
    return g.op("Where", above, x, g.scalar(node.option("value"), dtype))


@maps(Softplus)
def softplus(g, node):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold."""
    x, dtype = g.input(node, 0), node.output.dtype
    bx = g.op("Mul", x, g.scalar(node.option("beta"), dtype))
    linear = g.op("Greater", bx, g.scalar(node.option("threshold"), dtype))
    smooth = g.op("Div", _softplus(g, g.op("Where", linear, g.scalar(0, dtype), bx), dtype),
                  g.scalar(node.option("beta"), dtype))
    return g.op("Where", linear, x, smooth)


@maps(Mish)
def mish(g, node):
    x = g.input(node, 0)
    return g.op("Mul", x, g.op("Tanh", _softplus(g, x, node.output.dtype)))


@maps(LogSigmoid)
def log_sigmoid(g, node):
    x, dtype = g.input(node, 0), node.output.dtype
    return g.op("Neg", _softplus(g, g.op("Neg", x), dtype))


@maps(Softsign)
def softsign(g, node):
    return g.op("Softsign", g.input(node, 0))


@maps(Tanhshrink)
def tanhshrink(g, node):
    x = g.input(node, 0)
    return g.op("Sub", x, g.op("Tanh", x))


@maps(Prelu)
def prelu(g, node):
    """x where x > 0, else weight * x, weight along dim 1 (or one value)."""
    x, dtype = g.input(node, 0), node.output.dtype
    rank = len(node.shape(0))
    channels = node.shape(1)[0]
    shape = [] if rank < 2 else [channels] + [1] * (rank - 2)
    weight = g.op("Reshape", g.input(node, 1), g.ints(shape))
    return g.op("Where", g.op("Greater", x, g.scalar(0, dtype)), x, g.op("Mul", x, weight))


@maps(Glu)
def glu(g, node):
    """a * sigmoid(b), a and b the halves of x along the axis."""
    x = g.input(node, 0)
    axis = int(node.option("axis")) % len(node.shape(0))
    half = node.shape(0)[axis] // 2
    a = g.op("Slice", x, g.ints([0]), g.ints([half]), g.ints([axis]))
    b = g.op("Slice", x, g.ints([half]), g.ints([INT64_MAX]), g.ints([axis]))
    return g.op("Mul", a, g.op("Sigmoid", b))


# ---- element-wise losses ---------------------------------------------------------------------
@maps(SmoothL1)
def smooth_l1(g, node):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (Huber: 0.5 d^2, else
    beta (|d| - beta / 2)), d = input - target."""
    dtype, beta, huber = node.output.dtype, float(node.option("beta")), node.option("huber")
    d = g.op("Sub", g.input(node, 0), g.input(node, 1))
    distance = g.op("Abs", d)
    if beta == 0:
        return distance
    quadratic = g.op("Mul", g.op("Mul", d, d), g.scalar(0.5 if huber else 0.5 / beta, dtype))
    linear = g.op("Sub", distance, g.scalar(0.5 * beta, dtype))
    if huber:
        linear = g.op("Mul", linear, g.scalar(beta, dtype))
    return g.op("Where", g.op("Less", distance, g.scalar(beta, dtype)), quadratic, linear)


@maps(KlDiv)
def kl_div(g, node):
    """target (log target - input), 0 where target is 0; exp(target) (target - input) for a
    log target."""
    x, t, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    if node.option("log_target"):
        return g.op("Mul", g.op("Exp", t), g.op("Sub", t, x))
    zero = g.op("Equal", t, g.scalar(0, dtype))
    log_t = g.op("Log", g.op("Where", zero, g.scalar(1, dtype), t))
    entropy = g.op("Where", zero, g.scalar(0, dtype), g.op("Mul", t, log_t))
    return g.op("Sub", entropy, g.op("Mul", t, x))


@maps(SoftMargin)
def soft_margin(g, node):
    """log(1 + exp(-target * input))."""
    product = g.op("Mul", g.input(node, 1), g.input(node, 0))
    return _softplus(g, g.op("Neg", product), node.output.dtype)
