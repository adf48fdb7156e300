"""Module: registration, traversal order and names, modes, dtype moves, hooks, copies, repr."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn


def _build_net(lib):
    """The same custom model in ember or torch: names, nesting, a buffer and a shared layer."""

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(4, 8)
            self.act = lib.nn.ReLU()
            self.block = lib.nn.Sequential(lib.nn.Linear(8, 8), lib.nn.GELU(), lib.nn.Dropout(0.1))
            self.fc2 = lib.nn.Linear(8, 3, bias=False)
            self.scale = lib.nn.Parameter(lib.ones(3))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc2(self.block(self.act(self.fc1(x)))) * self.scale

    return Net()


def test_names_and_order_match_torch(torch):
    ours, theirs = _build_net(ember), _build_net(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == [
        tuple(p.shape) for p in theirs.parameters()]


def test_repr_matches_torch_exactly(torch):
    assert repr(_build_net(ember)) == repr(_build_net(torch))
    ours = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                 torch.nn.Linear(128, 10))
    assert repr(ours) == repr(theirs)


def test_forward_matches_torch_in_train_and_eval(parity):
    ours, theirs = _build_net(ember), _build_net(parity.torch)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    parity.check_module(ours, theirs, x)
    # train mode with dropout: its mask is random, so compare with p=0 instead
    ours.block[2].p = theirs.block[2].p = 0.0
    ours.train(), theirs.train()
    for m in (ours, theirs):
        m.zero_grad()
    parity.check_module(ours, theirs, x)


def test_assignment_registers_and_deletion_unregisters():
    m = nn.Module()
    m.w = nn.Parameter(ember.zeros(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", ember.ones(1))
    m.plain = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["buf"] and m.plain == 3
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    m.w = None  # a registered parameter may be cleared, but stays registered
    assert m.w is None and "w" in m._parameters and len(list(m.parameters())) == 2
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'sub'"):
        m.sub  # noqa: B018
    m.buf = ember.zeros(3)  # buffers take new tensors
    assert m.buf.shape == (3,) and m._buffers["buf"] is m.buf
    m.sub = nn.Parameter(ember.ones(1))  # a name can change kind
    assert "sub" in m._parameters and m.sub.shape == (1,)


def test_entries_put_in_registries_directly_are_reachable():
    m = nn.Module()
    m._parameters["direct"] = nn.Parameter(ember.ones(1))
    assert m.direct is m._parameters["direct"]


@pytest.mark.parametrize("action,error,match", [
    (lambda m: setattr(m, "weight", ember.zeros(2)), TypeError,
     "cannot assign 'Tensor' as parameter 'weight'"),
    (lambda m: m.register_parameter("x", ember.zeros(2)), TypeError,
     "cannot assign 'Tensor' object to parameter 'x'"),
    (lambda m: m.register_buffer("a.b", ember.zeros(2)), KeyError, 'contain "."'),
    (lambda m: m.register_buffer("in_features", ember.zeros(2)), KeyError,
     "attribute 'in_features' already exists"),
    (lambda m: m.register_buffer("buf", [1, 2]), TypeError, "cannot assign 'list' object"),
    (lambda m: m.add_module("sub", 3), TypeError, "int is not a Module subclass"),
    (lambda m: m.register_parameter("", None), KeyError, "empty string"),
])
def test_bad_registrations_raise(action, error, match):
    with pytest.raises(error, match=match):
        action(nn.Linear(2, 2))


def test_assignment_before_init_raises():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_shared_parameters_are_listed_once(torch):
    ours, theirs = nn.Sequential(nn.Linear(3, 3)), torch.nn.Sequential(torch.nn.Linear(3, 3))
    ours.append(ours[0])
    theirs.append(theirs[0])
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 2
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)]


def test_train_eval_propagate():
    net = _build_net(ember)
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_requires_grad_and_apply():
    net = _build_net(ember)
    net(ember.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen[-1] == "Net" and seen[0] == "Linear"  # children first, as in PyTorch


def test_get_submodule():
    net = _build_net(ember)
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        net.get_submodule("block.7")


def test_dtype_moves_keep_parameter_identity():
    net = _build_net(ember)
    params = list(net.parameters())
    net(ember.randn(2, 4)).sum().backward()
    assert net.double() is net
    assert all(p.dtype == ember.float64 and p.grad.dtype == ember.float64 for p in net.parameters())
    assert all(a is b for a, b in zip(params, net.parameters()))
    assert net.steps.dtype == ember.float64
    assert net(ember.randn(2, 4, dtype=ember.float64)).dtype == ember.float64
    net.to(ember.float32)
    assert all(p.dtype == ember.float32 for p in net.parameters())
    assert net.to("cpu") is net and net.cpu() is net
    with pytest.raises(TypeError, match="floating point"):
        net.to(ember.int64)
    with pytest.raises(AssertionError, match="CPU only"):  # PyTorch without CUDA: an assertion
        net.to("cuda")


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append("pre"))
    post = lin.register_forward_hook(lambda m, args, out: out * 0)
    assert not lin(ember.ones(1, 2)).detach().numpy().any() and calls == ["pre"]
    pre.remove()
    post.remove()
    assert lin(ember.ones(1, 2)).detach().numpy().any() and calls == ["pre"]


def test_missing_forward_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_deepcopy_and_pickle_give_independent_equal_modules():
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    net[0].weight.grad = ember.ones(8, 4)
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert type(clone[0].weight) is nn.Parameter and clone[0].weight.requires_grad
        assert clone[0].weight is clone[0]._parameters["weight"]
        assert list(clone.state_dict()) == list(net.state_dict())
        for (name, a), (_, b) in zip(net.state_dict().items(), clone.state_dict().items()):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
        clone[0].weight.detach().numpy()[...] = 0
        assert net[0].weight.detach().numpy().any()
        assert clone(ember.randn(2, 4)).shape == (2, 3)
    assert copy.deepcopy(net)[0].weight.grad.numpy().all()


def test_parameter_basics(torch):
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]))).replace("torch", "ember")
    assert not nn.Parameter(ember.zeros(1), requires_grad=False).requires_grad
    data = ember.zeros(3)
    nn.Parameter(data).data[0] = 5  # shares memory with the tensor it wraps, as in PyTorch
    assert data[0].item() == 5
    assert type(p * 2) is ember.Tensor  # results of ops are plain tensors
