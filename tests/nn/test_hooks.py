"""Module hooks and tensor hooks against PyTorch's: which hooks run, in which order, with what
arguments, what their return values change, removal by handle; and the module utilities of
issue 10 section 4 (register_module, get_submodule / get_parameter / get_buffer, named_modules,
zero_grad, clip_grad_norm_ / clip_grad_value_)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember


def _summary(value):
    """What a hook received, comparable across frameworks: arrays for tensors, recursively."""
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_summary(v) for v in value)
    if isinstance(value, dict):
        return {k: _summary(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        return np.round(value.detach().numpy().astype(np.float64), 10)
    return type(value).__name__


def _assert_same_log(ours: list, theirs: list) -> None:
    assert [e[0] for e in ours] == [e[0] for e in theirs]
    for a, b in zip(ours, theirs):
        _assert_same(a, b)


def _assert_same(a, b) -> None:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


def _pair_module(m):
    class Pair(m.nn.Module):
        """Two inputs, a keyword, two outputs: the second input unused by the first output."""

        def forward(self, a, b, scale=1.0):
            return a * 2 * scale, (a * b).sum(-1)

    return Pair()


def _model(m):
    torch_like = m.nn
    model = torch_like.Sequential(torch_like.Linear(3, 4), torch_like.Tanh(),
                                  torch_like.Linear(4, 3))
    rng = np.random.default_rng(0)
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape))))
    return model.double()


def _run_forward_hooks(m):
    log = []
    model, pair = _model(m), _pair_module(m)
    handles = []
    for name, module in list(model.named_modules()) + [("pair", pair)]:
        handles.append(module.register_forward_pre_hook(
            lambda mod, args, name=name: log.append(("pre", name, _summary(args)))))
        handles.append(module.register_forward_hook(
            lambda mod, args, out, name=name: log.append(("fwd", name, _summary(out)))))
    handles.append(model[0].register_forward_pre_hook(
        lambda mod, args: log.append(("pre-first", _summary(args))), prepend=True))
    # replacements: a bare value is wrapped into a tuple; a forward hook's result is the output
    model[1].register_forward_pre_hook(lambda mod, args: args[0] * 0.5)
    model[2].register_forward_hook(lambda mod, args, out: out + 1)
    pair.register_forward_pre_hook(
        lambda mod, args, kwargs: (args, {**kwargs, "scale": 3.0}), with_kwargs=True)
    pair.register_forward_hook(
        lambda mod, args, kwargs, out: log.append(("kw", _summary(kwargs))), with_kwargs=True)
    x = m.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    out = model(x)
    outs = pair(out, x, scale=2.0)
    handles[0].remove()
    with handles[-1]:
        model(x)
    model(x)
    return log, _summary((out, outs))


def test_forward_hooks_match_torch(torch):
    ours, theirs = _run_forward_hooks(ember), _run_forward_hooks(torch)
    _assert_same_log(ours[0], theirs[0])
    _assert_same(ours[1], theirs[1])


def test_forward_pre_hook_with_kwargs_must_return_a_pair(torch):
    for m in (ember, torch):
        layer = m.nn.Linear(2, 2)
        layer.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            layer(m.ones(1, 2))


def _run_always_call(m):
    log = []

    class Failing(m.nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    layer = Failing()
    layer.register_forward_hook(lambda mod, args, out: log.append("plain"))
    layer.register_forward_hook(lambda mod, args, out: log.append(("always", out)),
                                always_call=True)

    def broken(mod, args, out):
        raise KeyError("hook failed")

    layer.register_forward_hook(broken, always_call=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="forward failed"):
            layer(m.ones(2))
    log.append([str(w.message).split(":")[0] for w in caught])
    return log


def test_always_call_hooks_run_when_forward_raises(torch):
    assert _run_always_call(ember) == _run_always_call(torch)


def _run_backward_hooks(m, replace: bool):
    log = []
    model, pair = _model(m), _pair_module(m)
    for name, module in list(model.named_modules()) + [("pair", pair)]:
        module.register_full_backward_pre_hook(
            lambda mod, grad_out, name=name: log.append(("bpre", name, _summary(grad_out))))
        module.register_full_backward_hook(
            lambda mod, grad_in, grad_out, name=name: log.append(
                ("bwd", name, _summary(grad_in), _summary(grad_out))))
    if replace:
        model[0].register_full_backward_hook(
            lambda mod, grad_in, grad_out: tuple(g * 10 for g in grad_in))
        model[2].register_full_backward_pre_hook(
            lambda mod, grad_out: (grad_out[0] * -1,), prepend=True)
        pair.register_full_backward_hook(lambda mod, grad_in, grad_out: (grad_in[0], None))
    x = m.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = m.tensor(np.linspace(0.5, 1.5, 3), requires_grad=True)
    h = model(x)
    h.register_hook(lambda g: log.append(("tensor h", _summary(g))))
    first, second = pair(h, w, scale=0.5)
    first.register_hook(lambda g: log.append(("tensor first", _summary(g))))
    x.register_hook(lambda g: log.append(("tensor x", _summary(g))))
    (first.sum() + (second * m.tensor([1.0, -2.0])).sum()).backward()
    params = [p.grad for p in model.parameters()]
    return log, _summary((x.grad, w.grad, params))


@pytest.mark.parametrize("replace", [False, True])
def test_backward_hooks_match_torch(torch, replace):
    ours, theirs = _run_backward_hooks(ember, replace), _run_backward_hooks(torch, replace)
    _assert_same_log(ours[0], theirs[0])
    _assert_same(ours[1], theirs[1])


def _run_backward_corner_cases(m):
    log = []
    pair = _pair_module(m)
    pair.register_full_backward_hook(
        lambda mod, gi, go: log.append(("bwd", _summary(gi), _summary(go))))
    pair.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _summary(go))))
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = m.tensor([3.0, 4.0])
    first, _ = pair(a, b)  # b does not require grad; the second output is unused
    first.sum().backward()
    linear = m.nn.Linear(2, 1).double()
    handle = linear.register_full_backward_hook(
        lambda mod, gi, go: log.append(("no input grad", _summary(gi), _summary(go))))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        linear(m.tensor([[1.0, 2.0]], dtype=m.float64)).sum().backward()  # no input requires grad
    log.append(("warned", any("no inputs require gradients" in str(w.message)
                              for w in caught)))
    handle.remove()
    linear(m.tensor([[1.0, 2.0]], dtype=m.float64)).sum().backward()  # removed: nothing logged
    with m.no_grad():
        pair(a, b)  # no graph: no hooks
    return log


def test_backward_hook_corner_cases_match_torch(torch):
    _assert_same_log(_run_backward_corner_cases(ember), _run_backward_corner_cases(torch))


def test_backward_hooks_return_counts_are_checked(torch):
    for m in (ember, torch):
        layer = m.nn.Linear(2, 2)
        layer.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but "
                                               "expected 1"):
            layer(m.ones(1, 2, requires_grad=True)).sum().backward()
        layer = m.nn.Linear(2, 2)
        layer.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2"):
            layer(m.ones(1, 2, requires_grad=True)).sum().backward()


def _run_double_backward(m):
    calls = []
    model = _model(m)
    model[1].register_full_backward_hook(lambda mod, gi, go: calls.append(_summary(gi)))
    x = m.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    out = model(x).pow(2).sum()
    grad, = m.autograd.grad(out, x, create_graph=True)
    penalty = (grad ** 2).sum()
    penalty.backward()
    return calls, _summary([p.grad for p in model.parameters()])


def test_backward_hooks_with_create_graph_match_torch(torch):
    ours, theirs = _run_double_backward(ember), _run_double_backward(torch)
    _assert_same(tuple(ours[0]), tuple(theirs[0]))
    _assert_same(ours[1], theirs[1])


def test_backward_hooked_module_may_change_its_input_in_place(torch):
    """torch refuses an in-place op on the input of a module with backward hooks; ember gives
    the module a copy, so the caller's tensor is untouched and the gradient is right."""
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    calls = []
    layer = ember.nn.ReLU(inplace=True)
    layer.register_full_backward_hook(lambda mod, gi, go: calls.append(1))
    xe = ember.tensor(x, requires_grad=True)
    source = xe * 1
    layer(source).sum().backward()
    np.testing.assert_array_equal(source.detach().numpy(), x)
    xt = torch.tensor(x, requires_grad=True)
    torch.relu(xt).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())
    assert calls == [1]


