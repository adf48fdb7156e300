"""The autograd engine: backward's arguments and rules, accumulation, retain_graph and freeing,
grad modes, autograd.grad, custom Functions, gradcheck and detect_anomaly."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest

import ember
from ember import autograd


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    yield
    ember.set_grad_enabled(True)  # a failed test must not leave grad off for the next ones


def leaf(values, dtype=None):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


# ---- backward --------------------------------------------------------------------------
def test_scalar_backward_defaults_to_one():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert x.grad.dtype is ember.float32 and not x.grad.requires_grad


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    y.backward(ember.tensor([1.0, 10.0]))  # a vector-Jacobian product
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 30.0])


def test_backward_gradient_as_array_and_0d_output():
    x = leaf([[1.0, 2.0]])
    (x * 2).backward(np.array([[0.5, 1.0]], dtype=np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 2.0]])
    s = leaf(3.0)
    (s * s).backward()
    assert s.grad.item() == 6.0 and s.grad.shape == ()


def test_gradients_accumulate_across_calls():
    x = leaf([1.0, -1.0])
    for _ in range(3):
        (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    x.grad.zero_()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -2.0])
    x.grad = None
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_leaf_used_twice_and_shared_subexpression():
    x = leaf([2.0])
    h = x * x
    (h + h * x + x).sum().backward()  # d/dx (x^2 + x^3 + x) = 2x + 3x^2 + 1
    assert x.grad.item() == 2 * 2 + 3 * 4 + 1


def test_non_leaf_grad_only_with_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 2
    kept = x * 3
    kept.retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None and not h.is_leaf and kept.retains_grad
    np.testing.assert_array_equal(kept.grad.numpy(), (x * 2).detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), [12.0, 24.0])  # d(6x^2)/dx


def test_grads_do_not_alias_each_other_or_the_given_gradient():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    upstream = ember.tensor([1.0, 1.0])
    (a + b).backward(upstream)
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), upstream.detach().numpy())
    a.grad.data += 100
    assert b.grad.tolist() == [1.0, 1.0] and upstream.tolist() == [1.0, 1.0]
    c = leaf([5.0])
    c.backward(upstream[:1])  # a leaf as the root
    c.grad.data += 1
    assert upstream.tolist() == [1.0, 1.0]


def test_detach_and_non_requiring_inputs_stop_gradients():
    x, w = leaf([1.0, 2.0]), ember.tensor([3.0, 4.0])
    y = x.detach() * 2 + x * w
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    assert w.grad is None and not (w * 2).requires_grad


# ---- retain_graph and freeing saved arrays ----------------------------------------------
def test_second_backward_raises_unless_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def saved_arrays(node) -> list:
    """The arrays a node keeps: attributes, and what it passed to save_for_backward."""
    kept = list(vars(node).values()) + list(vars(node).get("saved", ()))
    return [v for v in kept if isinstance(v, np.ndarray)]


def test_saved_arrays_freed_after_backward():
    x = leaf(np.arange(6.0).reshape(2, 3))
    values = x.sigmoid().max(1).values
    node = values.grad_fn
    assert saved_arrays(node), "MaxDim should save the indices it picked"
    watched = [weakref.ref(a) for a in saved_arrays(node)]
    values.sum().backward()
    gc.collect()
    assert saved_arrays(node) == [] and all(r() is None for r in watched)


def test_retain_graph_keeps_saved_arrays():
    x = leaf([1.0, 2.0])
    y = x.sin()
    y.sum().backward(retain_graph=True)
    assert saved_arrays(y.grad_fn)
    y.sum().backward()
    assert not saved_arrays(y.grad_fn)


def test_inplace_change_of_a_saved_array_is_detected():
    x = leaf([1.0, 2.0])
    y = x.exp()  # exp saves its output for backward
    y.detach().zero_()
    with pytest.raises(RuntimeError, match="inplace|in-place"):
        y.sum().backward()


# ---- grad modes --------------------------------------------------------------------------
def graph_ops(x):
    return [x * 2, x + x, x.exp(), x.sum(), x[0], x.reshape(2, 1), x.T, x @ x, x.clone(),
            ember.cat([x, x]), x.double(), x.relu(), x.softmax(0)]


def test_no_grad_records_no_graph():
    x = leaf([1.0, 2.0])
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        for y in graph_ops(x):
            assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert ember.is_grad_enabled()
    assert all(y.requires_grad for y in graph_ops(x))


def test_grad_mode_decorators_and_nesting():
    x = leaf([1.0])

    @ember.no_grad()
    def frozen(t):
        return t * 2, ember.is_grad_enabled()

    @ember.enable_grad()
    def tracked(t):
        return t * 2

    y, enabled = frozen(x)
    assert not y.requires_grad and not enabled and ember.is_grad_enabled()
    with ember.no_grad():
        assert tracked(x).requires_grad
        with ember.enable_grad():
            assert ember.is_grad_enabled() and (x * 2).requires_grad
        assert not ember.is_grad_enabled()
    with pytest.raises(ValueError), ember.no_grad():
        raise ValueError("the mode is restored on the way out")
    assert ember.is_grad_enabled()
    assert frozen.__name__ == "frozen"


def test_set_grad_enabled_as_call():
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled() and not (leaf([1.0]) * 2).requires_grad
    ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()


def test_set_grad_enabled_inside_context():
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
        assert (leaf([1.0]) * 2).grad_fn is None
    with ember.no_grad(), ember.set_grad_enabled(True):
        assert ember.is_grad_enabled()


def test_set_grad_enabled_context_restores_previous_mode():
    with ember.set_grad_enabled(False):
        pass
    assert ember.is_grad_enabled()


def test_set_grad_enabled_decorator_is_scoped():
    @ember.set_grad_enabled(False)
    def frozen(t):
        return t * 2

    assert ember.is_grad_enabled()
    assert not frozen(leaf([1.0])).requires_grad and ember.is_grad_enabled()


def test_no_grad_as_bare_decorator():
    @ember.no_grad
    def frozen(t):
        return t * 2

    assert not frozen(leaf([1.0])).requires_grad


# ---- autograd.grad -------------------------------------------------------------------------
def test_autograd_grad_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    x.grad = ember.tensor([7.0, 7.0])
    gx, gw = autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
    assert x.grad.tolist() == [7.0, 7.0] and w.grad is None
    assert not gx.requires_grad


def test_autograd_grad_arguments():
    x = leaf([1.0, 2.0])
    y = x * x
    (g,) = autograd.grad(y, x, grad_outputs=ember.tensor([1.0, 10.0]), retain_graph=True)
    np.testing.assert_array_equal(g.numpy(), [2.0, 40.0])
    h = y * 3  # an intermediate as the input: the gradient stops there
    (gy,) = autograd.grad(h.sum(), y, retain_graph=True)
    np.testing.assert_array_equal(gy.numpy(), [3.0, 3.0])
    (gs,) = autograd.grad([y.sum(), x.sum()], x)  # several outputs sum their gradients
    np.testing.assert_array_equal(gs.numpy(), [3.0, 5.0])
    with pytest.raises(RuntimeError, match="second time"):
        autograd.grad(y.sum(), x)


def test_autograd_grad_unused_input():
    x, unused = leaf([1.0]), leaf([1.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad((x * 2).sum(), [x, unused], retain_graph=True)
    gx, gu = autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_create_graph_records_the_backward_pass():
    x = leaf([1.0, 2.0])
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    first, = autograd.grad((x * x * x).sum(), x, create_graph=True)
    second, = autograd.grad(first.sum(), x)
    np.testing.assert_allclose(second.numpy(), [6.0, 12.0])


# ---- custom Functions -----------------------------------------------------------------------
class ScaledAdd(autograd.Function):
    """a + 2 b, whose backward hands back broadcast gradients for the engine to reduce."""

    def forward(ctx, a, b):
        ctx.shape = np.broadcast_shapes(a.shape, b.shape)
        return a + 2 * b

    def backward(ctx, g):
        ctx.seen = ctx.needs_input_grad
        return g, 2 * np.broadcast_to(g, ctx.shape)


def test_custom_function_and_engine_unbroadcast():
    a, b = leaf(np.ones((2, 3))), ember.ones(3)
    out = ScaledAdd.apply(a, b)
    assert out.requires_grad and isinstance(out.grad_fn, ScaledAdd)
    node = out.grad_fn
    out.backward(ember.ones(2, 3), retain_graph=True)
    assert node.seen == (True, False) and b.grad is None
    b.requires_grad_()
    ScaledAdd.apply(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 4.0, 4.0])
    assert b.grad.shape == (3,)


class WrongSquare(autograd.Function):
    def forward(ctx, a):
        ctx.a = a
        return a * a

    def backward(ctx, g):
        return g * ctx.a  # should be 2 * a


def test_gradcheck_catches_a_wrong_backward():
    x = leaf(np.array([0.5, -1.5, 2.0]), dtype=ember.float64)
    assert autograd.gradcheck(lambda t: t * t, [x])
    assert not autograd.gradcheck(WrongSquare.apply, [x], raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        autograd.gradcheck(WrongSquare.apply, [x])
    with pytest.raises(ValueError, match="float64"):
        autograd.gradcheck(lambda t: t * t, [leaf([1.0])])


# ---- detect_anomaly --------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_names_first_op_in_forward():
    x = leaf([-1.0, 1.0])
    with autograd.detect_anomaly(), pytest.raises(RuntimeError, match=r"Log\w*.*NaN.*forward"):
        (ember.log(x) * 2).exp()
    assert np.isnan(ember.log(x).detach().numpy()[0])  # silent outside the context


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_names_first_op_in_backward():
    x = leaf([0.0, 4.0])
    with autograd.detect_anomaly():
        y = (ember.sqrt(x) * 3).sum()  # finite forward; sqrt's gradient at 0 is Inf
        with pytest.raises(RuntimeError, match=r"Sqrt\w*.*Inf.*backward"):
            y.backward()
    z = ember.sqrt(leaf([0.0])).sum()
    z.backward()  # no anomaly mode: no error


# ---- non-differentiable results -------------------------------------------------------------
def test_comparisons_and_tests_carry_no_graph():
    x = leaf([1.0, float("nan"), 3.0])
    for out in (x == 1, x != 1, x < 2, x <= 2, x > 2, x >= 2, ember.isnan(x), ember.isfinite(x),
                x.argmax(), x.argmin(), (x > 0).all(), (x > 0).any()):
        assert not out.requires_grad and out.grad_fn is None
        assert out.dtype in (ember.bool, ember.int64)


def test_leaf_gradient_never_aliases_a_pending_gradient():
    # x takes the Add's gradient while y's node still holds it; x's later accumulation in the
    # same pass must not leak into y's gradient.
    x = ember.ones(3, requires_grad=True)
    w = ember.ones(3, requires_grad=True)
    y = w * 1.0
    s = (x + y) * 2.0
    loss = s.sum() + (x * 5.0).sum()
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_function_returning_one_array_for_two_inputs_gives_each_leaf_its_own():
    class Both(ember.autograd.Function):
        def forward(ctx, a, b):
            return a + b

        def backward(ctx, g):
            fresh = g * 1.0
            return fresh, fresh

    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    Both.apply(a, b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_inf_and_nan_arithmetic_is_silent_as_in_pytorch():
    # A fresh interpreter: pytest's own warning capture would override ember's filter.
    code = ("import ember, numpy as np\n"
            "x = ember.tensor([0.0, 1.0], requires_grad=True)\n"
            "y = (1 / x).sum() + x.log().sum()\n"
            "y.backward()\n"
            "assert np.isnan(y.item()) and np.isnan(x.grad.numpy()[0])\n"
            "np.log(np.zeros(1))  # NumPy's own calls still warn\n")
    result = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code],
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    # Only the last line, NumPy's own call, turned into an error.
    assert 'File "<string>", line 6' in result.stderr, result.stderr
    assert "RuntimeWarning: divide by zero encountered in log" in result.stderr


# ---- names: grad_fn and errors use PyTorch's --------------------------------------------
NODE_NAMES = [
    lambda m, x: x * 2, lambda m, x: x + x, lambda m, x: x - 1, lambda m, x: x / 2,
    lambda m, x: x**2, lambda m, x: -x, lambda m, x: x.exp(), lambda m, x: x.log(),
    lambda m, x: x.sqrt(), lambda m, x: x.sin(), lambda m, x: x.tanh(), lambda m, x: x.sigmoid(),
    lambda m, x: x.relu(), lambda m, x: x.abs(), lambda m, x: x.sum(), lambda m, x: x.mean(),
    lambda m, x: x.max(1).values, lambda m, x: x.amax(0), lambda m, x: x.logsumexp(1),
    lambda m, x: x.softmax(1), lambda m, x: x.log_softmax(1), lambda m, x: x.view(6),
    lambda m, x: x.permute(1, 0), lambda m, x: x.expand(2, 2, 3), lambda m, x: m.cat([x, x]),
    lambda m, x: m.stack([x, x]), lambda m, x: x[[0, 1]], lambda m, x: x.clamp(0, 1),
    lambda m, x: x.flip(0), lambda m, x: x.sign(), lambda m, x: x.floor(), lambda m, x: x.double(),
    lambda m, x: m.maximum(x, x * 2), lambda m, x: m.where(x > 0, x, x * 2),
    lambda m, x: x @ x.t(), lambda m, x: m.nn.functional.linear(x, x, x[0, :2]),
    lambda m, x: m.nn.functional.embedding(m.tensor([1, 0]), x),
]


@pytest.mark.parametrize("fn", NODE_NAMES)
def test_grad_fn_names_are_torch_names(torch, fn):
    ours = fn(ember, ember.ones(2, 3, requires_grad=True))
    theirs = fn(torch, torch.ones(2, 3, requires_grad=True))
    assert ours.grad_fn.name() == type(theirs.grad_fn).__name__
    assert repr(ours.grad_fn) == f"<{type(theirs.grad_fn).__name__}>"


def test_errors_of_primitives_name_a_public_op():
    """An op's error names the function a user called (cross_entropy, not CrossEntropy)."""
    import inspect

    import ember.nn.functional as F
    from ember.autograd import Function

    public = set(dir(ember)) | set(dir(F)) | set(dir(ember.Tensor)) | set(dir(ember.linalg))
    for module in vars(ember.ops).values():
        if not inspect.ismodule(module):
            continue
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, Function) and cls is not Function and \
                    cls.__module__ == module.__name__ and not cls.__name__.startswith("_"):
                name = cls.op_name or cls.__name__.lower()
                assert name in public, f"{cls.__name__}'s errors would say {name!r}"
