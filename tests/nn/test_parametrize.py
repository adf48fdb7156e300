"""Parametrizations against PyTorch's: register_parametrization (class, property, originals,
right_inverse, stacking, caching, removal, errors), weight_norm and spectral_norm (state_dict
keys, values and gradients with weights copied from PyTorch, train and eval mode, old
weight_norm checkpoints), ParameterList and ParameterDict."""

from __future__ import annotations

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember


def _parametrizations(m):
    class Symmetric(m.nn.Module):
        def forward(self, x):
            return (x + x.T) / 2

        def right_inverse(self, x):
            return x

    class Double(m.nn.Module):
        def forward(self, x):
            return x * 2

        def right_inverse(self, x):
            return x / 2

    class Split(m.nn.Module):
        """weight = a + b, from two originals."""

        def forward(self, a, b):
            return a + b

        def right_inverse(self, x):
            return x * 0.25, x * 0.75

    return Symmetric, Double, Split


def _copy_from(ours, theirs) -> None:
    ours.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def _shapes(module) -> dict:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _run_register(m):
    P = m.nn.utils.parametrize
    Symmetric, Double, Split = _parametrizations(m)
    rng = np.random.default_rng(0)
    layer = m.nn.Linear(3, 3).double()
    with m.no_grad():
        layer.weight.copy_(m.tensor(rng.standard_normal((3, 3))))
        layer.bias.copy_(m.tensor(rng.standard_normal(3)))
    record = [P.is_parametrized(layer)]
    P.register_parametrization(layer, "weight", Symmetric())
    P.register_parametrization(layer, "weight", Double())
    P.register_parametrization(layer, "bias", Split())
    record += [type(layer).__name__, P.type_before_parametrizations(layer).__name__,
               P.is_parametrized(layer), P.is_parametrized(layer, "weight"), repr(layer),
               _shapes(layer), [n for n, _ in layer.named_parameters()]]
    x = m.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    out = layer(x)
    out.backward(m.tensor(rng.standard_normal((2, 3))))
    grads = [p.grad.numpy().copy() for p in layer.parameters()]
    record += [out.detach().numpy(), x.grad.numpy(), grads]
    with P.cached():
        record.append(layer.weight is layer.weight)
    record.append(layer.weight is layer.weight)
    layer.weight = m.tensor(np.arange(9.0).reshape(3, 3))  # through both right_inverses
    layer.bias = m.tensor([4.0, 8.0, 12.0], dtype=m.float64)
    record += [layer.parametrizations.weight.original.detach().numpy(),
               layer.parametrizations.bias.original0.detach().numpy(),
               layer.weight.detach().numpy()]
    P.remove_parametrizations(layer, "weight", leave_parametrized=False)
    record += [type(layer).__name__, _shapes(layer), layer.weight.detach().numpy()]
    P.remove_parametrizations(layer, "bias")
    record += [type(layer).__name__, _shapes(layer), layer.bias.detach().numpy(),
               type(layer.bias).__name__, hasattr(layer, "parametrizations")]
    return record


