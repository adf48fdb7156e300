"""DataLoader: iterate a dataset in (shuffled) batches, with torch.utils.data.DataLoader's
signature, defaults and argument checks.

Loading always happens in the calling process: num_workers, pin_memory, timeout, worker_init_fn,
multiprocessing_context, prefetch_factor and persistent_workers are accepted so PyTorch code runs
unchanged, and have no effect. Array-backed datasets do not need workers: they fetch a batch with
one gather (see ember.data.dataset).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..random import Generator
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info() -> None:
    """Information about the DataLoader worker process this code runs in: None, since ember
    loads data in the calling process (as PyTorch answers in its main process). An
    IterableDataset that splits its work by `get_worker_info()` therefore yields all of it once."""
    return None


class DataLoader:
    """Batches of `dataset`: `batch_size` samples each, in the order of `sampler` (random when
    `shuffle`), collated by `collate_fn` (default_collate).

    ``batch_size=None`` turns automatic batching off: the loader yields single samples passed
    through default_convert. A `batch_sampler` yields whole lists of indices and replaces
    batch_size, shuffle, sampler and drop_last.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")

        if isinstance(dataset, IterableDataset):
            for name, value in (
                ("shuffle", shuffle not in (None, False)),
                ("sampler", sampler is not None),
                ("batch_sampler", batch_sampler is not None),
            ):
                if value:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option"
                    )
        elif shuffle not in (None, False) and sampler is not None:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )

        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else (
                SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        auto_collation = batch_sampler is not None or (
            isinstance(dataset, IterableDataset) and batch_size is not None
        )
        self.collate_fn = collate_fn or (default_collate if auto_collation else default_convert)

    def __iter__(self) -> Iterator:
        if isinstance(self.dataset, IterableDataset):
            return self._iterate_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._iterate_batches()

    def _iterate_batches(self) -> Iterator:
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = getitems(indices) if callable(getitems) else [
                self.dataset[i] for i in indices
            ]
            yield self.collate_fn(samples)

    def _iterate_stream(self) -> Iterator:
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from map(self.collate_fn, samples)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)
