"""torch.utils.data.distributed under ember's path: DistributedSampler."""

from ...data.distributed import DistributedSampler

__all__ = ["DistributedSampler"]
