"""A program in the style of pytorch/examples' `super_resolution` (the sub-pixel convolution
network of Shi et al.): convolutions, ReLU, PixelShuffle, orthogonal initialisation, Adam and
the MSE loss, trained to double the resolution of real MNIST digits that F.interpolate shrank.

The same program runs on ember and on torch (the module is passed in), from ember's initial
weights copied into torch; the losses of every step must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember

STEPS, BATCH, UPSCALE = 200, 16, 2


def build_net(m, upscale_factor: int):
    """pytorch/examples' Net, with narrower layers (1-16-16-8 channels) to fit CI."""
    nn, init = m.nn, m.nn.init

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv4.weight)

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            return self.pixel_shuffle(self.conv4(x))

    return Net()


def train(m, net, images: np.ndarray) -> tuple[list[float], float]:
    """Adam on the MSE between the network's upscaled images and the originals; returns the loss
    of every step and the PSNR (dB) on held-out images."""
    F = m.nn.functional
    hi_res = m.tensor(images)
    lo_res = F.interpolate(hi_res, scale_factor=1 / UPSCALE, mode="bicubic", align_corners=False)
    optimizer = m.optim.Adam(net.parameters(), lr=3e-3)
    criterion = m.nn.MSELoss()
    losses = []
    train_count = len(images) - BATCH
    for step in range(STEPS):
        start = (step * BATCH) % train_count
        optimizer.zero_grad()
        loss = criterion(net(lo_res[start:start + BATCH]), hi_res[start:start + BATCH])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with m.no_grad():
        mse = criterion(net(lo_res[train_count:]), hi_res[train_count:]).item()
    return losses, 10 * np.log10(1 / mse)


@pytest.mark.slow
def test_super_resolution_on_mnist_matches_torch(torch, data_root):
    digits = ember.data.MNIST(data_root, train=False).data.numpy()[:1024]
    images = (digits[:, None] / 255.0).astype(np.float32)  # (N, 1, 28, 28)

    ember.manual_seed(0)
    ours = build_net(ember, UPSCALE)
    theirs = build_net(torch, UPSCALE)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    ours_losses, ours_psnr = train(ember, ours, images)
    theirs_losses, theirs_psnr = train(torch, theirs, images)

    np.testing.assert_allclose(ours_losses[:10], theirs_losses[:10], rtol=1e-4)
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=2e-2)
    assert abs(ours_psnr - theirs_psnr) < 0.2
    # it learned: the loss fell well below its start, the PSNR beats plain bicubic upscaling
    assert np.mean(ours_losses[-10:]) < 0.3 * ours_losses[0]
    hi = torch.tensor(images[-BATCH:])
    bicubic = torch.nn.functional.interpolate(
        torch.nn.functional.interpolate(hi, scale_factor=0.5, mode="bicubic"), scale_factor=2,
        mode="bicubic")
    bicubic_psnr = 10 * np.log10(1 / torch.nn.functional.mse_loss(bicubic, hi).item())
    assert ours_psnr > bicubic_psnr
