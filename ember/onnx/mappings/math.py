"""The math functions of torch.* (ember.ops.pointwise, special, products, Prod and the
determinants): ONNX's operator where there is one, otherwise composed as ember computes them.
The decompositions (inv, solve, cholesky, qr, svd, eigh, pinv) and erfinv, lgamma and the
polygammas have no ONNX operator and no mapping; slogdet and logdet read the determinant's sign
outside the trace."""

from __future__ import annotations

import math

import numpy as np

from ... import pointwise as pointwise_functions
from ...ops import decompositions, pointwise, products, special
from ...ops.reduction import Prod
from ..registry import maps
from .elementwise import ROUNDING

# torch.sign (0 for NaN) and torch.round (NumPy's rint, halves to even, as ONNX's Round)
ROUNDING[pointwise_functions._sign_array] = lambda g, x: g.op(
    "Where", g.op("IsNaN", x), g.op("Sub", x, x), g.op("Sign", x))
ROUNDING[np.rint] = ROUNDING[np.round]

_SAME_NAME = {pointwise.Tan: "Tan", pointwise.Asin: "Asin", pointwise.Acos: "Acos",
              pointwise.Atan: "Atan", pointwise.Sinh: "Sinh", pointwise.Cosh: "Cosh",
              pointwise.Asinh: "Asinh", pointwise.Acosh: "Acosh", pointwise.Atanh: "Atanh",
              pointwise.Reciprocal: "Reciprocal", decompositions.Det: "Det"}


@maps(*_SAME_NAME)
def same_name(g, node):
    return g.op(_SAME_NAME[node.kind], g.input(node, 0))


@maps(pointwise.Expm1, pointwise.Exp2, pointwise.Log2, pointwise.Log10, special.Erfc)
def shifted_or_scaled(g, node):
    """exp(x) - 1, 2^x, ln x / ln 2, ln x / ln 10, 1 - erf(x)."""
    x, dtype = g.input(node, 0), node.output.dtype
    if node.kind is pointwise.Expm1:
        return g.op("Sub", g.op("Exp", x), g.scalar(1, dtype))
    if node.kind is pointwise.Exp2:
        return g.op("Pow", g.scalar(2, dtype), x)
    if node.kind is special.Erfc:
        return g.op("Sub", g.scalar(1, dtype), g.op("Erf", x))
    base = 2 if node.kind is pointwise.Log2 else 10
    return g.op("Div", g.op("Log", x), g.scalar(math.log(base), dtype))


@maps(pointwise.Sinc)
def sinc(g, node):
    """sin(pi x) / (pi x), 1 at 0."""
    x, dtype = g.input(node, 0), node.output.dtype
    zero = g.op("Equal", x, g.scalar(0, dtype))
    pi_x = g.op("Mul", g.op("Where", zero, g.scalar(1, dtype), x), g.scalar(math.pi, dtype))
    return g.op("Where", zero, g.scalar(1, dtype), g.op("Div", g.op("Sin", pi_x), pi_x))


@maps(pointwise.Logit)
def logit(g, node):
    p, dtype, eps = g.input(node, 0), node.output.dtype, node.option("eps")
    if eps is not None:
        p = g.op("Clip", p, g.scalar(eps, dtype), g.scalar(1 - eps, dtype))
    return g.op("Log", g.op("Div", p, g.op("Sub", g.scalar(1, dtype), p)))


@maps(pointwise.NanToNum)
def nan_to_num(g, node):
    """NaN, +inf, -inf replaced (by default infinities by the dtype's extremes, as NumPy)."""
    x, dtype = g.input(node, 0), node.output.dtype
    finfo = np.finfo(dtype)
    posinf, neginf = node.option("posinf"), node.option("neginf")
    out = g.op("Where", g.op("IsInf", x, detect_negative=0),
               g.scalar(finfo.max if posinf is None else posinf, dtype), x)
    out = g.op("Where", g.op("IsInf", x, detect_positive=0),
               g.scalar(finfo.min if neginf is None else neginf, dtype), out)
    return g.op("Where", g.op("IsNaN", x), g.scalar(node.option("nan"), dtype), out)


