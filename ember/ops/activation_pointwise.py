"""The rest of torch.nn's activations as fused primitives: one node each instead of the four to
eight that composing them from element-wise ops would record (see BENCHMARKS.md's note in the
commit that added them), each with PyTorch's gradient at its kinks.

Every backward is written once (ember/autograd/function.py): on arrays normally, on Tensors when
a backward pass is recorded, so second derivatives come from the same formulas. Masks of where an
input falls are constants, kept as plain attributes; values that depend smoothly on the input are
recomputed from the saved input when the backward receives Tensors.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .elementwise import Sigmoid, stable_sigmoid

__all__ = ["Elu", "Celu", "Hardtanh", "Hardswish", "Hardsigmoid", "Shrink", "Threshold",
           "Softplus", "Mish", "LogSigmoid", "Softsign", "Tanhshrink", "Prelu", "Glu", "softplus"]


def softplus(x):
    """log(1 + exp(x)) without overflow, on arrays or Tensors (differentiable on Tensors)."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _recording(g) -> bool:
    """Whether the backward receives Tensors (a recorded backward pass)."""
    return not isinstance(g, np.ndarray)


class Elu(Function):
    """scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1): ELU, SELU and CELU
    (PyTorch's elu with its scale and input_scale)."""

    op_name = "elu"  # SELU's node too; CELU's is Celu

    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.save_for_backward(x)
        positive = x > 0
        negative = np.expm1(np.where(positive, 0, x) * input_scale)
        negative *= scale * alpha
        return np.where(positive, x * scale, negative)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        scale, input_scale = ctx.scale, ctx.input_scale
        # exp of where(x < 0, x, 0): the slope's own derivative is 0 at x = 0, as PyTorch's
        slope = np.exp(np.where(x < 0, x, 0) * input_scale) * (scale * ctx.alpha * input_scale)
        return g * np.where(x > 0, scale, slope)


class Celu(Elu):
    """CELU: Elu with input_scale 1 / alpha, its own node in PyTorch."""

    op_name = "celu"


class Hardtanh(Function):
    """x clamped to [min_val, max_val]; the gradient is 0 at and beyond the bounds (PyTorch's
    hardtanh_backward), unlike clamp's."""

    op_name = "hardtanh"  # ReLU6's node too, as in PyTorch
    saves_nothing = True

    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        if ctx.needs_input_grad[0]:
            ctx.inside = ~((x <= min_val) | (x >= max_val))
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    def backward(ctx, g):
        return g * ctx.inside


class Hardswish(Function):
    """x * relu6(x + 3) / 6; the gradient is x / 3 + 1/2 strictly inside (-3, 3), 0 at and
    below -3, 1 at and above 3 (what PyTorch's kernels compute)."""

    op_name = "hardswish"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1))


