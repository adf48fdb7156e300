"""Harness for nn parity tests: the same weights and inputs fed to an ember module and to its
torch counterpart (the oracle); outputs and every gradient must match."""

from __future__ import annotations

import numpy as np
import pytest

import ember


class Parity:
    def __init__(self, torch) -> None:
        self.torch = torch

    def copy_weights(self, ember_module, torch_module) -> None:
        """ember's state_dict into torch's, so the key names are checked on the way."""
        state = {k: self.torch.from_numpy(v.detach().numpy().copy())
                 for k, v in ember_module.state_dict().items()}
        torch_module.load_state_dict(state, strict=True)

    def leaves(self, array: np.ndarray):
        """The same data as an ember and a torch leaf (float ones require grad)."""
        grad = array.dtype.kind == "f"
        return (ember.tensor(array.copy(), requires_grad=grad),
                self.torch.tensor(array.copy(), requires_grad=grad))

    def check(self, ember_fn, torch_fn, *arrays, rtol=1e-5, atol=1e-6,
              ember_params=(), torch_params=()):
        """Forward both on `arrays`, backward a random upstream gradient through both, and
        compare the outputs, the gradients of the float inputs and those of the parameters."""
        pairs = [self.leaves(a) for a in arrays]
        ember_out = ember_fn(*[e for e, _ in pairs])
        torch_out = torch_fn(*[t for _, t in pairs])
        expected = torch_out.detach().numpy()
        assert ember_out.detach().numpy().dtype == expected.dtype
        np.testing.assert_allclose(ember_out.detach().numpy(), expected, rtol=rtol, atol=atol)
        upstream = np.random.default_rng(5).standard_normal(expected.shape).astype(expected.dtype)
        ember_out.backward(ember.tensor(upstream))
        torch_out.backward(self.torch.from_numpy(upstream))
        for e, t in pairs:
            if t.requires_grad:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
        for e, t in zip(ember_params, torch_params, strict=True):
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
        return ember_out

    def check_module(self, ember_module, torch_module, *arrays, rtol=1e-5, atol=1e-6):
        """check() for a module pair: weights copied over first, parameter names must match."""
        self.copy_weights(ember_module, torch_module)
        names = [n for n, _ in ember_module.named_parameters()]
        assert names == [n for n, _ in torch_module.named_parameters()]
        return self.check(ember_module, torch_module, *arrays, rtol=rtol, atol=atol,
                          ember_params=list(ember_module.parameters()),
                          torch_params=list(torch_module.parameters()))


@pytest.fixture
def parity(torch) -> Parity:
    return Parity(torch)
