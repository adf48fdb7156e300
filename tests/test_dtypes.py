"""dtypes and numbers against PyTorch: bfloat16 (ml_dtypes), the default dtype, finfo/iinfo,
promote_types, is_floating_point, is_tensor, numel."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ember

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


@pytest.fixture
def default_dtype(torch):
    """Set both libraries' default dtype in a test; restored after it."""

    def set_both(name):
        ember.set_default_dtype(getattr(ember, name))
        torch.set_default_dtype(getattr(torch, name))

    yield set_both
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(torch, name):
    ours, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(torch, name):
    ours, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (
        theirs.bits, theirs.min, theirs.max, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_info_defaults_and_errors_match_torch(torch):
    assert ember.finfo().dtype == torch.finfo().dtype == "float32"
    assert ember.finfo(float).dtype == torch.finfo(float).dtype == "float64"
    assert ember.iinfo(int).dtype == torch.iinfo(int).dtype == "int64"
    for call in ("finfo(m.int32)", "iinfo(m.float32)", "iinfo(m.bool)", "finfo('float32')"):
        with pytest.raises(TypeError) as theirs:
            eval(f"m.{call}", {"m": torch})
        with pytest.raises(theirs.type):
            eval(f"m.{call}", {"m": ember})


@pytest.mark.parametrize("a", FLOATS + INTS + ["bool"])
@pytest.mark.parametrize("b", FLOATS + INTS + ["bool"])
def test_promote_types_matches_torch(torch, a, b):
    ours = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert _name(ours) == _name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def test_bfloat16_tensors_as_torch(torch):
    values = [1.0, 2.0, 3.3, -0.1]
    ours, theirs = (m.tensor(values, dtype=m.bfloat16) for m in (ember, torch))
    assert repr(ours).replace("ember", "torch") == repr(theirs)
    assert ours.element_size() == 2 and ours.is_floating_point() and ours.dtype.is_floating_point
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())
    for expr in ("x + 1", "x * 2.5", "x + m.ones(4)", "x + m.ones(4, dtype=m.float16)",
                 "m.ones(4, dtype=m.int64) + x", "x.sum()", "x.to(m.float64)",
                 "m.zeros(2).bfloat16()", "x.relu()"):
        ours_out = eval(expr, {"m": ember, "x": ours})
        theirs_out = eval(expr, {"m": torch, "x": theirs})
        assert _name(ours_out.dtype) == _name(theirs_out.dtype), expr
        np.testing.assert_allclose(ours_out.float().numpy(), theirs_out.float().numpy(),
                                   rtol=1e-2, err_msg=expr)
    net = ember.nn.Linear(2, 2).bfloat16()
    assert net.weight.dtype is ember.bfloat16 and net.float().weight.dtype is ember.float32


def test_bfloat16_gradients_flow(torch):
    ours = ember.tensor([1.5, -2.0], dtype=ember.bfloat16, requires_grad=True)
    theirs = torch.tensor([1.5, -2.0], dtype=torch.bfloat16, requires_grad=True)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    assert ours.grad.dtype is ember.bfloat16
    np.testing.assert_array_equal(ours.grad.float().numpy(), theirs.grad.float().numpy())


def test_bfloat16_without_ml_dtypes_names_the_extra():
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import ember\n"
            "assert ember.float32 and ember.zeros(1).dtype is ember.float32\n"
            "try:\n"
            "    ember.bfloat16\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ml_dtypes" in out.stdout and "ember[bfloat16]" in out.stdout


FACTORIES = [
    "m.tensor(1.0)", "m.tensor([1, 2.5])", "m.tensor([m.tensor(1), 2.5])",
    "m.tensor([np.float32(1), 2.0])", "m.tensor([np.int32(1), 2.5])", "m.zeros(2)",
    "m.ones(2)", "m.empty(2)", "m.arange(0, 1, 0.5)", "m.arange(3)", "m.linspace(0, 1, 3)",
    "m.full((2,), 1.5)", "m.full((2,), 2)", "m.rand(2)", "m.randn(2)", "m.eye(2)",
    "m.Tensor(2)", "m.Tensor([1, 2])", "m.FloatTensor(2)", "m.as_tensor([1.5])",
    "m.ones(2, dtype=m.int64) / 2", "m.ones(2, dtype=m.int64) * 2.5",
    "m.ones(2, dtype=m.float32) * 2.5", "m.tensor(np.float32(1))", "m.zeros(2, dtype=float)",
    "m.ones(2).to(float)", "m.nn.Linear(2, 2).weight", "m.nn.Conv2d(1, 1, 1).weight",
    "m.nn.LayerNorm(2).weight", "m.nn.BatchNorm1d(2).running_mean", "m.nn.Embedding(2, 2).weight",
]


@pytest.mark.parametrize("default", ["float64", "float16"])
@pytest.mark.parametrize("expr", FACTORIES)
def test_factories_honour_the_default_dtype(torch, default_dtype, default, expr):
    default_dtype(default)
    assert ember.get_default_dtype() is getattr(ember, default)
    ours = eval(expr, {"m": ember, "np": np})
    theirs = eval(expr, {"m": torch, "np": np})
    assert _name(ours.dtype) == _name(theirs.dtype), expr


def test_repr_leaves_out_the_default_dtype(torch, default_dtype):
    default_dtype("float64")
    for expr in ("m.tensor([1.5, 2.0])", "m.tensor([1.5], dtype=m.float32)", "m.zeros(0)"):
        ours = repr(eval(expr, {"m": ember}))
        assert ours.replace("ember", "torch") == repr(eval(expr, {"m": torch}))


def test_set_default_dtype_rejects_what_torch_rejects(torch):
    for value in ("m.int64", "float", "'float64'"):
        with pytest.raises(TypeError) as theirs:
            eval(f"m.set_default_dtype({value})", {"m": torch})
        with pytest.raises(theirs.type, match="floating"):
            eval(f"m.set_default_dtype({value})", {"m": ember})
    assert ember.get_default_dtype() is ember.float32


def test_type_queries_match_torch(torch):
    for m in (ember, torch):
        assert m.is_floating_point(m.ones(2)) and not m.is_floating_point(m.ones(2, dtype=m.int64))
        assert m.is_tensor(m.nn.Parameter(m.ones(1))) and not m.is_tensor(np.ones(1))
        assert m.numel(m.ones(2, 3)) == 6 and m.numel(m.ones(())) == 1
        with pytest.raises(TypeError, match="Tensor"):
            m.is_floating_point(1.0)
        with pytest.raises(TypeError, match="Tensor"):
            m.numel([1, 2])
    assert ember.float32.is_signed and not ember.uint8.is_signed and not ember.bool.is_signed
    assert not ember.float32.is_complex