def test_register_parametrization_matches_torch(torch):
    ours, theirs = _run_register(ember), _run_register(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(b, str):
            assert a == b.replace("torch", "ember")
        elif isinstance(b, list) and b and isinstance(b[0], np.ndarray):
            for x, y in zip(a, b, strict=True):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
        elif isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        else:
            assert a == b


ERRORS = [
    ("no_such_tensor", lambda m, P, S, D: P.register_parametrization(m.nn.Linear(2, 2), "w",
                                                                     D())),
    ("shape_change", lambda m, P, S, D: P.register_parametrization(
        m.nn.Linear(2, 3), "weight", S())),
    ("unsafe_shape_change", lambda m, P, S, D: P.register_parametrization(
        m.nn.Linear(2, 3), "weight", S(), unsafe=True)),
    ("no_right_inverse", lambda m, P, S, D: setattr(P.register_parametrization(
        m.nn.Linear(2, 2), "weight", _no_inverse(m)()), "weight", m.ones(2, 2))),
    ("remove_unparametrized", lambda m, P, S, D: P.remove_parametrizations(m.nn.Linear(2, 2),
                                                                          "weight")),
    ("parameter_assignment", lambda m, P, S, D: setattr(P.register_parametrization(
        m.nn.Linear(2, 2), "weight", D()), "weight", m.nn.Parameter(m.ones(2, 2)))),
]


def _no_inverse(m):
    class NoInverse(m.nn.Module):
        def forward(self, x):
            return x + 1

    return NoInverse


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_parametrize_errors_match_torch(torch, name, fn):
    def run(m):
        Symmetric, Double, _ = _parametrizations(m)
        return fn(m, m.nn.utils.parametrize, Symmetric, Double)

    same_kind(outcome(lambda: run(ember)), outcome(lambda: run(torch)), name)


def _linear_or_conv(m, kind: str):
    if kind == "linear":
        return m.nn.Linear(4, 3)
    if kind == "conv":
        return m.nn.Conv2d(2, 3, 3)
    return m.nn.Conv2d(2, 3, 3, bias=False)


def _input(kind: str, rng):
    return rng.standard_normal((2, 4) if kind == "linear" else (2, 2, 5, 5))


def _compare_forward_backward(ours, theirs, x, tol):
    xe = ember.tensor(x, requires_grad=True)
    xt = __import__("torch").tensor(x, requires_grad=True)
    oe, ot = ours(xe), theirs(xt)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), **tol)
    upstream = np.random.default_rng(3).standard_normal(tuple(ot.shape)).astype(x.dtype)
    oe.backward(ember.tensor(upstream))
    ot.backward(__import__("torch").from_numpy(upstream))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), **tol)
    for (n, p), (n2, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert n == n2
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=n, **tol)


TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("kind,dim", [("linear", 0), ("linear", 1), ("linear", None),
                                      ("conv", 0), ("conv_nobias", 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_norm_matches_torch(torch, kind, dim, dtype):
    theirs = _linear_or_conv(torch, kind).to(getattr(torch, np.dtype(dtype).name))
    ours = _linear_or_conv(ember, kind).to(getattr(ember, np.dtype(dtype).name))
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    ember.nn.utils.parametrizations.weight_norm(ours, dim=dim)
    assert repr(ours) == repr(theirs)
    assert _shapes(ours) == _shapes(theirs)
    _copy_from(ours, theirs)
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        for p in (*ours.parameters(), *theirs.parameters()):
            p.grad = None
        x = _input(kind, np.random.default_rng(1)).astype(dtype)
        _compare_forward_backward(ours, theirs, x, TOL[dtype])


def test_weight_norm_loads_old_checkpoints_and_round_trips(torch):
    old = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))  # the deprecated weight_g, weight_v
    ours = ember.nn.utils.parametrizations.weight_norm(ember.nn.Linear(4, 3))
    state = {k: ember.tensor(v.detach().numpy()) for k, v in old.state_dict().items()}
    assert {"weight_g", "weight_v"} <= set(state)
    ours.load_state_dict(state)
    x = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(),
                               old(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    back = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
    back.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in
                          ours.state_dict().items()})
    ember.nn.utils.parametrize.remove_parametrizations(ours, "weight")
    np.testing.assert_allclose(ours.weight.detach().numpy(), old.weight.detach().numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("kind,dim,iterations", [("linear", None, 1), ("conv", None, 3),
                                                 ("conv", 1, 1), ("linear", 1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spectral_norm_matches_torch(torch, kind, dim, iterations, dtype):
    theirs = _linear_or_conv(torch, kind).to(getattr(torch, np.dtype(dtype).name))
    ours = _linear_or_conv(ember, kind).to(getattr(ember, np.dtype(dtype).name))
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=iterations, dim=dim)
    ember.nn.utils.parametrizations.spectral_norm(ours, n_power_iterations=iterations, dim=dim)
    assert repr(ours) == repr(theirs)
    assert _shapes(ours) == _shapes(theirs)
    # the power iteration starts from torch's random vectors
    _copy_from(ours, theirs)
    x = _input(kind, np.random.default_rng(1)).astype(dtype)
    for mode in ("train", "train", "eval"):  # training steps the power iteration; eval not
        getattr(ours, mode)()
        getattr(theirs, mode)()
        for p in (*ours.parameters(), *theirs.parameters()):
            p.grad = None
        _compare_forward_backward(ours, theirs, x, TOL[dtype])
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(),
                                       err_msg=key, **TOL[dtype])


def test_spectral_norm_of_a_vector_and_errors_match_torch(torch):
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(3, 2), "bias")
    ours = ember.nn.utils.parametrizations.spectral_norm(ember.nn.Linear(3, 2), "bias")
    assert _shapes(ours) == _shapes(theirs)
    _copy_from(ours, theirs)
    _compare_forward_backward(ours, theirs, np.ones((2, 3), np.float32), TOL[np.float32])
    for fn in (lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(2, 2), "w"),
               lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(2, 2), dim=2),
               lambda m: m.nn.utils.parametrizations.spectral_norm(
                   m.nn.Linear(2, 2), n_power_iterations=0)):
        same_kind(outcome(lambda fn=fn: fn(ember)), outcome(lambda fn=fn: fn(torch)))


