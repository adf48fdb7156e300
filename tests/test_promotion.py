"""Type promotion follows PyTorch: checked against torch's actual results for every pair of dtypes,
zero-dim and dimensioned operands, and Python / NumPy scalars on either side."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPS = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: m.mul(a, b),
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "where": lambda m, a, b: m.where(m.tensor(True), a, b),
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: m.lt(a, b),
    "cat": lambda m, a, b: m.cat([a.reshape(-1), b.reshape(-1)]),
}
SCALARS = [True, 2, 2.5, np.float64(2.5), np.int64(2)]


def outcome(m, op: str, a, b) -> str:
    """The dtype name of op(a, b) in module m, or the name of the exception it raises. An operand
    is a scalar, or a (dtype, zero_dim) pair standing for a tensor of ones."""
    try:
        args = [m.ones(() if x[1] else (2,), dtype=getattr(m, x[0])) if isinstance(x, tuple)
                else x for x in (a, b)]
        return str(OPS[op](m, *args).dtype).split(".")[-1]
    except Exception as e:  # noqa: BLE001 - the exception's type is what is compared
        return type(e).__name__


def mismatches(torch, op: str, pairs) -> list[str]:
    found = []
    for a, b in pairs:
        theirs, ours = outcome(torch, op, a, b), outcome(ember, op, a, b)
        if ours != theirs:
            found.append(f"{a!r} {op} {b!r}: torch {theirs}, ember {ours}")
    return found


@pytest.mark.parametrize("op", list(OPS))
def test_tensor_tensor_promotion(torch, op):
    operands = list(itertools.product(DTYPES, [False, True]))  # (dtype, zero_dim)
    pairs = [(a, b) for a, b in itertools.product(operands, operands)
             if not (op == "pow" and a[0] == b[0] == "bool")  # PyTorch has no bool ** bool
             and not (op == "sub" and "bool" in (a[0], b[0]))]  # test_errors.py has these
    found = mismatches(torch, op, pairs)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "eq"])
def test_tensor_scalar_promotion(torch, op):
    pairs = []
    for dtype, scalar in itertools.product(DTYPES, SCALARS):
        if op == "sub" and (isinstance(scalar, bool) or dtype == "bool"):
            continue  # PyTorch refuses `-` with a bool operand; ember computes (test_errors.py)
        pairs.append(((dtype, False), scalar))
        if not (op == "pow" and dtype == "bool"):  # PyTorch has no kernel for `2 ** bool_tensor`
            pairs.append((scalar, (dtype, False)))
    found = mismatches(torch, op, pairs)
    assert not found, "\n".join(found)


def test_python_scalars_do_not_upcast_float32():
    x = ember.ones(3)
    for y in (x + 1.5, 2.5 * x, x / 3, x**2.0, x - 1e300 * 0, ember.maximum(x, ember.tensor(2.0))):
        assert y.dtype is ember.float32
    assert (ember.arange(3) + 0.5).dtype is ember.float32
    assert (ember.arange(3) / 2).dtype is ember.float32
    assert (ember.arange(3) * 2).dtype is ember.int64
    assert (ember.ones(2, dtype=ember.float64) * ember.ones(2)).dtype is ember.float64
    assert (ember.ones(2) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32


def test_promoted_gradients_keep_each_input_dtype():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # the point of the test
def test_negative_zero_scalar_keeps_its_sign():
    x = ember.ones(1)
    assert (1 / (x * 0.0)).item() == float("inf")
    assert (1 / (x * -0.0)).item() == float("-inf")