@maps(pointwise.Hypot)
def hypot(g, node):
    a, b = g.input(node, 0), g.input(node, 1)
    return g.op("Sqrt", g.op("Add", g.op("Mul", a, a), g.op("Mul", b, b)))


@maps(pointwise.Atan2)
def atan2(g, node):
    """atan(a / b), moved by pi into the left half-plane, and +-pi/2 or 0 where b is 0."""
    a, b, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    zero = g.scalar(0, dtype)
    b_zero = g.op("Equal", b, zero)
    base = g.op("Atan", g.op("Div", a, g.op("Where", b_zero, g.scalar(1, dtype), b)))
    half_turn = g.op("Where", g.op("Less", a, zero), g.scalar(-math.pi, dtype),
                     g.scalar(math.pi, dtype))
    left = g.op("Add", base, half_turn)
    on_axis = g.op("Mul", g.op("Sign", a), g.scalar(math.pi / 2, dtype))
    return g.op("Where", b_zero, on_axis, g.op("Where", g.op("Less", b, zero), left, base))


@maps(pointwise.LogAddExp)
def logaddexp(g, node):
    """m + log(exp(a - m) + exp(b - m)), m the larger (in base 2 with base2); m itself where
    it is infinite."""
    a, b, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    largest = g.op("Max", a, b)
    base2 = node.option("base2")

    def power(x):
        shifted = g.op("Sub", x, largest)
        return g.op("Pow", g.scalar(2, dtype), shifted) if base2 else g.op("Exp", shifted)

    total = g.op("Log", g.op("Add", power(a), power(b)))
    if base2:
        total = g.op("Div", total, g.scalar(math.log(2), dtype))
    return g.op("Where", g.op("IsInf", largest), largest, g.op("Add", largest, total))


@maps(pointwise.Xlogy)
def xlogy(g, node):
    """x log y, 0 where x is 0 (unless y is NaN)."""
    x, y, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    zero = g.op("And", g.op("Equal", x, g.scalar(0, dtype)), g.op("Not", g.op("IsNaN", y)))
    return g.op("Where", zero, g.scalar(0, dtype), g.op("Mul", x, g.op("Log", y)))


@maps(pointwise.Lerp)
def lerp(g, node):
    """From whichever end the weight is closer to, as ember and PyTorch."""
    start, end, weight = (g.input(node, i) for i in range(3))
    dtype = node.output.dtype
    diff = g.op("Sub", end, start)
    near_start = g.op("Less", g.op("Abs", weight), g.scalar(0.5, dtype))
    from_start = g.op("Add", start, g.op("Mul", weight, diff))
    from_end = g.op("Sub", end, g.op("Mul", diff, g.op("Sub", g.scalar(1, dtype), weight)))
    return g.op("Where", near_start, from_start, from_end)


@maps(pointwise.ClampTensor)
def clamp_tensor(g, node):
    return g.op("Min", g.op("Max", g.input(node, 0), g.input(node, 1)), g.input(node, 2))


@maps(products.Einsum)
def einsum(g, node):
    return g.op("Einsum", *(g.input(node, i) for i in range(len(node.inputs))),
                equation=node.option("equation"))


@maps(products.EuclideanDist)
def euclidean_dist(g, node):
    """sqrt(max(|a|^2 + |b|^2 - 2 a.b, 0)) over the rows of x1 and x2, as ember's cdist."""
    x1, x2, dtype = g.input(node, 0), g.input(node, 1), node.output.dtype
    rank = len(node.shape(1))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    rows1 = g.reduce("ReduceSum", g.op("Mul", x1, x1), -1, True)  # (..., P, 1)
    rows2 = g.op("Transpose", g.reduce("ReduceSum", g.op("Mul", x2, x2), -1, True), perm=perm)
    cross = g.op("Mul", g.op("MatMul", x1, g.op("Transpose", x2, perm=perm)),
                 g.scalar(2, dtype))
    squares = g.op("Sub", g.op("Add", rows1, rows2), cross)
    return g.op("Sqrt", g.op("Max", squares, g.scalar(0, dtype)))


@maps(Prod)
def prod(g, node):
    return g.reduce("ReduceProd", g.input(node, 0), node.option("axis"), node.option("keepdim"))