class Hardsigmoid(Function):
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3)."""

    op_name = "hardsigmoid"
    saves_nothing = True

    def forward(ctx, x):
        if ctx.needs_input_grad[0]:
            ctx.inside = (x > -3) & (x < 3)
        return np.clip(x + 3, 0, 6) / 6

    def backward(ctx, g):
        return g * ctx.inside / 6


class Shrink(Function):
    """Zero on [-lambd, lambd]. Outside it, x (hardshrink) or x moved lambd towards zero
    (softshrink, soft=True); the gradient passes outside the closed interval."""

    op_name, torch_name = "hardshrink", "HardshrinkBackward0"  # softshrink's: set in forward
    saves_nothing = True

    def forward(ctx, x, lambd=0.5, soft=False):
        if soft:
            ctx.torch_name = "SoftshrinkBackward0"
        outside = ~((x >= -lambd) & (x <= lambd))
        if ctx.needs_input_grad[0]:
            ctx.outside = outside
        if soft:
            return np.where(outside, x - np.copysign(lambd, x).astype(x.dtype, copy=False), 0)
        return np.where(outside, x, 0)

    def backward(ctx, g):
        return g * ctx.outside


class Threshold(Function):
    """x where x > threshold, else value."""

    op_name = "threshold"
    saves_nothing = True

    def forward(ctx, x, threshold=0.0, value=0.0):
        above = x > threshold
        if ctx.needs_input_grad[0]:
            ctx.above = above
        return np.where(above, x, np.asarray(value, dtype=x.dtype))

    def backward(ctx, g):
        return g * ctx.above


class Softplus(Function):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    op_name = "softplus"

    def forward(ctx, x, beta=1.0, threshold=20.0):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        bx = x * beta
        linear = bx > threshold
        smooth = np.log1p(np.exp(np.where(linear, 0, bx)))
        smooth /= beta
        return np.where(linear, x, smooth)

    def backward(ctx, g):
        x, = ctx.saved_tensors
        bx, threshold = x * ctx.beta, ctx.threshold
        # at beta * x == threshold the slope is sigmoid(threshold), flat (PyTorch's double
        # backward counts only beta * x < threshold)
        return np.where(bx > threshold, g, g * Sigmoid.call(np.where(bx < threshold, bx,
                                                                     threshold)))


class Mish(Function):
    """x * tanh(softplus(x))."""

    op_name = "mish"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.t = t = np.tanh(softplus(x))
        return x * t

    def backward(ctx, g):
        x, = ctx.saved_tensors
        t = np.tanh(softplus(x)) if _recording(g) else ctx.t
        return g * (t + x * Sigmoid.call(x) * (1 - t * t))


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))."""

    op_name = "logsigmoid"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * Sigmoid.call(-x)


class Softsign(Function):
    """x / (1 + |x|) (1.7x faster than the three ops PyTorch composes it of)."""

    op_name, torch_name = "softsign", "DivBackward0"  # PyTorch's last op of three

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    def backward(ctx, g):
        x, = ctx.saved_tensors
        denominator = 1 + np.abs(x)
        return g / (denominator * denominator)


class Tanhshrink(Function):
    """x - tanh(x) (1.3x faster than composed)."""

    op_name, torch_name = "tanhshrink", "SubBackward0"  # PyTorch's last op of two

    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.t = t = np.tanh(x)
        return x - t

    def backward(ctx, g):
        x, = ctx.saved_tensors
        t = np.tanh(x) if _recording(g) else ctx.t
        return g * t * t


class Prelu(Function):
    """x where x > 0, else weight * x; weight is one value, or one per channel (dim 1)."""

    op_name, torch_name = "prelu", "PreluKernelBackward0"

    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return np.where(x > 0, x, x * _per_channel(weight, x.ndim))

    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        positive = x > 0
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = np.where(positive, g, g * _per_channel(weight, x.ndim))
        if ctx.needs_input_grad[1]:
            # summed here: the engine undoes NumPy broadcasting, and weight aligns with dim 1
            per_element = np.where(positive, 0, g * x)
            axes = tuple(d for d in range(x.ndim) if d != 1 or weight.shape[0] == 1)
            gw = np.reshape(np.sum(per_element, axis=axes), weight.shape)
        return gx, gw


def _per_channel(weight, ndim: int):
    """weight shaped to broadcast along dim 1 of an ndim-d input."""
    if ndim < 2:
        return np.reshape(weight, ())
    return np.reshape(weight, (weight.shape[0],) + (1,) * (ndim - 2))


class Glu(Function):
    """a * sigmoid(b), a and b the two halves of x along `axis`."""

    op_name = "glu"

    def forward(ctx, x, axis=-1):
        ctx.axis = axis
        ctx.save_for_backward(x)
        a, b = np.split(x, 2, axis=axis)
        ctx.gate = gate = stable_sigmoid(b)
        return a * gate

    def backward(ctx, g):
        x, = ctx.saved_tensors
        a, b = np.split(x, 2, axis=ctx.axis)
        gate = Sigmoid.call(b) if _recording(g) else ctx.gate
        ga = g * gate
        return np.concatenate([ga, ga * a * (1 - gate)], axis=ctx.axis)
