"""Element-wise primitives, rounded division and the activations: mostly one ONNX op each."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...ops.activation import Erf, Gelu, LeakyRelu, Silu
from ..registry import maps

_SAME_NAME = {ops.Add: "Add", ops.Sub: "Sub", ops.Mul: "Mul", ops.Div: "Div", ops.Pow: "Pow",
              ops.Maximum: "Max", ops.Minimum: "Min", ops.Neg: "Neg", ops.Abs: "Abs",
              ops.Exp: "Exp", ops.Log: "Log", ops.Sqrt: "Sqrt", ops.Sin: "Sin", ops.Cos: "Cos",
              ops.Tanh: "Tanh", ops.Sigmoid: "Sigmoid", ops.Relu: "Relu", Erf: "Erf"}
_BOOL = {ops.Add: "Or", ops.Mul: "And", ops.Maximum: "Or", ops.Minimum: "And"}  # NumPy's bool math


@maps(*_SAME_NAME)
def same_name(g, node):
    op_type = _SAME_NAME[node.kind]
    if node.output.dtype == np.bool_:
        op_type = _BOOL.get(node.kind, op_type)
    return g.op(op_type, *(g.input(node, i) for i in range(len(node.inputs))))


@maps(ops.Log1p)
def log1p(g, node):
    return g.op("Log", g.op("Add", g.input(node, 0), g.scalar(1, node.output.dtype)))


# PiecewiseConstant's functions: name -> how to build it from the ONNX name of x (other mapping
# modules add theirs)
ROUNDING = {np.sign: lambda g, x: g.op("Sign", x), np.round: lambda g, x: g.op("Round", x),
            np.floor: lambda g, x: g.op("Floor", x), np.ceil: lambda g, x: g.op("Ceil", x)}


@maps(ops.PiecewiseConstant)
def piecewise_constant(g, node):
    ufunc = node.option("ufunc")
    if ufunc not in ROUNDING or node.output.dtype.kind != "f":
        raise node.fail(f"{getattr(ufunc, '__name__', ufunc)} of a "
                        f"{node.output.dtype} tensor has no ONNX mapping")
    return ROUNDING[ufunc](g, g.input(node, 0))


@maps(ops.Clamp)
def clamp(g, node):
    dtype = node.output.dtype
    bounds = [None if node.option(k) is None else g.scalar(node.option(k), dtype)
              for k in ("min", "max")]
    return g.op("Clip", g.input(node, 0), *bounds)


@maps(ops.Where)
def where(g, node):
    return g.op("Where", g.ref(node.option("condition")), g.input(node, 0), g.input(node, 1))


@maps(ops.Cast)
def cast(g, node):
    return g.cast(g.input(node, 0), node.option("dtype"))


# ---- rounded division ---------------------------------------------------------------------
def _floor_divide(g, a, b, dtype):
    if dtype.kind == "f":
        return g.op("Floor", g.op("Div", a, b))
    # Integer Div truncates; floor is one less where the division is inexact and signs differ.
    zero = g.scalar(0, dtype)
    inexact = g.op("Not", g.op("Equal", g.op("Mod", a, b, fmod=1), zero))
    signs_differ = g.op("Xor", g.op("Less", a, zero), g.op("Less", b, zero))
    fix = g.cast(g.op("And", inexact, signs_differ), dtype)
    return g.op("Sub", g.op("Div", a, b), fix)


def _trunc_divide(g, a, b, dtype):
    quotient = g.op("Div", a, b)
    if dtype.kind != "f":
        return quotient
    negative = g.op("Less", quotient, g.scalar(0, dtype))
    return g.op("Where", negative, g.op("Ceil", quotient), g.op("Floor", quotient))


@maps(ops.FloorDivide)
def floor_divide(g, node):
    return _floor_divide(g, g.input(node, 0), g.input(node, 1), node.output.dtype)


@maps(ops.RoundedDiv)
def rounded_div(g, node):
    divide = _floor_divide if node.option("rounding_mode") == "floor" else _trunc_divide
    return divide(g, g.input(node, 0), g.input(node, 1), node.output.dtype)


@maps(ops.Fmod)
def fmod(g, node):
    return g.op("Mod", g.input(node, 0), g.input(node, 1), fmod=1)


@maps(ops.Remainder)
def remainder(g, node):
    a, b, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    if dtype.kind != "f":
        return g.op("Mod", a, b, fmod=0)  # the sign of the divisor, as Python's %
    mod = g.op("Mod", a, b, fmod=1)
    zero = g.scalar(0, dtype)
    move = g.op("And", g.op("Not", g.op("Equal", mod, zero)),
                g.op("Xor", g.op("Less", b, zero), g.op("Less", mod, zero)))
    return g.op("Where", move, g.op("Add", mod, b), mod)


# ---- activations ----------------------------------------------------------------------------
@maps(Gelu)
def gelu(g, node):
    x, dtype, approximate = g.input(node, 0), node.output.dtype, node.option("approximate")
    if g.opset >= 20:
        return g.op("Gelu", x, approximate=approximate)
    half_x = g.op("Mul", x, g.scalar(0.5, dtype))
    if approximate == "tanh":  # x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Add", x, g.op("Mul", cube, g.scalar(0.044715, dtype)))
        t = g.op("Tanh", g.op("Mul", inner, g.scalar(math.sqrt(2 / math.pi), dtype)))
    else:  # x/2 * (1 + erf(x / sqrt 2))
        t = g.op("Erf", g.op("Mul", x, g.scalar(math.sqrt(0.5), dtype)))
    return g.op("Mul", half_x, g.op("Add", t, g.scalar(1, dtype)))


@maps(LeakyRelu)
def leaky_relu(g, node):
    return g.op("LeakyRelu", g.input(node, 0), alpha=float(node.option("negative_slope")))


@maps(Silu)
def silu(g, node):
    x = g.input(node, 0)
    return g.op("Mul", x, g.op("Sigmoid", x))


# ---- comparisons, logical and bitwise ops, tests ---------------------------------------------
_COMPARISONS = {np.equal: "Equal", np.less: "Less", np.less_equal: "LessOrEqual",
                np.greater: "Greater", np.greater_equal: "GreaterOrEqual"}
_BITWISE = {np.bitwise_and: ("And", "BitwiseAnd"), np.bitwise_or: ("Or", "BitwiseOr"),
            np.bitwise_xor: ("Xor", "BitwiseXor"), np.invert: ("Not", "BitwiseNot")}


@maps(ops.NoGrad)
def no_grad_op(g, node):
    ufunc = node.option("ufunc")
    args = [g.input(node, i) for i in range(len(node.inputs))]
    if ufunc in _COMPARISONS:
        return g.op(_COMPARISONS[ufunc], *args)
    if ufunc is np.not_equal:
        return g.op("Not", g.op("Equal", *args))
    if ufunc in _BITWISE:
        logical, bitwise = _BITWISE[ufunc]
        return g.op(logical if node.output.dtype == np.bool_ else bitwise, *args)
    if ufunc is np.logical_not:
        if g.array_info(node.inputs[0])[2] != np.bool_:
            return g.op("Equal", args[0], g.scalar(0, g.array_info(node.inputs[0])[2]))
        return g.op("Not", *args)
    if ufunc is np.isnan:
        return g.op("IsNaN", *args)
    if ufunc is np.isinf:
        return g.op("IsInf", *args)
    if ufunc is np.isfinite:
        return g.op("Not", g.op("Or", g.op("IsNaN", *args), g.op("IsInf", *args)))
    raise node.fail(f"{getattr(ufunc, '__name__', ufunc)} has no ONNX mapping")
