"""Chapter 5's exercises: SGD with momentum by hand, and scoring a model."""

from __future__ import annotations

import ember


def sgd_momentum_step(params, velocities: list, lr: float, momentum: float) -> None:
    """One step of PyTorch's SGD with momentum: the first velocity is the gradient itself."""
    with ember.no_grad():
        for i, p in enumerate(params):
            if p.grad is None:
                continue
            if velocities[i] is None:
                velocities[i] = p.grad.clone()
            else:
                velocities[i] = momentum * velocities[i] + p.grad
            p -= lr * velocities[i]


def accuracy(model, loader) -> float:
    """The fraction of correctly classified samples, in eval mode, without a graph."""
    was_training = model.training
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    model.train(was_training)
    return correct / total
