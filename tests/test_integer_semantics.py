"""Integer semantics and Python protocols against PyTorch: //, %, floor_divide, remainder, fmod,
div(rounding_mode=...) with torch's sign rules, dtypes, gradients and ZeroDivisionError; and
__format__, __int__, __float__, __bool__, __index__, __contains__, __hash__, NumPy scalars on the
left of an operator."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember
from ember.autograd import gradcheck

INTS = "m.tensor([-7, 7, -7, 7, 0, 9, -9])"
INT_DIVISORS = "m.tensor([2, 2, -2, -2, 3, -4, 4])"
FLOATS = "m.tensor([-7.5, 7.5, -7.5, 7.5, 0.0, 7.5, -3.0])"
FLOAT_DIVISORS = "m.tensor([2.0, 2.0, -2.0, -2.0, 0.0, -7.5, 1.5])"

EXPRESSIONS = [
    f"{a} {op} {b}"
    for a, b in [(INTS, INT_DIVISORS), (FLOATS, FLOAT_DIVISORS), (INTS, "2"), (INTS, "-2"),
                 ("-7", INT_DIVISORS), ("7", INT_DIVISORS), (INTS, "2.5"), (FLOATS, "-2"),
                 ("7.5", FLOATS), (INTS, FLOAT_DIVISORS)]
    for op in ("//", "%")
] + [
    f"m.{fn}({a}, {b})"
    for fn in ("floor_divide", "remainder", "fmod")
    for a, b in [(INTS, INT_DIVISORS), (FLOATS, FLOAT_DIVISORS), (INTS, "2.5"),
                 ("-7", INT_DIVISORS)]
    if (fn, a) != ("fmod", "-7")  # PyTorch's fmod needs a tensor input: see ERRORS
] + [
    f"m.div({a}, {b}, rounding_mode={mode!r})"
    for mode in ("floor", "trunc", None)
    for a, b in [(INTS, INT_DIVISORS), (FLOATS, FLOAT_DIVISORS), (INTS, "2"), (INTS, "-2.5")]
] + [
    f"{INTS}.fmod(3)", f"{INTS}.remainder(-3)", f"{FLOATS}.floor_divide(2)",
    "m.tensor([5], dtype=m.uint8) % 3", "m.tensor([5], dtype=m.int32) // m.tensor([2])",
    "m.tensor([-5], dtype=m.int16) // 2", "m.tensor([5.0], dtype=m.float64) % 3",
    "m.tensor([2**62 + 1]) // 3", "m.div(m.tensor([-(2**62) - 1]), 3, rounding_mode='trunc')",
    "m.tensor([True]) // 2",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_values_and_dtypes_match_torch(torch, expr):
    ours, theirs = eval(expr, {"m": ember}), eval(expr, {"m": torch})
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    # the sign of a zero result as PyTorch (7.5 % -7.5 is +0.0)
    np.testing.assert_array_equal(np.signbit(ours.numpy()), np.signbit(theirs.numpy()))


ERRORS = [
    f"{INTS} // 0", f"{INTS} % 0", "m.fmod(m.tensor([3]), 0)", "m.div(m.tensor([3]), 0, "
    "rounding_mode='floor')", "m.div(m.tensor([3]), 0, rounding_mode='trunc')",
    "7 // m.tensor([1, 0])", "7 % m.tensor([0])", "m.remainder(m.tensor([1]), m.tensor([0]))",
    "m.tensor(True) // m.tensor(True)", "m.div(m.ones(2), 2, rounding_mode='round')",
    f"m.fmod(-7, {INT_DIVISORS})",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(torch, expr):
    with pytest.raises(Exception) as theirs:
        eval(expr, {"m": torch})
    with pytest.raises(theirs.type) as ours:
        eval(expr, {"m": ember})
    if "ZeroDivisionError" in str(theirs.value):
        assert "ZeroDivisionError" in str(ours.value)
    assert "\n" not in str(ours.value)


def test_float_division_by_zero_is_inf_and_nan(torch):
    for expr in ("m.tensor([5.0, -5.0, 0.0]) // 0", "m.tensor([5.0, -5.0, 0.0]) % 0",
                 "m.fmod(m.tensor([5.0, 0.0]), 0.0)", "m.tensor([5]) % m.tensor([0.0])"):
        np.testing.assert_array_equal(eval(expr, {"m": ember}).numpy(),
                                      eval(expr, {"m": torch}).numpy())


@pytest.mark.parametrize("fn", ["remainder", "fmod", "div_floor", "div_trunc"])
def test_gradients_match_torch(torch, fn):
    def run(m):
        a = m.tensor([-7.5, 7.5, -7.25, 7.0, 1.5], requires_grad=True)
        b = m.tensor([2.0, -2.0, 3.0, -3.0, 0.75], requires_grad=True)
        if fn.startswith("div"):
            out = m.div(a, b, rounding_mode=fn[4:])
        else:
            out = getattr(m, fn)(a, b)
        (out * m.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        return a.grad.numpy(), b.grad.numpy()

    for ours, theirs in zip(run(ember), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("fn", [ember.remainder, ember.fmod])
def test_gradcheck(fn):
    a = ember.tensor([-7.3, 7.4, -2.2, 5.1], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([2.1, -2.3, 0.7, 1.9], dtype=ember.float64, requires_grad=True)
    assert gradcheck(fn, (a, b))


def test_floor_divide_has_no_derivative_as_in_torch(torch):
    for m in (ember, torch):
        a = m.tensor([7.5], requires_grad=True)
        with pytest.raises(RuntimeError, match="floor_divide"):
            (a // 2).sum().backward()


PROTOCOLS = [
    "format(m.tensor(3.14159), '.2f')", "f'{m.tensor(2.5):.3f}'", "f'{m.tensor(3)}'",
    "f'{m.tensor([1.5, 2.0])}'", "format(m.tensor([1.0, 2.0]), '.2f')", "format(m.tensor(3), 'd')",
    "format(m.tensor(3), '>5')", "f'{m.tensor(1.5, requires_grad=True):.1f}'",
    "f'{m.tensor(True)}'", "'{:.2e}'.format(m.tensor(12345.0))",
    "int(m.tensor(3.7))", "int(m.tensor([-2.7]))", "int(m.tensor([1, 2]))", "float(m.tensor(3))",
    "float(m.tensor([[2.5]]))", "float(m.tensor([]))", "bool(m.tensor(0.0))",
    "bool(m.tensor([1, 2]))", "bool(m.tensor([]))", "bool(m.tensor([[3]]))",
    "[1, 2, 3][m.tensor(1)]", "[1, 2, 3][m.tensor(1.0)]", "[1, 2][m.tensor([1])]",
    "list(range(10)[m.tensor(2):m.tensor(5)])", "operator.index(m.tensor(True))",
    "2 in m.tensor([1, 2])", "5 in m.tensor([1, 2])", "m.tensor(2) in m.tensor([1, 2])",
    "m.tensor([1, 2]) in m.tensor([[1, 2]])", "'a' in m.tensor([1])", "2.0 in m.tensor([1, 2])",
    "np.float32(2) in m.tensor([1.0, 2.0])", "None in m.tensor([1])",
]


@pytest.mark.parametrize("expr", PROTOCOLS)
def test_python_protocols_match_torch(torch, expr):
    ours, theirs = (outcome(lambda m=m: eval(expr, {"m": m, "np": np, "operator": operator}))
                    for m in (ember, torch))
    if same_kind(ours, theirs, expr):
        assert ours == theirs, expr


def test_hash_is_identity_as_in_torch(torch):
    for m in (ember, torch):
        a, b = m.ones(2), m.ones(2)
        assert hash(a) == hash(a) != hash(b) and len({a, b}) == 2 and {a: 1}[a] == 1


NUMPY_LEFT = [
    "np.float32(2) * m.tensor([1.0, 2.0])", "np.float64(2) + m.tensor([1.0, 2.0])",
    "np.int64(2) - m.tensor([1, 2])", "np.float64(1.5) / m.tensor([1.0, 2.0])",
    "np.float32(2) ** m.tensor([1.0, 2.0])", "np.int64(7) // m.tensor([2])",
    "np.int64(7) % m.tensor([-2])", "np.float64(2) < m.tensor([1.0, 3.0])",
    "np.float64(2) == m.tensor([1.0, 2.0])", "np.float32(2) * m.tensor([1, 2])",
    "np.int32(3) * m.tensor([1.5])",
]


@pytest.mark.parametrize("expr", NUMPY_LEFT)
def test_numpy_scalar_on_the_left_gives_a_tensor(torch, expr):
    ours, theirs = eval(expr, {"m": ember, "np": np}), eval(expr, {"m": torch, "np": np})
    assert isinstance(ours, ember.Tensor)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