# ---- ParameterList and ParameterDict -------------------------------------------------------
def _run_containers(m):
    rng = np.random.default_rng(4)
    plist = m.nn.ParameterList([m.nn.Parameter(m.tensor(rng.standard_normal(3))),
                                m.tensor(rng.standard_normal((2, 2))), "not a tensor"])
    plist.append(m.ones(1))
    plist.extend([m.zeros(2)])
    plist[0] = m.tensor(rng.standard_normal(3))
    sliced = plist[1:3]
    pdict = m.nn.ParameterDict({"b": m.ones(2), "a": m.nn.Parameter(m.zeros(3)), "n": 5})
    pdict["c"] = m.tensor([1.0, 2.0])
    pdict.update([("d", m.ones(1)), ("a", m.ones(3))])
    popped = pdict.pop("b")
    key, _ = pdict.popitem()
    pdict.setdefault("e", m.zeros(1))
    merged = pdict | m.nn.ParameterDict({"z": m.ones(1)})
    owner = m.nn.Module()
    owner.plist, owner.pdict = plist, pdict
    return [repr(plist), repr(pdict), len(plist), [type(p).__name__ for p in plist],
            repr(sliced), list(pdict.keys()), "n" in pdict, pdict.get("missing", 7),
            type(popped).__name__, key, list(merged), _shapes(owner),
            [n for n, _ in owner.named_parameters()], list(reversed(pdict)),
            [type(v).__name__ for v in pdict.values()], outcome(lambda: plist[9])[0],
            outcome(lambda: plist.extend(m.ones(2)))[0], outcome(lambda: pdict[3])[0],
            outcome(lambda: plist(1))[0]]


def test_parameter_containers_match_torch(torch):
    ours, theirs = _run_containers(ember), _run_containers(torch)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(b, str):
            assert a == b.replace("torch", "ember")
        elif isinstance(b, type):
            assert issubclass(a, b)
        else:
            assert a == b


def test_parameter_list_trains_with_an_optimizer():
    weights = ember.nn.ParameterList([ember.ones(2), ember.ones(2)])
    optimizer = ember.optim.SGD(weights.parameters(), lr=0.5)
    (weights[0] * weights[1]).sum().backward()
    optimizer.step()
    assert weights[0].tolist() == [0.5, 0.5] and len(list(weights.parameters())) == 2
