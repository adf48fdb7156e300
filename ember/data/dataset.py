"""Datasets (torch.utils.data.dataset): Dataset, IterableDataset, TensorDataset, Subset,
ConcatDataset, random_split.

Fast path. A DataLoader asks a dataset with ``__getitems__(indices)`` for a whole batch, as PyTorch
does. Array-backed datasets answer with a SampleBatch: a lazy sequence of the samples that
default_collate turns into the collated batch with one fancy-indexing gather per field, without
building a single per-sample object. Code that iterates it (a custom collate_fn) gets exactly what
``dataset[i]`` returns.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import Generator, default_generator, rng_of
from ..tensor import Tensor, _make

__all__ = [
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "SampleBatch",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """Map-style dataset: subclasses define __getitem__(index) and __len__()."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Stream-style dataset: subclasses define __iter__(); a DataLoader batches what it yields."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SampleBatch(Sequence):
    """The samples at `indices` of an array-backed dataset, fetched lazily.

    ``collate()`` returns what default_collate would make of the samples, computed by
    ``gather(index_array)`` in one go; indexing and iteration give ``sample(i)`` per sample.
    """

    def __init__(
        self,
        indices: np.ndarray,
        sample: Callable[[int], Any],
        gather: Callable[[np.ndarray], list],
    ) -> None:
        self.indices = indices
        self._sample = sample
        self._gather = gather

    def collate(self) -> list:
        """The batch as default_collate would make it (a list of stacked tensors), built by one
        gather over all the indices."""
        return self._gather(self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._sample(j) for j in self.indices[i].tolist()]
        return self._sample(int(self.indices[i]))


def index_array(indices: Sequence[int] | np.ndarray, length: int, owner: str) -> np.ndarray:
    """`indices` as an integer array, checked against a dataset of `length` samples."""
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu" and idx.size:
        raise TypeError(f"{owner}: indices must be integers, got {idx.dtype}")
    idx = idx.astype(np.intp, copy=False)
    if idx.size and (idx.max() >= length or idx.min() < -length):
        bad = idx[(idx >= length) | (idx < -length)][0]
        raise IndexError(f"{owner}: index {bad} is out of range for {length} samples")
    return idx


class TensorDataset(Dataset):
    """Sample i is ``tuple(t[i] for t in tensors)``; all tensors share their first dimension."""

    def __init__(self, *tensors: Tensor) -> None:
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: expected ember Tensors, got {type(t)}")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if not tensors or None in sizes or len(set(sizes)) > 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors) or "none"
            raise ValueError(
                f"TensorDataset: size mismatch between tensors; they need one common first "
                f"dimension, got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> SampleBatch:
        idx = index_array(indices, len(self), "TensorDataset")
        return SampleBatch(idx, self.__getitem__, self._gather)

    def _gather(self, idx: np.ndarray) -> list[Tensor]:
        return [t[idx] if t.requires_grad else _make(t._data[idx], None) for t in self.tensors]

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self) -> Sequence[int]:
        """The indices into the parent dataset (setting it updates the subset)."""
        return self._indices

    @indices.setter
    def indices(self, indices: Sequence[int]) -> None:
        self._indices = indices
        # Kept as an array too, so a batch maps to parent indices with one gather.
        self._index_array = np.asarray(indices, dtype=np.intp).reshape(-1)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: Sequence[int]) -> Sequence:
        parent = self._index_array[index_array(indices, len(self), "Subset")]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(parent)
        return [self.dataset[i] for i in parent.tolist()]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of `datasets`, one dataset after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {n} samples")
        if idx < 0:
            idx += n
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[dataset_idx - 1] if dataset_idx else 0
        return self.datasets[dataset_idx][idx - start]


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: Generator | None = default_generator,
) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets of the given lengths.

    Lengths may be fractions summing to 1: each split gets floor(frac * len(dataset)) samples and
    the remainder is dealt out one by one from the first split on, as in PyTorch.
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"random_split: length of split at index {i} is 0", stacklevel=2
                )
        lengths = counts
    if any(length < 0 for length in lengths):
        raise ValueError(f"random_split: lengths must not be negative, got {list(lengths)}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths {list(lengths)} does not equal the length of "
            f"the input dataset ({n})"
        )
    order = rng_of(generator).permutation(n).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - length : end]) for end, length in zip(ends, lengths)]
