"""Higher-order gradients in the programs that need them, against PyTorch: a WGAN-GP gradient
penalty, the Hessian of an MLP's loss, a MAML-style inner step, and autograd.functional."""

from __future__ import annotations

import numpy as np
import pytest

import ember


def mlp(m, sizes=(5, 8, 1)):
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [m.nn.Linear(n_in, n_out), m.nn.Tanh()]
    return m.nn.Sequential(*layers[:-1]).double()


def copy_weights(ours, theirs) -> None:
    ours.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})


def critic_cnn(m):
    nn = m.nn
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.LeakyReLU(0.2), nn.MaxPool2d(2),
                         nn.Conv2d(3, 4, 3), nn.LeakyReLU(0.2), nn.Flatten(),
                         nn.Linear(4, 1)).double()


def gradient_penalty(m, critic, real, fake, alpha):
    """WGAN-GP: (||d critic(x_hat) / d x_hat|| - 1)^2 on points between real and fake."""
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(x_hat)
    grads, = m.autograd.grad(scores, x_hat, m.ones_like(scores), create_graph=True)
    return ((grads.reshape(grads.shape[0], -1).norm(2, dim=1) - 1) ** 2).mean()


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_wgan_gp_penalty_gradients_match_torch(torch, kind):
    rng = np.random.default_rng(0)
    shape = (6, 5) if kind == "mlp" else (4, 1, 6, 6)
    real, fake = rng.standard_normal(shape), rng.standard_normal(shape)
    alpha = rng.random((shape[0],) + (1,) * (len(shape) - 1))
    build = mlp if kind == "mlp" else critic_cnn
    theirs = build(torch)
    ours = build(ember)
    copy_weights(ours, theirs)
    results = []
    for m, critic in ((ember, ours), (torch, theirs)):
        gp = gradient_penalty(m, critic, m.tensor(real), m.tensor(fake), m.tensor(alpha))
        loss = critic(m.tensor(fake)).mean() - critic(m.tensor(real)).mean() + 10 * gp
        loss.backward()
        results.append((gp.item(), [p.grad.numpy() for p in critic.parameters()]))
    (gp_e, grads_e), (gp_t, grads_t) = results
    assert gp_e == pytest.approx(gp_t, rel=1e-10)
    for a, b in zip(grads_e, grads_t):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_hessian_of_an_mlp_loss_matches_torch(torch):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 1))
    theirs = mlp(torch, (3, 4, 1))
    w1, b1, w2, b2 = [p.detach().numpy() for p in theirs.parameters()]
    results = []
    for m in (ember, torch):
        def loss(weight, m=m):
            hidden = m.tanh(m.tensor(x) @ weight.reshape(4, 3).T + m.tensor(b1))
            out = hidden @ m.tensor(w2).T + m.tensor(b2)
            return ((out - m.tensor(y)) ** 2).mean()

        h = m.autograd.functional.hessian(loss, m.tensor(w1.reshape(-1)))
        results.append(h.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0], results[0].T, rtol=1e-10, atol=1e-12)


def test_maml_inner_step_matches_torch(torch):
    """One inner SGD step on a support set with create_graph=True, the query loss of the adapted
    weights, and its gradient with respect to the initial weights (second order)."""
    rng = np.random.default_rng(2)
    support = rng.standard_normal((5, 5)), rng.standard_normal((5, 1))
    query = rng.standard_normal((5, 5)), rng.standard_normal((5, 1))
    theirs = mlp(torch)
    ours = mlp(ember)
    copy_weights(ours, theirs)
    results = []
    for m, model in ((ember, ours), (torch, theirs)):
        params = list(model.parameters())

        def forward(x, weights, m=m):
            h = m.tanh(m.nn.functional.linear(x, weights[0], weights[1]))
            return m.nn.functional.linear(h, weights[2], weights[3])

        inner = ((forward(m.tensor(support[0]), params) - m.tensor(support[1])) ** 2).mean()
        grads = m.autograd.grad(inner, params, create_graph=True)
        adapted = [p - 0.4 * g for p, g in zip(params, grads)]
        outer = ((forward(m.tensor(query[0]), adapted) - m.tensor(query[1])) ** 2).mean()
        outer.backward()
        results.append((outer.item(), [p.grad.numpy() for p in params]))
    (loss_e, grads_e), (loss_t, grads_t) = results
    assert loss_e == pytest.approx(loss_t, rel=1e-12)
    for a, b in zip(grads_e, grads_t):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def cubic(x, y):
    return (x**3 * y.sum() + (x * y[:3]).sin(),)


def scalar(x, y):
    return (x.exp() * y[:3]).sum() + (y**2).sum() * y[0]


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_functional_matches_torch(torch, name, create_graph):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(3), rng.standard_normal(4)
    v_out, vx, vy = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(4)
    results = []
    for m in (ember, torch):
        F = m.autograd.functional
        xs = (m.tensor(x, requires_grad=True), m.tensor(y, requires_grad=True))
        if name == "jacobian":
            out = F.jacobian(cubic, xs, create_graph=create_graph)
        elif name == "hessian":
            out = F.hessian(scalar, xs, create_graph=create_graph)
        elif name == "vjp":
            out = F.vjp(cubic, xs, (m.tensor(v_out),), create_graph=create_graph)
        elif name == "jvp":
            out = F.jvp(cubic, xs, (m.tensor(vx), m.tensor(vy)), create_graph=create_graph)
        else:
            out = getattr(F, name)(scalar, xs, (m.tensor(vx), m.tensor(vy)),
                                   create_graph=create_graph)
        results.append(_flatten(out))
    ours, theirs = results
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


def _flatten(x) -> list:
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flatten(item)]
    return [x]
