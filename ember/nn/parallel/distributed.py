"""DistributedDataParallel: one replica of a model per process, kept identical by averaging the
gradients across the processes during each backward (torch.nn.parallel)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ... import distributed as dist
from ...autograd import is_grad_enabled
from ..module import Module
from .graph import find_tensors, reachable_leaves
from .reducer import FIRST_BUCKET_BYTES, Reducer


class DistributedDataParallel(Module):
    """Wraps `module` for data-parallel training: run it in every process of the group (each on
    its own share of the batch, e.g. through a DistributedSampler) and call backward as usual;
    afterwards every rank holds the gradients averaged over all ranks, so every optimizer takes
    the same step and the replicas stay equal.

    At construction, rank 0's parameters and buffers are copied to every rank. Gradients are
    averaged in buckets of about `bucket_cap_mb` MB (25 by default), each sent as soon as
    backward has produced all of its gradients, so that communication overlaps the rest of
    backward; backward returns once every bucket is averaged. With `broadcast_buffers`,
    rank 0's buffers (BatchNorm's running statistics) are copied to every rank before each
    forward that follows a synchronized one; `nn.SyncBatchNorm` computes batch statistics over
    all ranks instead. `no_sync()` skips the averaging for gradient accumulation.
    `find_unused_parameters=True` allows forwards that leave some parameters out; without it,
    such a forward is PyTorch's error on the next one. `state_dict()` keys have the `module.`
    prefix; save `ddp.module.state_dict()` for a model that loads without the wrapper.

    ember runs on CPUs: `device_ids` and `output_device` must be None. `gradient_as_bucket_view`
    and `static_graph` are accepted as the hints they are in PyTorch.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False) -> None:
        super().__init__()
        if device_ids or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters {{cpu}}.")
        group = dist.process_group.resolve(process_group, "DistributedDataParallel")
        if group is None:
            raise ValueError("DistributedDataParallel: this rank is not in process_group")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.process_group = group
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 ** 2)
        first_bucket_bytes = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        _check_same_parameters(module, group)
        if init_sync:
            self._broadcast([p for _, p in module.named_parameters()])
            self._broadcast_buffers()
        self.reducer = Reducer([p for _, p in named], {id(p): n for n, p in named}, group,
                               self.bucket_bytes_cap, first_bucket_bytes, find_unused_parameters)
        # Each parameter reports its gradient complete as backward produces it (see reducer.py).
        for _, p in named:
            p.register_post_accumulate_grad_hook(self.reducer.mark_ready)

    def forward(self, *inputs, **kwargs):
        """The wrapped module's output; while grad is enabled (and require_backward_grad_sync), it
        prepares the gradient all-reduce that the next backward runs, broadcasting buffers from rank
        0 first when broadcast_buffers.

        Raises RuntimeError when the previous backward left some parameters' gradients unreduced
        (unused parameters without find_unused_parameters=True)."""
        self.reducer.check_finished()
        if self.require_forward_param_sync and self.broadcast_buffers:
            self._broadcast_buffers()
        sync = is_grad_enabled() and self.require_backward_grad_sync
        self.require_forward_param_sync = sync
        output = self.module(*inputs, **kwargs)
        if sync:
            unused = set()
            if self.find_unused_parameters:
                used = reachable_leaves(find_tensors(output))
                unused = {id(p) for p in self.reducer.params if id(p) not in used}
            self.reducer.prepare_for_backward(unused)
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward inside accumulates local gradients without averaging them; the first
        backward after it averages everything accumulated."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _broadcast(self, tensors: list) -> None:
        works = [dist.broadcast(t, 0, self.process_group, async_op=True) for t in tensors]
        for work in works:
            work.wait()

    def _broadcast_buffers(self) -> None:
        self._broadcast([b for _, b in self.module.named_buffers()])


def _check_same_parameters(module: Module, group) -> None:
    """Every rank must wrap the same architecture: PyTorch's check, on names, shapes, dtypes."""
    mine = [[name, list(p.shape), str(p.dtype)] for name, p in module.named_parameters()]
    everyone: list = [None] * group.size()
    dist.all_gather_object(everyone, mine, group)
    for rank, theirs in enumerate(everyone):
        if theirs != mine:
            diff = next((f"{a} vs {b}" for a, b in zip(mine, theirs) if a != b),
                        f"{len(mine)} vs {len(theirs)} parameters")
            raise RuntimeError(f"DistributedDataParallel: rank {group.rank()} and rank {rank} "
                               f"wrap different modules ({diff})")
