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

