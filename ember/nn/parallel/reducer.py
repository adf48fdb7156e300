"""Gradient buckets for DistributedDataParallel: average each parameter's gradient across the
ranks, a bucket of parameters at a time.

Parameters go into buckets in reverse registration order (roughly the order backward produces
their gradients), one dtype per bucket: buckets of `bucket_cap_mb`, after a first one of 1 MiB
when the cap is PyTorch's default. The engine reports each gradient complete through the
parameter's `register_post_accumulate_grad_hook` hook (`mark_ready`); a bucket whose gradients
are all ready is copied into one flat array and all-reduced without blocking, so its
communication runs while backward goes on computing the rest (each later hook also gives MPI a
chance to move it on, see `_progress`). Buckets start in order, the same on every rank, as MPI
requires of collectives. The hook that completes the last bucket is the last of the backward
for these parameters: it waits for every bucket and writes the averages back into each
`.grad`, so backward returns with the gradients averaged (no engine callback is needed).
"""

from __future__ import annotations

import numpy as np

from ... import distributed as dist
from ...tensor import _make

FIRST_BUCKET_BYTES = 1024 * 1024

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `ember.nn.parallel.DistributedDataParallel`, and by "
    "making sure all `forward` function outputs participate in calculating loss. Parameters "
    "that did not receive grad on rank {rank}: {names}")


class Bucket:
    """Parameters whose gradients travel together in one flat array."""

    def __init__(self, params: list, dtype: np.dtype) -> None:
        self.params = params
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.flat = np.zeros(self.offsets[-1], dtype)
        self.pending = len(params)
        self.work = None

    def slot(self, index: int) -> np.ndarray:
        return self.flat[self.offsets[index]:self.offsets[index + 1]]


def assign_buckets(params: list, cap_bytes: int, first_cap_bytes: int):
    """Lists of parameters, in reverse order and of one dtype each. As in PyTorch, a bucket is
    closed once it holds at least its cap: `first_cap_bytes` for a dtype's first bucket,
    `cap_bytes` after that."""
    buckets: list[list] = []
    filling: dict = {}  # dtype -> [its open bucket, the bytes in it, that bucket's cap]
    for p in reversed(params):
        dtype = p._data.dtype
        if dtype not in filling or filling[dtype][0] is None:
            cap = cap_bytes if dtype in filling else first_cap_bytes
            filling[dtype] = [[], 0, cap]
            buckets.append(filling[dtype][0])
        entry = filling[dtype]
        entry[0].append(p)
        entry[1] += p._data.nbytes
        if entry[1] >= entry[2]:
            entry[0] = None
    return buckets


class Reducer:
    """Averages gradients of `params` across the ranks of `group`, bucket by bucket."""

    def __init__(self, params: list, names: dict, group, bucket_cap_bytes: int,
                 first_bucket_bytes: int, find_unused_parameters: bool) -> None:
        self.group = group
        self.names = names  # id(param) -> its name in the module, for error messages
        self.find_unused_parameters = find_unused_parameters
        self.buckets = [Bucket(ps, ps[0]._data.dtype)
                        for ps in assign_buckets(params, bucket_cap_bytes, first_bucket_bytes)]
        self.location = {id(p): (b, i) for b in self.buckets for i, p in enumerate(b.params)}
        self.params = [p for b in self.buckets for p in b.params]
        self.expecting = False  # a backward is to reduce: set by forward, cleared when done
        self.next_bucket = 0
        self.ready: set[int] = set()
        self.locally_used = np.zeros(len(self.params), np.int32)
        self.used_work = None

    def prepare_for_backward(self, unused: set[int]) -> None:
        """Arm the reducer for the coming backward. Parameters in `unused` (ids) get no
        gradient from it: they are counted ready now, with a zero contribution."""
        self.check_finished()
        for b in self.buckets:
            b.pending = len(b.params)
            b.work = None
        self.next_bucket = 0
        self.ready = set()
        self.expecting = True
        if self.find_unused_parameters:
            self.locally_used[:] = [id(p) not in unused for p in self.params]
            self.used_work = dist.all_reduce(_make(self.locally_used, None), dist.ReduceOp.MAX,
                                             self.group, async_op=True)
        for p in self.params:
            if id(p) in unused:
                self.mark_ready(p)

    def check_finished(self) -> None:
        """PyTorch's error when the previous backward left gradients unreduced."""
        if self.expecting and self.ready:
            missing = [self.names[id(p)] for p in self.params if id(p) not in self.ready]
            self.expecting = False
            raise RuntimeError(_UNFINISHED.format(rank=dist.get_rank(self.group),
                                                  names=", ".join(missing)))

    # --8<-- [start:ddp-ready]
    def mark_ready(self, param) -> None:
        """`param.grad` holds all of this backward's contribution (or `param` is unused)."""
        if not self.expecting or id(param) not in self.location:
            return
        if id(param) in self.ready:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names[id(param)]} "
                               "was marked ready twice in one backward")
        self.ready.add(id(param))
        bucket, index = self.location[id(param)]
        grad = param.grad
        slot = bucket.slot(index)
        if grad is None:
            slot[...] = 0
        else:
            slot[...] = grad._data.reshape(-1)
        bucket.pending -= 1
        self._start_ready_buckets()
        if self.next_bucket == len(self.buckets):
            self._finish()
        else:
            self._progress()

    def _start_ready_buckets(self) -> None:
        while self.next_bucket < len(self.buckets) and \
                self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.work = dist.all_reduce(_make(bucket.flat, None), dist.ReduceOp.AVG, self.group,
                                          async_op=True)
            self.next_bucket += 1
    # --8<-- [end:ddp-ready]

    def _progress(self) -> None:
        """Let the buckets in flight advance. MPI moves a non-blocking collective on only
        inside MPI calls (there is no progress thread), so without this a bucket started early
        would mostly wait for `_finish` to be sent at all."""
        for bucket in self.buckets[:self.next_bucket]:
            bucket.work.is_completed()

    def _finish(self) -> None:
        """Wait for every bucket and write the averages into the gradients. A parameter that
        no rank used keeps its gradient untouched, as in PyTorch."""
        globally_used = None
        if self.used_work is not None:
            self.used_work.wait()
            self.used_work = None
            globally_used = {id(p) for p, u in zip(self.params, self.locally_used) if u}
        for bucket in self.buckets:
            bucket.work.wait()
            for i, p in enumerate(bucket.params):
                if globally_used is not None and id(p) not in globally_used:
                    continue
                averaged = bucket.slot(i).reshape(p._data.shape)
                if p.grad is None:
                    p.grad = _make(averaged.copy(), None)
                else:
                    p.grad._data[...] = averaged
        self.expecting = False
