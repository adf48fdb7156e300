"""pytorch/examples' regression (fitting a polynomial with one linear layer), written again in
its style with `import ember as torch`: features as powers of x, smooth L1 loss, and plain SGD
through `param.data.add_`, until the loss is below 1e-3."""

from __future__ import annotations

from itertools import count

import numpy as np

import ember as torch
import ember.nn.functional as F

DEGREE = 3


def features(x):
    """Columns x, x^2, ..., x^DEGREE."""
    x = x.unsqueeze(1)
    return torch.cat([x ** k for k in range(1, DEGREE + 1)], 1)


def describe(weights, bias) -> str:
    terms = "".join("{:+.2f} x^{} ".format(w, k + 1) for k, w in enumerate(weights))  # noqa: UP032 (the example calls str.format)
    return "y = " + terms + "{:+.2f}".format(bias[0])  # noqa: UP032


def test_a_linear_layer_learns_a_cubic():
    torch.manual_seed(3)
    true_w = torch.randn(DEGREE, 1) * 2
    true_b = torch.randn(1) * 2

    def batch(size=32):
        x = features(torch.randn(size))
        return x, x.mm(true_w) + true_b.item()

    layer = torch.nn.Linear(true_w.size(0), 1)
    for step in count(1):
        x, y = batch()
        layer.zero_grad()
        output = F.smooth_l1_loss(layer(x), y)
        loss = output.item()
        output.backward()
        for param in layer.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3 or step == 3000:
            break
    assert loss < 1e-3, f"not converged after {step} batches: {loss}"
    np.testing.assert_allclose(layer.weight.view(-1).detach().numpy(),
                               true_w.view(-1).numpy(), rtol=0.05, atol=0.1)
    learned = describe(layer.weight.view(-1), layer.bias)
    assert learned.startswith("y = ") and learned.count("x^") == DEGREE
    assert describe(true_w.view(-1), true_b) == "y = " + "".join(
        f"{w:+.2f} x^{k + 1} " for k, w in enumerate(true_w.view(-1).tolist())) + (
        f"{true_b.item():+.2f}")
