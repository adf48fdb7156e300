"""Sequential, ModuleList and ModuleDict: construction, indexing, mutation, repr vs torch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn


def test_sequential_runs_in_order_and_matches_torch(parity):
    torch = parity.torch
    ours = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    parity.check_module(ours, theirs, np.ones((3, 4), dtype=np.float32))


def test_sequential_from_ordered_dict_keeps_names(torch):
    def build(lib):
        return lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(2, 3)),
                                              ("act", lib.nn.ReLU())]))

    ours, theirs = build(ember), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(ours) == repr(theirs)
    assert ours.fc is ours[0] and isinstance(ours[-1], nn.ReLU)


def test_sequential_indexing_slicing_len_iteration():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[-1]
    head = seq[1:3]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:3]
    assert list(head._modules) == ["1", "2"]  # slices keep the names, as in torch
    with pytest.raises(IndexError, match="out of range"):
        seq[4]  # noqa: B018
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh) and seq._modules["1"] is seq[1]


def test_sequential_append_insert_delete_renumber(torch):
    ours = nn.Sequential(nn.ReLU(), nn.Tanh())
    theirs = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh())
    for seq, lib in ((ours, ember), (theirs, torch)):
        assert seq.append(lib.nn.Linear(1, 1)) is seq
        seq.insert(1, lib.nn.Sigmoid())
        del seq[0]
        seq.extend([lib.nn.GELU()])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["2.weight", "2.bias"]
    assert ours[2].weight is ours.get_submodule("2").weight
    assert isinstance(ours.pop(0), nn.Sigmoid) and len(ours) == 3


def test_module_list_registers_and_compresses_repr(torch):
    ours = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)] + [nn.ReLU()])
    theirs = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(3)] + [torch.nn.ReLU()])
    assert repr(ours) == repr(theirs)
    assert len(list(ours.parameters())) == 6
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"


def test_module_list_mutation():
    ml = nn.ModuleList()
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    ml.extend([nn.Sigmoid()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "ReLU", "Tanh", "Sigmoid"]
    assert isinstance(ml[-1], nn.Sigmoid) and isinstance(ml[1:3], nn.ModuleList)
    del ml[1]
    assert list(ml._modules) == ["0", "1", "2"] and isinstance(ml[1], nn.Tanh)
    ml[0] = nn.GELU()
    assert isinstance(ml[0], nn.GELU)
    assert len(ml + nn.ModuleList([nn.ReLU()])) == 4
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(5)
    with pytest.raises(IndexError):
        ml[3]  # noqa: B018


def test_module_dict(torch):
    def build(lib):
        return lib.nn.ModuleDict({"enc": lib.nn.Linear(2, 2), "act": lib.nn.ReLU()})

    ours, theirs = build(ember), build(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours) == ["enc", "act"] and "enc" in ours and len(ours) == 2
    ours["dec"] = nn.Linear(2, 1)
    assert list(ours.keys()) == ["enc", "act", "dec"]
    assert [n for n, _ in ours.named_parameters()][-1] == "dec.bias"
    assert isinstance(ours.pop("act"), nn.ReLU) and "act" not in ours
    ours.update([("x", nn.Tanh())])
    assert isinstance(ours["x"], nn.Tanh)
    with pytest.raises(ValueError, match="key-value pair"):
        ours.update([("y",)])
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_containers_hold_parameters_for_the_owner():
    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    tower = Tower()
    assert [n for n, _ in tower.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]
    tower(ember.ones(1, 2)).sum().backward()
    assert all(p.grad is not None for p in tower.parameters())
