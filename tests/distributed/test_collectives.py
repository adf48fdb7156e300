"""Collectives on 2 and 3 processes against NumPy, in float32, float64 and int64; and
torch.distributed's behaviour without a process group."""

from __future__ import annotations

import pytest

import ember
import ember.distributed as dist


@pytest.mark.parametrize("nproc", [2, 3])
def test_tensor_collectives_against_numpy(ranks, nproc):
    ranks(nproc, "collectives")


@pytest.mark.parametrize("nproc", [2, 3])
def test_object_collectives_and_groups(ranks, nproc):
    ranks(nproc, "objects")
    ranks(nproc, "groups")


NOT_INITIALIZED = "Default process group has not been initialized"
CALLS = {
    "get_rank": lambda: dist.get_rank(),
    "get_world_size": lambda: dist.get_world_size(),
    "barrier": lambda: dist.barrier(),
    "new_group": lambda: dist.new_group([0]),
    "all_reduce": lambda: dist.all_reduce(ember.ones(2)),
    "broadcast": lambda: dist.broadcast(ember.ones(2), 0),
    "reduce": lambda: dist.reduce(ember.ones(2), 0),
    "all_gather": lambda: dist.all_gather([ember.ones(2)], ember.ones(2)),
    "all_gather_into_tensor": lambda: dist.all_gather_into_tensor(ember.ones(2), ember.ones(2)),
    "reduce_scatter_tensor": lambda: dist.reduce_scatter_tensor(ember.ones(2), ember.ones(2)),
    "gather": lambda: dist.gather(ember.ones(2)),
    "scatter": lambda: dist.scatter(ember.ones(2)),
    "all_to_all_single": lambda: dist.all_to_all_single(ember.ones(2), ember.ones(2)),
    "send": lambda: dist.send(ember.ones(2), 1),
    "recv": lambda: dist.recv(ember.ones(2)),
    "isend": lambda: dist.isend(ember.ones(2), 1),
    "irecv": lambda: dist.irecv(ember.ones(2)),
    "all_gather_object": lambda: dist.all_gather_object([None], 1),
    "broadcast_object_list": lambda: dist.broadcast_object_list([1]),
    "DistributedDataParallel": lambda: ember.nn.parallel.DistributedDataParallel(
        ember.nn.Linear(2, 2)),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_outside_a_process_group_every_call_is_torchs_error(torch, name):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match=NOT_INITIALIZED):
        CALLS[name]()
    torch_dist = pytest.importorskip("torch.distributed")
    with pytest.raises(ValueError, match=NOT_INITIALIZED):
        torch_dist.get_rank()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()


def test_backend_and_init_arguments_are_checked():
    with pytest.raises(ValueError, match="Invalid backend: 'nccl'"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="unsupported init_method"):
        dist.init_process_group("mpi", init_method="redis://x")
    assert not dist.is_initialized()


def test_without_mpi4py_the_rest_of_ember_works(monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mpi4py" else find_spec(name, *a))
    assert dist.is_available() is False
    with pytest.raises(RuntimeError, match=r"pip install 'ember\[distributed\]'"):
        dist.init_process_group("mpi")
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        ember.utils.data.distributed.DistributedSampler(range(4))
    model = ember.nn.SyncBatchNorm(3)  # outside a process group: plain batch norm
    out = model(ember.randn(4, 3))
    out.sum().backward()
    assert model.weight.grad is not None
