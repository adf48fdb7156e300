"""DistributedSampler: each rank's indices against torch.utils.data.DistributedSampler."""

from __future__ import annotations

import pytest

from ember.utils.data.distributed import DistributedSampler

SIZES = [1, 2, 7, 10, 12, 13, 100]


def _torch_partition(torch, n, replicas, rank, drop_last, shuffle=False, epoch=0):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    sampler = TorchSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                           drop_last=drop_last)
    sampler.set_epoch(epoch)
    return list(sampler), len(sampler)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("n", SIZES)
def test_unshuffled_partitions_equal_torchs(torch, n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        expected, length = _torch_partition(torch, n, replicas, rank, drop_last)
        assert list(ours) == expected
        assert len(ours) == length


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_shuffled_partitions_are_torchs_partition_of_one_permutation(torch, n, drop_last):
    """ember's permutation comes from its own generator; which positions of it each rank
    takes, and the padding, are torch's."""
    replicas, epoch = 3, 5
    whole = DistributedSampler(range(n), 1, 0, seed=7)
    whole.set_epoch(epoch)
    permutation = list(whole)
    assert sorted(permutation) == list(range(n))
    seen = []
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, seed=7, drop_last=drop_last)
        ours.set_epoch(epoch)
        _, length = _torch_partition(torch, n, replicas, rank, drop_last, True, epoch)
        positions, _ = _torch_partition(torch, n, replicas, rank, drop_last)
        assert list(ours) == [permutation[i] for i in positions]
        assert len(ours) == length == len(positions)
        seen += list(ours)
    if not drop_last:
        assert set(seen) == set(range(n))  # every sample at least once, padding aside


def test_epoch_and_seed_change_the_order_and_ranks_agree():
    def order(seed, epoch, rank=0):
        sampler = DistributedSampler(range(50), 2, rank, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    assert order(0, 0) == order(0, 0)
    assert order(0, 0) != order(0, 1) and order(0, 0) != order(1, 0)
    assert sorted(order(0, 3) + order(0, 3, rank=1)) == list(range(50))


def test_bad_rank_and_no_process_group():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    pytest.importorskip("mpi4py")
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
