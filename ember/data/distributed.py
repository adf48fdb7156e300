"""DistributedSampler: each rank's share of a dataset for data-parallel training
(torch.utils.data.distributed)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

from ..random import Generator, rng_of
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices of rank `rank` out of `num_replicas`, as torch.utils.data.DistributedSampler.

    Every rank orders the whole dataset the same way (a permutation seeded with `seed + epoch`
    when `shuffle`, else 0..n-1) and takes every `num_replicas`-th index from position `rank`.
    The order is padded with its own first indices to a multiple of `num_replicas` so that the
    ranks get equal shares, or cut short to one with `drop_last`. Call `set_epoch(epoch)` before
    each epoch to shuffle differently; every sample is then seen once per epoch across the ranks
    (plus the padding). `num_replicas` and `rank` default to those of the default process group.
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from .. import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got "
                             f"{num_replicas!r}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            generator = Generator().manual_seed(self.seed + self.epoch)
            indices = rng_of(generator).permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        elif n:
            padding = self.total_size - n
            indices += (indices * math.ceil(padding / n))[:padding]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch, which seeds the shuffle: call it before each epoch's DataLoader loop."""
        self.epoch = epoch
