"""An ember model's checkpoint loads into the same architecture in PyTorch, and the reverse."""

from __future__ import annotations

import numpy as np

import ember
from ember import nn


def _ember_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 10))


def _torch_net(torch):
    tnn = torch.nn
    return tnn.Sequential(tnn.Conv2d(1, 4, 3), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.Flatten(),
                          tnn.Linear(4 * 6 * 6, 10))


def test_ember_checkpoint_loads_into_torch(torch, tmp_path):
    from safetensors.torch import load_file

    model = _ember_net()
    model(ember.randn(5, 1, 8, 8))  # training mode: moves BatchNorm's running statistics
    model.eval()
    ember.save(model.state_dict(), tmp_path / "net.safetensors")

    tmodel = _torch_net(torch)
    tmodel.load_state_dict(load_file(str(tmp_path / "net.safetensors")), strict=True)
    tmodel.eval()
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(tmodel(torch.tensor(x)).detach().numpy(),
                               model(ember.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_checkpoint_loads_into_ember(torch, tmp_path):
    from safetensors.torch import save_file

    tmodel = _torch_net(torch)
    tmodel(torch.randn(5, 1, 8, 8))
    tmodel.eval()
    save_file(tmodel.state_dict(), str(tmp_path / "net.safetensors"))

    model = _ember_net()
    model.load_state_dict(ember.load(tmp_path / "net.safetensors"), strict=True)
    model.eval()
    assert model[1].num_batches_tracked.item() == 1
    x = np.random.default_rng(1).standard_normal((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(model(ember.tensor(x)).detach().numpy(),
                               tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
