"""The models the `ember` command trains, written with ember.nn as a PyTorch user would write them.

Both take a batch of normalised 1x28x28 images (N, 1, 28, 28) and return (N, 10) logits.
"""

from __future__ import annotations

from . import nn
from .tensor import Tensor

__all__ = ["CNN", "MLP", "MODELS", "build_model"]


class MLP(nn.Module):
    """784-512-256-10 with ReLUs, and dropout after each hidden layer.

    The dropout keeps it from memorising the 10k-image MNIST subset, where it is worth about
    half a point of test accuracy (96.5% against 96.0%).
    """

    def __init__(self, num_classes: int = 10, dropout: float = 0.2) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, num_classes)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.dropout(self.relu(self.fc1(self.flatten(x))))
        x = self.dropout(self.relu(self.fc2(x)))
        return self.fc3(x)


# --8<-- [start:cnn]
class CNN(nn.Module):
    """Two 3x3 conv + max-pool stages (32 and 64 channels), then a 128-unit hidden layer.

    Light dropout before each linear layer regularises the hidden layer; more (0.25) slows
    the first epochs down, which the few-epoch recipes cannot afford.
    """

    def __init__(self, num_classes: int = 10, dropout: float = 0.1) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3),  # 28 -> 26
            nn.ReLU(),
            nn.MaxPool2d(2),  # 26 -> 13
            nn.Conv2d(32, 64, kernel_size=3),  # 13 -> 11
            nn.ReLU(),
            nn.MaxPool2d(2),  # 11 -> 5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(64 * 5 * 5, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
# --8<-- [end:cnn]


MODELS: dict[str, type[nn.Module]] = {"mlp": MLP, "cnn": CNN}


def build_model(name: str, num_classes: int = 10) -> nn.Module:
    """A freshly initialised model by its CLI name ("mlp" or "cnn")."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
    return cls(num_classes)
