"""DataLoader and the map-style datasets: batching, shuffling, lengths, splits, and the fast path
(one gather per batch) giving the same batches as the per-sample path."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    SampleBatch,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)


def _dataset(n=10):
    x = ember.arange(n * 2, dtype=ember.float32).reshape(n, 2)
    return TensorDataset(x, ember.arange(n))


class PerSample(Dataset):
    """The same samples without __getitems__: the DataLoader's per-sample path."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, i):
        return self.dataset[i]

    def __len__(self):
        return len(self.dataset)


def _labels(loader):
    return [y.tolist() for _, y in loader]


def test_torch_import_path():
    from ember.utils.data import DataLoader as UtilsDataLoader
    from ember.utils.data import random_split as utils_random_split

    assert UtilsDataLoader is DataLoader and utils_random_split is random_split


def test_batches_in_order():
    batches = list(DataLoader(_dataset(5), batch_size=2))
    assert [y.tolist() for _, y in batches] == [[0, 1], [2, 3], [4]]
    x, y = batches[0]
    assert x.shape == (2, 2) and x.dtype == ember.float32 and y.dtype == ember.int64
    np.testing.assert_array_equal(x.numpy(), [[0, 1], [2, 3]])


@pytest.mark.parametrize("n, batch_size, drop_last, expected", [
    (10, 3, False, 4), (10, 3, True, 3), (9, 3, True, 3), (2, 5, True, 0), (2, 5, False, 1),
])
def test_len_and_drop_last(n, batch_size, drop_last, expected):
    loader = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == expected == len(list(loader))
    if drop_last:
        assert all(len(y) == batch_size for _, y in loader)


def test_seeded_shuffle_reproduces_the_order():
    def epoch(seed):
        loader = DataLoader(_dataset(50), batch_size=8, shuffle=True,
                            generator=ember.Generator().manual_seed(seed))
        return sum(_labels(loader), [])

    assert epoch(1) == epoch(1)
    assert epoch(1) != epoch(2)
    assert sorted(epoch(1)) == list(range(50))


def test_shuffle_follows_manual_seed_and_changes_between_epochs():
    loader = DataLoader(_dataset(40), batch_size=40, shuffle=True)
    ember.manual_seed(5)
    first, second = _labels(loader), _labels(loader)
    ember.manual_seed(5)
    assert _labels(loader) == first
    assert first != second


def test_custom_collate_fn_sees_the_samples():
    seen = []

    def collate(batch):
        seen.append([(x.tolist(), int(y.item())) for x, y in batch])
        return len(batch)

    assert list(DataLoader(_dataset(3), batch_size=2, collate_fn=collate)) == [2, 1]
    assert seen[0] == [([0.0, 1.0], 0), ([2.0, 3.0], 1)]


def test_sampler_and_batch_sampler():
    loader = DataLoader(_dataset(), batch_size=2, sampler=[9, 0, 5])
    assert _labels(loader) == [[9, 0], [5]]
    loader = DataLoader(_dataset(), batch_sampler=[[3, 1], [7]])
    assert _labels(loader) == [[3, 1], [7]]
    assert len(loader) == 2
    subset_sampler = SubsetRandomSampler([2, 4, 6])
    assert sorted(sum(_labels(DataLoader(_dataset(), 2, sampler=subset_sampler)), [])) == [2, 4, 6]


def test_batch_size_none_yields_converted_samples():
    loader = DataLoader(_dataset(3), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and len(samples) == 3
    assert samples[1][1].tolist() == 1  # tuples become lists, as in torch


@pytest.mark.parametrize("kwargs, match", [
    ({"shuffle": True, "sampler": [0]}, "mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None"),
    ({"num_workers": -1}, "num_workers"),
])
def test_argument_checks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(_dataset(), **kwargs)


def test_workers_options_are_accepted():
    loader = DataLoader(_dataset(4), batch_size=2, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2)
    assert _labels(loader) == [[0, 1], [2, 3]]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(), shuffle=True)