# ---- Tensor.register_hook -----------------------------------------------------------------
def _run_tensor_hooks(m):
    log = []
    x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: log.append(("x first", _summary(g))))
    x.register_hook(lambda g: g * 2)  # replaces what reaches .grad and later hooks
    handle = x.register_hook(lambda g: log.append(("x removed", _summary(g))))
    x.register_hook(lambda g: log.append(("x last", _summary(g))))
    handle.remove()
    y = x * x  # x is used twice: its hooks see the total
    y.retain_grad()
    y.register_hook(lambda g: log.append(("y", _summary(g))))
    y.register_hook(lambda g: g + 1)
    z = y.exp()
    z.register_hook(lambda g: log.append(("z", _summary(g))))
    w = y * 2
    w.mul_(3)  # a hook registered before an in-place op stays with the old value
    (z.sum() + w.sum()).backward()
    log.append(("grads", _summary(x.grad), _summary(y.grad)))
    unused = m.tensor([1.0], requires_grad=True)
    unused.register_hook(lambda g: log.append("never"))
    (x.sum() * 2).backward()
    log.append(("accumulated", _summary(x.grad)))
    return log


def test_tensor_hooks_match_torch(torch):
    _assert_same_log(_run_tensor_hooks(ember), _run_tensor_hooks(torch))


