"""Samplers: the orders they produce, their lengths, seeding, and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(SequentialSampler(range(5))) == 5


def test_random_is_a_permutation_reproducible_by_seed():
    data = range(50)
    order = list(RandomSampler(data, generator=ember.Generator().manual_seed(3)))
    assert sorted(order) == list(range(50)) and order != list(range(50))
    assert list(RandomSampler(data, generator=ember.Generator().manual_seed(3))) == order
    assert list(RandomSampler(data, generator=ember.Generator().manual_seed(4))) != order


def test_random_without_generator_follows_manual_seed():
    ember.manual_seed(11)
    first = list(RandomSampler(range(30)))
    second = list(RandomSampler(range(30)))
    ember.manual_seed(11)
    assert list(RandomSampler(range(30))) == first
    assert second != first  # the global generator moved on


def test_random_num_samples_without_replacement_chains_permutations():
    order = list(RandomSampler(range(4), num_samples=10))
    assert len(order) == 10
    assert sorted(order[:4]) == sorted(order[4:8]) == [0, 1, 2, 3]
    assert len(set(order[8:])) == 2


def test_random_with_replacement():
    sampler = RandomSampler(range(3), replacement=True, num_samples=300)
    order = list(sampler)
    assert len(sampler) == len(order) == 300
    assert set(order) == {0, 1, 2}


@pytest.mark.parametrize("kwargs", [{"num_samples": 0}, {"num_samples": 2.5}])
def test_random_rejects_bad_num_samples(kwargs):
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), **kwargs)


def test_subset_random():
    indices = [10, 20, 30, 40]
    order = list(SubsetRandomSampler(indices, generator=ember.Generator().manual_seed(0)))
    assert sorted(order) == indices
    assert len(SubsetRandomSampler(indices)) == 4


def test_weighted_draws_by_weight():
    sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000)
    counts = np.bincount(list(sampler), minlength=3)
    assert counts[0] == 0
    assert 2.5 < counts[2] / counts[1] < 3.5


def test_weighted_without_replacement_needs_enough_weights():
    with pytest.raises(ValueError, match="cannot draw 3 samples"):
        WeightedRandomSampler([1.0, 0.0, 1.0], num_samples=3, replacement=False)
    assert sorted(WeightedRandomSampler([1.0, 0.0, 1.0], 2, replacement=False)) == [0, 2]


@pytest.mark.parametrize("drop_last, expected", [
    (False, [[0, 1, 2], [3, 4, 5], [6]]),
    (True, [[0, 1, 2], [3, 4, 5]]),
])
def test_batch_sampler(drop_last, expected):
    sampler = BatchSampler(SequentialSampler(range(7)), 3, drop_last)
    assert list(sampler) == expected
    assert len(sampler) == len(expected)


@pytest.mark.parametrize("batch_size, drop_last", [(0, False), (-1, False), (True, False),
                                                   (2.0, False), (2, 1)])
def test_batch_sampler_checks_arguments(batch_size, drop_last):
    with pytest.raises(ValueError, match="BatchSampler"):
        BatchSampler(range(4), batch_size, drop_last)


def test_batch_sampler_matches_torch(torch):
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)]:
        ours = BatchSampler(range(n), bs, drop)
        theirs = torch.utils.data.BatchSampler(range(n), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_weighted_takes_a_tensor_of_weights():
    sampler = WeightedRandomSampler(ember.tensor([0.0, 2.0, 0.0]), num_samples=5)
    assert list(sampler) == [1] * 5



@pytest.mark.parametrize("replacement", [True, False])
def test_random_draws_lazily_with_flat_memory(replacement):
    import tracemalloc

    sampler = RandomSampler(range(1000), replacement=replacement, num_samples=10**10)
    assert len(sampler) == 10**10
    tracemalloc.start()
    try:
        order = iter(sampler)
        first = [next(order) for _ in range(5000)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20 and all(0 <= i < 1000 for i in first)
    if not replacement:
        assert sorted(first[:1000]) == list(range(1000))


def test_random_epochs_are_seeded_from_the_global_generator():
    sampler = RandomSampler(range(100), replacement=True, num_samples=200)
    ember.manual_seed(5)
    first = list(sampler)
    ember.manual_seed(5)
    order = iter(sampler)
    head = [next(order) for _ in range(40)]  # the epoch's seed is drawn at its first index
    ember.rand(1000)  # other draws between the sampler's chunks do not change its order
    assert head + list(order) == first


@pytest.mark.parametrize("expr", [
    "RandomSampler(range(3), replacement=1)", "RandomSampler(range(3), num_samples=0)",
    "RandomSampler(range(3), num_samples=-1)", "RandomSampler(range(3), num_samples=2.5)",
    "WeightedRandomSampler([1.0, 2.0], num_samples=0)",
    "WeightedRandomSampler([1.0, 2.0], num_samples=True)",
    "WeightedRandomSampler([1.0, 2.0], num_samples=2, replacement=1)",
    "WeightedRandomSampler([[1.0, 2.0]], num_samples=2)",
    "BatchSampler(range(4), 0, False)", "BatchSampler(range(4), 2, 1)",
])
def test_sampler_errors_match_torch(torch, expr):
    import torch.utils.data as torch_data

    with pytest.raises(Exception) as theirs:
        eval(expr, vars(torch_data))
    with pytest.raises(theirs.type):
        eval(expr, globals())


def test_sampler_lengths_and_ranges_match_torch(torch):
    import torch.utils.data as torch_data

    for make in ("RandomSampler(range(7))", "RandomSampler(range(7), num_samples=17)",
                 "RandomSampler(range(7), replacement=True, num_samples=70)",
                 "SubsetRandomSampler([3, 5, 9])",
                 "WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=40)",
                 "WeightedRandomSampler([1.0, 1.0, 3.0], num_samples=3, replacement=False)",
                 "BatchSampler(RandomSampler(range(10)), 3, False)"):
        ours, theirs = eval(make, globals()), eval(make, vars(torch_data))
        assert len(ours) == len(theirs)
        ours_list, theirs_list = list(ours), [x if isinstance(x, list) else int(x)
                                              for x in theirs]
        assert len(ours_list) == len(theirs_list)
        if "replacement=True" not in make and "num_samples=40" not in make:
            assert _indices(ours_list) == _indices(theirs_list), make


def _indices(order: list) -> list:
    """The distinct indices of a sampler's output (of single indices or of batches)."""
    return sorted({i for b in order for i in (b if isinstance(b, list) else [b])})
