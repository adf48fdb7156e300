"""state_dict / load_state_dict: PyTorch's key names, in-place loads, and torch's error text."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


def test_keys_match_torch(torch):
    assert list(_mlp(ember).state_dict()) == list(_mlp(torch).state_dict()) == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(TwoLayer().state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.LayerNorm(8))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                 torch.nn.Flatten(), torch.nn.LayerNorm(8))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "1.running_mean" in ours.state_dict() and "1.num_batches_tracked" in ours.state_dict()


def test_values_are_detached_views_of_the_parameters():
    model = TwoLayer()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state["fc1.weight"].requires_grad
    assert np.shares_memory(state["fc1.weight"].detach().numpy(), model.fc1.weight.detach().numpy())
    assert model.state_dict(keep_vars=True)["fc1.weight"] is model.fc1.weight


def test_round_trip_through_torch(torch):
    """ember -> torch -> ember: the values arrive under the same names and shapes."""
    ours, theirs = _mlp(ember), _mlp(torch)
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    fresh = _mlp(ember)
    fresh.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(fresh(ember.tensor(x)).detach().numpy(),
                               ours(ember.tensor(x)).detach().numpy())


def test_load_copies_in_place_so_optimizers_keep_their_parameters():
    model, source = TwoLayer(), TwoLayer()
    params = list(model.parameters())
    arrays = [p.detach().numpy() for p in params]
    result = model.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for p, arr, src in zip(model.parameters(), arrays, source.parameters()):
        assert p is params.pop(0) and p.detach().numpy() is arr
        np.testing.assert_array_equal(p.detach().numpy(), src.detach().numpy())


def test_load_casts_to_the_parameter_dtype():
    model = TwoLayer()
    model.load_state_dict({k: v.double() for k, v in TwoLayer().state_dict().items()})
    assert model.fc1.weight.dtype == ember.float32


def test_missing_and_unexpected_keys_raise_torch_style(torch):
    state = _mlp(ember).state_dict()
    del state["0.bias"]
    state["3.weight"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as ours:
        _mlp(ember).load_state_dict(state)
    with pytest.raises(RuntimeError) as theirs:
        _mlp(torch).load_state_dict({k: torch.zeros(1) if k == "3.weight" else
                                     torch.from_numpy(v.numpy()) for k, v in state.items()})
    assert str(ours.value) == str(theirs.value) == (
        'Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: '
        '"0.bias". \n\tUnexpected key(s) in state_dict: "3.weight". ')


def test_size_mismatch_raises_even_when_not_strict():
    state = _mlp(ember).state_dict()
    state["0.weight"] = ember.zeros(2, 4)
    with pytest.raises(RuntimeError) as err:
        _mlp(ember).load_state_dict(state, strict=False)
    assert str(err.value) == (
        "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a "
        "param with shape (2, 4) from checkpoint, the shape in current model is (3, 4).")


def test_non_strict_returns_the_incompatible_keys(torch):
    state = {k: v for k, v in TwoLayer().state_dict().items() if k != "fc2.bias"}
    state["fc3.weight"] = ember.zeros(1)
    state["fc1.extra.x"] = ember.zeros(1)
    model = TwoLayer()
    before = model.fc2.bias.detach().numpy().copy()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"]
    assert result.unexpected_keys == ["fc3.weight", "fc1.extra.x"]
    missing, unexpected = result
    assert (missing, unexpected) == (["fc2.bias"], ["fc3.weight", "fc1.extra.x"])
    assert repr(result) == ("_IncompatibleKeys(missing_keys=['fc2.bias'], "
                            "unexpected_keys=['fc3.weight', 'fc1.extra.x'])")
    np.testing.assert_array_equal(model.fc2.bias.detach().numpy(), before)


def test_non_tensor_values_and_non_mappings_are_rejected():
    with pytest.raises(RuntimeError, match='parameter named "fc1.bias", expected ember.Tensor'):
        TwoLayer().load_state_dict({**TwoLayer().state_dict(), "fc1.bias": [1, 2, 3]})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        TwoLayer().load_state_dict([("fc1.weight", ember.zeros(3, 4))])


def test_buffers_are_saved_unless_non_persistent():
    m = nn.Module()
    m.register_buffer("kept", ember.ones(2))
    m.register_buffer("dropped", ember.ones(2), persistent=False)
    m.register_buffer("empty", None)
    assert list(m.state_dict()) == ["kept"]
    m.load_state_dict({"kept": ember.zeros(2)})
    assert not m.kept.detach().numpy().any()


def test_assign_replaces_the_tensors():
    model, source = TwoLayer(), TwoLayer()
    state = source.state_dict()
    model.load_state_dict(state, assign=True)
    assert isinstance(model.fc1.weight, nn.Parameter) and model.fc1.weight.requires_grad
    assert np.shares_memory(model.fc1.weight.detach().numpy(), source.fc1.weight.detach().numpy())
