"""SyncBatchNorm: batch norm whose batch statistics span every process of a data-parallel job
(torch.nn.SyncBatchNorm)."""

from __future__ import annotations

import numpy as np

from ... import distributed as dist
from ...tensor import _make
from ..module import Module
from .batchnorm import _BatchNorm


class _GroupSync:
    """BatchNormTraining's `sync` on a process group: gather and sum of 1-d float64 arrays."""

    def __init__(self, group) -> None:
        self.group = group

    def gather(self, local: np.ndarray) -> np.ndarray:
        stacked = np.empty((self.group.size(), local.size), local.dtype)
        dist.all_gather_into_tensor(_make(stacked, None), _make(local, None), self.group)
        return stacked

    def sum(self, local: np.ndarray) -> np.ndarray:
        dist.all_reduce(_make(local, None), group=self.group)
        return local


class SyncBatchNorm(_BatchNorm):
    """Batch norm of (N, C, ...) inputs that, in training inside a process group of several
    ranks, normalizes with the mean and variance of the batches of all ranks together (and
    updates the running statistics with them), so N processes with batch B/N each compute
    what one process with batch B would. Otherwise it is BatchNorm.

    `process_group` defaults to the default group. `convert_sync_batchnorm(model)` replaces a
    model's BatchNorm layers by SyncBatchNorm layers sharing their parameters and buffers.
    """

    _expected_ndims = (2, 3, 4, 5)
    _layout = "(N, C, ...)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)
        self.process_group = process_group

    def _batch_sync(self):
        if not (self.training and dist.is_available() and dist.is_initialized()):
            return None
        group = dist.process_group.resolve(self.process_group, "SyncBatchNorm")
        return _GroupSync(group) if group is not None and group.size() > 1 else None

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """`module` with every BatchNorm*d in it replaced by a SyncBatchNorm that shares its
        parameters, buffers and training mode (a BatchNorm `module` itself is returned
        replaced)."""
        converted = module
        if isinstance(module, _BatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
