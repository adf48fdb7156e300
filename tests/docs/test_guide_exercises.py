"""The guide's exercises: each chapter's solutions (docs/guide/exercises/chN.py) are checked."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import nn
from ember.autograd import gradcheck, gradgradcheck
from ember.models import CNN

EXERCISES = Path(__file__).resolve().parents[2] / "docs" / "guide" / "exercises"


def solutions(chapter: int):
    path = EXERCISES / f"ch{chapter}.py"
    spec = importlib.util.spec_from_file_location(f"guide_ch{chapter}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ch1_strides_and_views():
    ch1 = solutions(1)
    x = ember.arange(24.0).reshape(2, 3, 4)
    for t in (x, x.permute(2, 0, 1), x[:, 1], x[..., ::2], x[0].t(),
              ember.ones(3, 1).expand(3, 5)):
        assert ch1.strides_in_elements(t) == t.stride()
    assert ch1.is_view_of(x[:, 1], x) and ch1.is_view_of(x.permute(2, 0, 1), x[0])
    assert not ch1.is_view_of(x.clone(), x)


def test_ch2_primitives_pass_gradcheck():
    ch2 = solutions(2)
    x = ember.randn(5, dtype=ember.float64, requires_grad=True)
    assert gradcheck(ch2.Sinh.apply, (x,)) and gradgradcheck(ch2.Sinh.apply, (x,))
    np.testing.assert_allclose(ch2.Sinh.apply(x).detach().numpy(), np.sinh(x.detach().numpy()))
    a = ember.rand(3, 1, dtype=ember.float64, requires_grad=True) + 0.5
    b = ember.rand(4, dtype=ember.float64, requires_grad=True) + 0.5
    a, b = a.detach().requires_grad_(), b.detach().requires_grad_()
    assert gradcheck(ch2.Hypot.apply, (a, b)) and gradgradcheck(ch2.Hypot.apply, (a, b))
    assert ch2.Hypot.apply(a, b).shape == (3, 4)


def test_ch3_graph_walk_penalty_and_versions():
    ch3 = solutions(3)
    x = ember.ones(3, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0
    assert ch3.count_nodes(y) == 10_000
    shared = x.exp()
    assert ch3.count_nodes(shared * shared + shared) == 3  # exp, mul, add: each once

    def f(t):
        return (t ** 3).sum()

    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    penalty = ch3.grad_norm_penalty(f, x)
    np.testing.assert_allclose(penalty.item(), (9 * x.detach().numpy() ** 4).sum())
    assert gradcheck(lambda t: ch3.grad_norm_penalty(f, t), (x,))
    assert ch3.exp_then_add_raises() is True


def test_ch4_modules():
    ch4 = solutions(4)
    block = ch4.Residual(nn.Linear(3, 3))
    assert sorted(block.state_dict()) == ["inner.bias", "inner.weight"]
    x = ember.randn(2, 3)
    np.testing.assert_allclose(block(x).detach().numpy(),
                               (x + block.inner(x)).detach().numpy())

    cnn = CNN()
    total = sum(p.numel() for p in cnn.parameters())
    assert ch4.count_parameters(cnn) == total
    cnn.features.requires_grad_(False)
    assert ch4.count_parameters(cnn) == total - sum(p.numel() for p in cnn.features.parameters())

    mine, reference = ch4.MyLinear(5, 3), nn.Linear(5, 3)
    assert float(mine.weight.abs().max()) <= 1 / 5 ** 0.5
    reference.load_state_dict(mine.state_dict())
    x = ember.randn(4, 5)
    mine(x).square().sum().backward()
    reference(x).square().sum().backward()
    for a, b in ((mine.weight, reference.weight), (mine.bias, reference.bias)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_ch5_sgd_by_hand_and_accuracy():
    ch5 = solutions(5)
    mine, reference = nn.Linear(3, 2), nn.Linear(3, 2)
    reference.load_state_dict(mine.state_dict())
    optimizer = ember.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    velocities = [None, None]
    x, y = ember.randn(8, 3), ember.randint(0, 2, (8,))
    for _ in range(3):
        for model in (mine, reference):
            model.zero_grad()
            ember.nn.functional.cross_entropy(model(x), y).backward()
        ch5.sgd_momentum_step(list(mine.parameters()), velocities, lr=0.1, momentum=0.9)
        optimizer.step()
    for a, b in zip(mine.parameters(), reference.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)

    data = ember.utils.data.TensorDataset(ember.eye(4), ember.arange(4))
    always_zero = nn.Linear(4, 4)
    with ember.no_grad():
        always_zero.weight.zero_()
        always_zero.bias.copy_(ember.tensor([1.0, 0.0, 0.0, 0.0]))
    loader = ember.utils.data.DataLoader(data, batch_size=3)
    assert ch5.accuracy(always_zero, loader) == 0.25 and always_zero.training


def test_ch6_unfused_linear_and_timing():
    ch3, ch6 = solutions(3), solutions(6)
    x = ember.randn(4, 3)
    w1 = ember.randn(2, 3, requires_grad=True)
    b1 = ember.randn(2, requires_grad=True)
    w2, b2 = w1.detach().clone().requires_grad_(), b1.detach().clone().requires_grad_()
    unfused, fused = ch6.linear_unfused(x, w1, b1), ember.nn.functional.linear(x, w2, b2)
    np.testing.assert_allclose(unfused.detach().numpy(), fused.detach().numpy(), rtol=1e-6)
    assert (ch3.count_nodes(unfused), ch3.count_nodes(fused)) == (3, 1)
    unfused.sum().backward()
    fused.sum().backward()
    np.testing.assert_allclose(w1.grad.numpy(), w2.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b1.grad.numpy(), b2.grad.numpy(), rtol=1e-6)

    calls = []
    best = ch6.best_time(lambda: calls.append(time.sleep(0.001)), repeats=3)
    assert len(calls) == 3 and 0.001 <= best < 0.5


def test_ch7_data_parallel_by_hand_and_gradient_order():
    ch7 = solutions(7)
    whole, a, b = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)
    a.load_state_dict(whole.state_dict())
    b.load_state_dict(whole.state_dict())
    x, y = ember.randn(8, 3), ember.randint(0, 2, (8,))
    F = ember.nn.functional
    F.cross_entropy(whole(x), y).backward()
    F.cross_entropy(a(x[:4]), y[:4]).backward()
    F.cross_entropy(b(x[4:]), y[4:]).backward()
    ch7.average_gradients([a, b])
    for replica in (a, b):
        for p, q in zip(replica.parameters(), whole.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)

    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    names = [name for name, _ in mlp.named_parameters()]
    order = ch7.gradient_order(mlp, ember.randn(3, 4))
    assert order == [n for i in (4, 2, 0) for n in (f"{i}.weight", f"{i}.bias")]
    assert sorted(order) == sorted(names)
    mlp(ember.randn(3, 4)).sum().backward()  # the hooks are gone: nothing is appended
    assert len(order) == len(names)


@pytest.mark.parametrize("chapter", range(1, 8))
def test_every_chapter_has_checked_exercises(chapter):
    """Each chapter ends with exercises whose solutions exist and are tested above."""
    page = next((EXERCISES.parent).glob(f"0{chapter}-*.md")).read_text()
    assert "## Exercises" in page and f'"docs/guide/exercises/ch{chapter}.py"' in page
    assert f"def test_ch{chapter}_" in Path(__file__).read_text()
