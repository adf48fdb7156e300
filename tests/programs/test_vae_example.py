"""pytorch/examples' vae (a variational auto-encoder on real MNIST), written again in its style
with `import ember as torch`: encode to a mean and log-variance, reparameterize with randn_like,
decode with sigmoid, BCE (summed) plus the KL term, Adam; reconstructions and samples."""

from __future__ import annotations

import pytest

import ember as torch
import ember.utils.data
from ember import nn, optim
from ember.data import MNIST, transforms
from ember.nn import functional as F
from ember.utils.data import Subset

LATENT = 8


class VAE(nn.Module):
    def __init__(self, hidden=200):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, LATENT)
        self.fc22 = nn.Linear(hidden, LATENT)
        self.fc3 = nn.Linear(LATENT, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def run(data_root, n_train, epochs, batch_size=128):
    torch.manual_seed(1)
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    kwargs = {"num_workers": 1, "pin_memory": True} if use_accel else {}
    train_set = MNIST(data_root, train=True, download=True, transform=transforms.ToTensor())
    n_train = n_train or len(train_set)
    train_loader = torch.utils.data.DataLoader(
        Subset(train_set, range(n_train)),
        batch_size=batch_size, shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(
        Subset(MNIST(data_root, train=False, transform=transforms.ToTensor()), range(1024)),
        batch_size=batch_size, shuffle=False, **kwargs)
    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    epoch_losses, test_losses = [], []
    for epoch in range(1, epochs + 1):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx == 0:
                line = "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(  # noqa: UP032
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item() / len(data))
                assert line.startswith(f"Train Epoch: {epoch} [0/{n_train} (0%)]\tLoss: ")
        epoch_losses.append(train_loss / len(train_loader.dataset))
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for i, (data, _) in enumerate(test_loader):
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
                if i == 0:
                    n = min(data.size(0), 8)
                    comparison = torch.cat([data[:n],
                                            recon_batch.view(batch_size, 1, 28, 28)[:n]])
                    assert comparison.shape == (16, 1, 28, 28)
        test_losses.append(test_loss / len(test_loader.dataset))
        with torch.no_grad():
            sample = torch.randn(64, LATENT).to(device)
            sample = model.decode(sample).cpu()
            assert sample.view(64, 1, 28, 28).shape == (64, 1, 28, 28)
            assert 0 <= sample.min().item() and sample.max().item() <= 1
    return epoch_losses, test_losses


def test_vae_learns_to_reconstruct_digits(data_root):
    epoch_losses, test_losses = run(data_root, n_train=2560, epochs=2)
    # an untrained decoder's BCE is 784 log 2 = 543 nats per image
    assert epoch_losses[1] < epoch_losses[0] < 400, epoch_losses
    assert test_losses[1] < 250, test_losses


@pytest.mark.slow
def test_vae_on_the_whole_training_set(data_root):
    epoch_losses, test_losses = run(data_root, n_train=None, epochs=3)
    assert epoch_losses[2] < epoch_losses[1] < epoch_losses[0], epoch_losses
    assert test_losses[2] < 160, test_losses
