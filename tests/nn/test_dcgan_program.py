"""A program in the style of pytorch/examples' `dcgan`: a generator of ConvTranspose2d +
BatchNorm2d + ReLU layers and a convolutional discriminator, trained adversarially with BCELoss
and Adam on real MNIST digits padded to 32x32. Written once against PyTorch's API and run in
ember and in torch from the same weights, noise and batches: the losses of every step match."""

from __future__ import annotations

import numpy as np
import pytest

import ember

LATENT, WIDTH, BATCH, STEPS = 16, 8, 16, 200


def build(m):
    nn = m.nn
    generator = nn.Sequential(
        nn.ConvTranspose2d(LATENT, WIDTH * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(WIDTH * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(WIDTH * 4, WIDTH * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(WIDTH * 2), nn.ReLU(True),
        nn.ConvTranspose2d(WIDTH * 2, WIDTH, 4, 2, 1, bias=False), nn.BatchNorm2d(WIDTH),
        nn.ReLU(True),
        nn.ConvTranspose2d(WIDTH, 1, 4, 2, 1, bias=False), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, WIDTH, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(WIDTH, WIDTH * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(WIDTH * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(WIDTH * 2, WIDTH * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(WIDTH * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(WIDTH * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid())
    return generator.double(), discriminator.double()


def dcgan_weights(model, rng) -> dict[str, np.ndarray]:
    """The example's weights_init: N(0, 0.02) for convolutions, N(1, 0.02) and 0 for batch
    norm, drawn once in NumPy so both libraries start equal."""
    state = {}
    for name, value in model.state_dict().items():
        shape = tuple(value.shape)
        if len(shape) == 4:
            state[name] = rng.normal(0.0, 0.02, shape)
        elif name.endswith("weight"):
            state[name] = rng.normal(1.0, 0.02, shape)
        else:
            state[name] = value.detach().numpy().copy()  # biases 0, running stats, counters
    return state


def train(m, real_batches, noises, weights) -> np.ndarray:
    generator, discriminator = build(m)
    for model, state in zip((generator, discriminator), weights):
        model.load_state_dict({k: m.from_numpy(v.copy()) for k, v in state.items()})
    criterion = m.nn.BCELoss()
    opt_d = m.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = m.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros = m.ones(BATCH, dtype=m.float64), m.zeros(BATCH, dtype=m.float64)
    losses = []
    for real, noise in zip(real_batches, noises):
        discriminator.zero_grad()
        err_real = criterion(discriminator(m.from_numpy(real)).view(-1), ones)
        err_real.backward()
        fake = generator(m.from_numpy(noise))
        err_fake = criterion(discriminator(fake.detach()).view(-1), zeros)
        err_fake.backward()
        opt_d.step()
        generator.zero_grad()
        err_g = criterion(discriminator(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()
        losses.append([(err_real + err_fake).item(), err_g.item()])
    return np.array(losses)


@pytest.mark.slow
def test_dcgan_on_mnist_matches_torch(torch, data_root):
    from ember.data.datasets import MNIST

    images = MNIST(root=data_root / "mnist").data[:BATCH * STEPS].numpy()
    images = np.pad(images / 127.5 - 1.0, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    real_batches = images.reshape(STEPS, BATCH, 1, 32, 32)
    rng = np.random.default_rng(0)
    noises = rng.standard_normal((STEPS, BATCH, LATENT, 1, 1))
    weights = [dcgan_weights(model, rng) for model in build(ember)]
    ours = train(ember, real_batches, noises, weights)
    theirs = train(torch, real_batches, noises, weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)
    # it trains: the discriminator soon tells real digits from noise, then the generator fights
    assert ours[:10, 0].mean() > ours[-50:, 0].mean()
    assert ours[-50:, 1].mean() > ours[:10, 1].mean()