# ---- datasets --------------------------------------------------------------------------------
def test_tensor_dataset_checks_sizes():
    with pytest.raises(ValueError, match=r"size mismatch.*\(3, 2\), \(4,\)"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(4))


def test_concat_dataset_indexing():
    a, b = _dataset(3), PerSample(_dataset(4))
    both = ConcatDataset([a, b])
    assert len(both) == 7 and both.cumulative_sizes == [3, 7]
    assert [int(both[i][1].item()) for i in range(7)] == [0, 1, 2, 0, 1, 2, 3]
    assert int(both[-1][1].item()) == 3 and int(both[-7][1].item()) == 0
    with pytest.raises(IndexError):
        both[7]
    with pytest.raises(IndexError):
        both[-8]
    assert len(a + b) == 7
    assert sorted(sum(_labels(DataLoader(both, batch_size=3, shuffle=True)), [])) == [
        0, 0, 1, 1, 2, 2, 3]


def test_random_split_sizes_and_determinism():
    ds = _dataset(10)
    parts = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(0))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert int(parts[0][0][1].item()) == parts[0].indices[0]


def test_random_split_fractions_match_torch_sizes(torch):
    for n, fractions in [(10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7])]:
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


def test_random_split_rejects_wrong_sum():
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(_dataset(10), [3, 3])


def test_subset_of_plain_dataset():
    sub = Subset(PerSample(_dataset()), [4, 2])
    assert _labels(DataLoader(sub, batch_size=2)) == [[4, 2]]


# ---- fast path -------------------------------------------------------------------------------
class Counting(TensorDataset):
    """A TensorDataset that counts per-sample fetches."""

    calls = 0

    def __getitem__(self, index):
        Counting.calls += 1
        return super().__getitem__(index)


def test_fast_path_gathers_without_per_sample_calls():
    Counting.calls = 0
    ds = Counting(ember.randn(100, 3), ember.arange(100))
    for dataset in (ds, random_split(ds, [0.5, 0.5])[0]):
        batches = list(DataLoader(dataset, batch_size=16, shuffle=True))
        assert sum(len(y) for _, y in batches) == len(dataset)
    assert Counting.calls == 0
    assert isinstance(ds.__getitems__([1, 2]), SampleBatch)


@pytest.mark.parametrize("make", [
    lambda ds: ds,
    lambda ds: Subset(ds, list(range(30, 0, -2))),
    lambda ds: random_split(ds, [0.7, 0.3], generator=ember.Generator().manual_seed(1))[1],
])
def test_fast_path_equals_per_sample_path(make):
    base = TensorDataset(ember.randn(40, 2, 3), ember.randint(0, 9, (40,)), ember.ones(40).bool())
    fast, slow = make(base), PerSample(make(base))
    for a, b in zip(DataLoader(fast, batch_size=7, shuffle=True,
                               generator=ember.Generator().manual_seed(2)),
                    DataLoader(slow, batch_size=7, shuffle=True,
                               generator=ember.Generator().manual_seed(2)), strict=True):
        assert len(a) == len(b) == 3
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u.numpy(), v.numpy())


def test_sample_batch_behaves_like_the_list_of_samples():
    ds = _dataset(6)
    batch = ds.__getitems__([4, 1, -1])
    assert len(batch) == 3
    assert [int(y.item()) for _, y in batch] == [4, 1, 5]
    assert [int(y.item()) for _, y in batch[1:]] == [1, 5]
    collated = default_collate(batch)
    assert collated[1].tolist() == [4, 1, 5]


def test_fast_path_index_errors():
    with pytest.raises(IndexError, match="index 6 is out of range for 6 samples"):
        _dataset(6).__getitems__([0, 6])
    with pytest.raises(TypeError, match="indices must be integers"):
        _dataset(6).__getitems__([0.5])


def test_fast_path_keeps_autograd():
    x = ember.ones(4, 2, requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=2)))
    xb.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [1, 1], [0, 0], [0, 0]])