def _run_hooks_with_post_accumulate(m):
    log = []
    p = m.tensor([1.0, 2.0], requires_grad=True)
    p.register_post_accumulate_grad_hook(lambda t: log.append(("post", _summary(t.grad))))
    p.register_hook(lambda g: log.append(("pre", _summary(g))))
    (p * p).sum().backward()
    (p * 3).sum().backward()
    y = p * 2
    y.register_hook(lambda g: log.append(("graph", g.requires_grad)))
    g, = m.autograd.grad(y.pow(2).sum(), p, create_graph=True)
    log.append(("create_graph", g.requires_grad))
    return log


def test_tensor_hooks_with_accumulation_and_create_graph_match_torch(torch):
    _assert_same_log(_run_hooks_with_post_accumulate(ember),
                     _run_hooks_with_post_accumulate(torch))


def test_register_hook_errors_match_torch(torch):
    for fn in (lambda m: m.ones(2).register_hook(lambda g: g),
               lambda m: (m.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(
                   lambda t: None)):
        same_kind(outcome(lambda fn=fn: fn(ember)), outcome(lambda fn=fn: fn(torch)))


# ---- Module utilities ---------------------------------------------------------------------
def _tree(m):
    model = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.BatchNorm1d(3))
    shared = m.nn.Linear(3, 3)
    model.register_module("head", shared)
    model.add_module("tied", shared)
    return model


@pytest.mark.parametrize("target", ["0.weight", "1.running_mean", "1.num_batches_tracked",
                                    "0.nope", "5.weight", "0", "", "head.bias",
                                    "1.weight.x"])
def test_get_parameter_buffer_submodule_match_torch(torch, target):
    ours, theirs = _tree(ember), _tree(torch)
    for method in ("get_parameter", "get_buffer", "get_submodule"):
        a = outcome(lambda method=method: getattr(ours, method)(target))
        b = outcome(lambda method=method: getattr(theirs, method)(target))
        if same_kind(a, b, (method, target)):
            assert type(a[1]).__name__ == type(b[1]).__name__
            if hasattr(b[1], "shape"):
                assert tuple(a[1].shape) == tuple(b[1].shape)


@pytest.mark.parametrize("remove_duplicate", [True, False])
def test_named_modules_match_torch(torch, remove_duplicate):
    ours = [n for n, _ in _tree(ember).named_modules(remove_duplicate=remove_duplicate)]
    theirs = [n for n, _ in _tree(torch).named_modules(remove_duplicate=remove_duplicate)]
    assert ours == theirs
    assert [n for n, _ in _tree(ember).named_parameters()] == [
        n for n, _ in _tree(torch).named_parameters()]
    assert list(_tree(ember).state_dict()) == list(_tree(torch).state_dict())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_torch(torch, set_to_none):
    results = []
    for m in (ember, torch):
        layer = m.nn.Linear(2, 2)
        layer(m.ones(1, 2)).sum().backward()
        grad = layer.weight.grad
        layer.bias.grad = layer.bias.grad * m.ones(2, requires_grad=True)  # a grad with history
        layer.zero_grad(set_to_none=set_to_none)
        results.append([None if p.grad is None else (p.grad.numpy().tolist(),
                                                     p.grad.requires_grad, p.grad is grad)
                        for p in (layer.weight, layer.bias)])
    assert results[0] == results[1]


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 0.5])
def test_clip_grad_matches_torch(torch, foreach, norm_type):
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5).astype(np.float32)]
    results = []
    for m in (ember, torch):
        params = [m.nn.Parameter(m.tensor(np.zeros_like(g))) for g in grads]
        for p, g in zip(params, grads):
            p.grad = m.tensor(g.copy())
        norm = m.nn.utils.clip_grad_norm_(params, 0.7, norm_type, foreach=foreach)
        m.nn.utils.clip_grad_value_(params, 0.1, foreach=foreach)
        results.append((norm.item(), [p.grad.numpy() for p in params]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        assert a.dtype == b.dtype


def test_clip_grad_norm_error_if_nonfinite_matches_torch(torch):
    for m in (ember, torch):
        p = m.nn.Parameter(m.zeros(2))
        p.grad = m.tensor([float("nan"), 1.0])
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            m.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        assert np.isnan(m.nn.utils.clip_grad_norm_([p], 1.0).item())
