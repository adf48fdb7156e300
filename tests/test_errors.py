"""Bad input raises PyTorch's exception type (checked by running the same code through torch)
with a message that names the op and the shapes involved, never a bare NumPy error."""

from __future__ import annotations

import re

import pytest

import ember

# (expression in `m`, a pattern the ember message must contain)
ERRORS = [
    # incompatible shapes: the op and both shapes are named
    ("m.ones(2, 3) + m.ones(4, 3)", r"add.*\(2, 3\).*\(4, 3\)"),
    ("m.ones(2, 3) - m.ones(2, 2)", r"sub.*\(2, 3\).*\(2, 2\)"),
    ("m.mul(m.ones(2, 3), m.ones(3, 2))", r"mul.*\(2, 3\).*\(3, 2\)"),
    ("m.ones(3) / m.ones(2)", r"div.*\(3,\).*\(2,\)"),
    ("m.ones(3) ** m.ones(2)", r"pow.*\(3,\).*\(2,\)"),
    ("m.maximum(m.ones(3), m.ones(2))", r"maximum.*\(3,\).*\(2,\)"),
    ("m.where(m.ones(3) > 0, m.ones(3), m.ones(2))", r"where.*\(3,\).*\(2,\)"),
    ("m.ones(2, 3) == m.ones(4)", r"equal.*\(2, 3\).*\(4,\)"),
    ("m.ones(2, 3) @ m.ones(4, 3)", r"matmul.*\(2, 3\).*\(4, 3\)"),
    ("m.ones(2) @ m.ones(3)", r"matmul.*\(2,\).*\(3,\)"),
    ("m.ones(2, 3) @ m.ones(2)", r"matmul.*\(2, 3\).*\(2,\)"),
    ("m.ones(2, 3, 4) @ m.ones(3, 4, 5)", r"matmul.*\(2, 3, 4\).*\(3, 4, 5\)"),
    ("m.matmul(m.tensor(1.0), m.ones(2))", r"matmul.*\(\).*\(2,\)"),
    ("m.cat([m.ones(2, 3), m.ones(2, 4)])", r"cat.*\(2, 3\).*\(2, 4\)"),
    ("m.cat([m.ones(2, 3), m.ones(3)])", r"cat.*\(2, 3\).*\(3,\)"),
    ("m.stack([m.ones(2, 3), m.ones(2, 4)])", r"stack.*\(2, 3\).*\(2, 4\)"),
    ("m.ones(2, 3).reshape(4, 2)", r"reshape.*\(2, 3\)"),
    ("m.ones(2, 3).view(-1, -1)", r"view.*\(2, 3\)"),
    ("m.ones(2, 3).expand(4, 3)", r"expand.*\(2, 3\)"),
    ("m.ones(2, 1).expand(-1, -1, 3)", r"expand.*-1.*\(2, 1\)"),
    ("m.ones(2, 3).flatten(1, 0)", r"flatten.*\(2, 3\)"),
    ("m.ones(2, 2).add_(m.ones(3))", r"add_.*\(2, 2\)"),
    ("m.ones(2).split([1, 2])", r"split.*\[1, 2\]"),
    ("m.ones(2, 3).permute(0, 0)", r"permute.*\(0, 0\)"),
    ("m.ones(2).clamp()", r"clamp.*min.*max"),
    # dims and indices out of range
    ("m.ones(2, 3)[5]", r"index 5.*\(2, 3\)"),
    ("m.ones(2, 3)[:, m.tensor([0, 3])]", r"index 3.*\(2, 3\)"),
    ("m.ones(2)[m.tensor([True, False, True])]", r"boolean.*\(2,\)"),
    ("m.ones(2)[m.tensor([0.0, 1.0])]", r"integer"),
    ("m.ones(2, 3).sum(3)", r"sum.*3.*\(2, 3\)"),
    ("m.ones(2, 3).softmax(2)", r"softmax.*2"),
    ("m.ones(2, 3).max(-3)", r"-3"),
    ("m.ones(2, 3).argmax(2)", r"range.*2"),
    ("m.ones(2, 3).transpose(0, 5)", r"range.*5"),
    ("m.ones(2, 3).squeeze(4)", r"range.*4"),
    ("m.ones(2, 3).unsqueeze(5)", r"unsqueeze.*5.*range"),
    # autograd misuse
    ("m.ones(3).sum().backward()", r"does not require grad"),
    ("(m.ones(3, requires_grad=True) * 2).backward()", r"scalar outputs"),
    ("m.ones(3, requires_grad=True).sum().backward(m.ones(3))", r"shape.*\(3,\).*\(\)"),
    ("(m.ones(3, requires_grad=True) * 2).backward(m.ones(2))", r"shape.*\(2,\).*\(3,\)"),
    ("m.tensor([1, 2], requires_grad=True)", r"floating point"),
    ("m.zeros(2, dtype=m.int64, requires_grad=True)", r"floating point"),
    ("m.tensor([True]).requires_grad_()", r"floating point"),
    ("m.ones(2, requires_grad=True).numpy()", r"detach"),
    ("m.ones(2).item()", r"2 elements"),
    ("m.tensor([1, 2]).mean()", r"mean.*floating point"),
    ("m.where(m.tensor([1, 0]), m.ones(2), m.zeros(2))", r"where.*bool"),
    # unsupported operands
    ("m.ones(3) + 'a'", r"unsupported operand.*str"),
    ("m.ones(3) * None", r"unsupported operand.*NoneType"),
    ("'a' - m.ones(3)", r"unsupported operand.*str"),
    ("m.ones(3) + [1, 2, 3]", r"unsupported operand.*list"),
    ("m.ones(3) < None", r"'<' not supported.*NoneType"),
    ("m.tensor([True]) - m.tensor([True])", r"Subtraction.*bool"),
    ("-m.tensor([True])", r"Negation.*bool"),
    ("m.tensor([[1, 2], [3]])", r"sequence|shape"),
]


@pytest.mark.parametrize("expr, pattern", ERRORS, ids=[e for e, _ in ERRORS])
def test_error_type_and_message(torch, expr, pattern):
    with pytest.raises(Exception) as torch_error:
        eval(expr, {"m": torch})
    expected = torch_error.type
    assert expected is not Exception
    with pytest.raises(Exception) as ours:
        eval(expr, {"m": ember})
    assert issubclass(ours.type, expected), (
        f"ember raised {ours.type.__name__} ({ours.value}); PyTorch raises {expected.__name__}")
    assert re.search(pattern, str(ours.value)), f"unclear message: {ours.value}"
    assert "gufunc" not in str(ours.value) and "newaxis" not in str(ours.value)


def test_equality_with_other_objects_is_plain_python():
    t = ember.ones(2)
    assert (t == None) is False and (t != None) is True  # noqa: E711 - the point of the test
    assert (t == "a") is False
    assert t not in [None, "x"]


def test_subtracting_a_bool_raises(torch):
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="Subtraction"):
            m.ones(2) - True
        with pytest.raises(RuntimeError, match="Subtraction"):
            m.ones(2) - m.tensor([True, False])
