"""The cases the multi-process tests run, one per MPI job: `python rank_cases.py CASE`.

Every rank runs the case and asserts; an assertion on any rank fails the job. Expected values
come from NumPy, computed on each rank from every rank's (seeded) inputs.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

import ember
import ember.distributed as dist

DTYPES = [np.float32, np.float64, np.int64]


def rank_data(rank: int, dtype, shape=(2, 3)) -> np.ndarray:
    """Rank `rank`'s input: small values, so that sums and products are exact in every dtype."""
    rng = np.random.default_rng(100 + rank)
    return rng.integers(-3, 4, size=shape).astype(dtype)


def close(actual, expected, what: str) -> None:
    actual = actual.numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    assert actual.dtype == np.asarray(expected).dtype, f"{what}: dtype {actual.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=1e-6, err_msg=what)


def case_collectives() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    for dtype in DTYPES:
        mine = rank_data(rank, dtype)
        every = np.stack([rank_data(r, dtype) for r in range(n)])
        name = np.dtype(dtype).name
        reductions = {dist.ReduceOp.SUM: every.sum(0), dist.ReduceOp.MAX: every.max(0),
                      dist.ReduceOp.MIN: every.min(0), dist.ReduceOp.PRODUCT: every.prod(0)}
        if np.dtype(dtype).kind == "f":
            reductions[dist.ReduceOp.AVG] = every.mean(0).astype(dtype)
        for op, expected in reductions.items():
            t = ember.tensor(mine)
            assert dist.all_reduce(t, op) is None
            close(t, expected, f"all_reduce {op.name} {name}")
            t = ember.tensor(mine)
            dist.all_reduce(t, op, async_op=True).wait()
            close(t, expected, f"async all_reduce {op.name} {name}")
            t = ember.tensor(mine)
            dst = n - 1
            dist.reduce(t, dst, op)
            if rank == dst:
                close(t, expected, f"reduce {op.name} {name}")

        t = ember.tensor(mine)
        dist.broadcast(t, src=n - 1)
        close(t, every[n - 1], f"broadcast {name}")

        outs = [ember.zeros(2, 3, dtype=t.dtype) for _ in range(n)]
        dist.all_gather(outs, ember.tensor(mine))
        for r in range(n):
            close(outs[r], every[r], f"all_gather {name} from {r}")
        out = ember.tensor(np.zeros((n * 2, 3), dtype))
        dist.all_gather_into_tensor(out, ember.tensor(mine))
        close(out, every.reshape(n * 2, 3), f"all_gather_into_tensor {name}")

        big = [rank_data(r, dtype, (n * 2, 3)) for r in range(n)]
        out = ember.tensor(np.zeros((2, 3), dtype))
        dist.reduce_scatter_tensor(out, ember.tensor(big[rank]))
        close(out, np.sum(big, axis=0)[rank * 2:rank * 2 + 2], f"reduce_scatter_tensor {name}")

        gathered = [ember.tensor(np.zeros((2, 3), dtype)) for _ in range(n)] if rank == 1 \
            else None
        dist.gather(ember.tensor(mine), gathered, dst=1)
        if rank == 1:
            for r in range(n):
                close(gathered[r], every[r], f"gather {name} from {r}")

        out = ember.tensor(np.zeros((2, 3), dtype))
        pieces = [ember.tensor(every[r] * 10) for r in range(n)] if rank == 0 else None
        dist.scatter(out, pieces, src=0)
        close(out, every[rank] * 10, f"scatter {name}")

        sent = np.arange(n * 2, dtype=dtype) + 100 * rank
        out = ember.tensor(np.zeros(n * 2, dtype))
        dist.all_to_all_single(out, ember.tensor(sent))
        expected = np.concatenate([np.arange(n * 2, dtype=dtype)[2 * rank:2 * rank + 2]
                                   + 100 * r for r in range(n)])
        close(out, expected, f"all_to_all_single {name}")
        # uneven: rank r sends r + 1 rows to each rank
        rows = [(r + 1) for r in range(n)]
        sent = np.full((rows[rank] * n, 2), rank, dtype)
        out = ember.tensor(np.zeros((sum(rows), 2), dtype))
        dist.all_to_all_single(out, ember.tensor(sent), output_split_sizes=rows,
                               input_split_sizes=[rows[rank]] * n)
        expected = np.concatenate([np.full((rows[r], 2), r, dtype) for r in range(n)])
        close(out, expected, f"all_to_all_single uneven {name}")

        # point to point: a ring, blocking and not
        right, left = (rank + 1) % n, (rank - 1) % n
        got = ember.tensor(np.zeros((2, 3), dtype))
        if rank % 2 == 0:
            dist.send(ember.tensor(mine), right)
            source = dist.recv(got, left)
        else:
            source = dist.recv(got)
            dist.send(ember.tensor(mine), right)
        assert source == left, (source, left)
        close(got, every[left], f"send/recv {name}")
        got = ember.tensor(np.zeros((2, 3), dtype))
        works = [dist.isend(ember.tensor(mine), right, tag=7), dist.irecv(got, left, tag=7)]
        for w in works:
            assert w.wait() is True
        assert all(w.is_completed() for w in works)
        close(got, every[left], f"isend/irecv {name}")

    t = ember.tensor([1, 2])
    try:
        dist.all_reduce(t, dist.ReduceOp.AVG)
    except ValueError as e:
        assert "AVG needs a floating-point tensor" in str(e)
    else:
        raise AssertionError("AVG of int64 must raise")
    dist.barrier()
    dist.barrier(async_op=True).wait()


def case_objects() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    gathered = [None] * n
    dist.all_gather_object(gathered, {"rank": rank, "name": "é" * rank, "xs": [1.5, None]})
    assert gathered == [{"rank": r, "name": "é" * r, "xs": [1.5, None]} for r in range(n)]
    objects = [{"epoch": 3}, "text", [1, 2]] if rank == 1 else [None, None, None]
    dist.broadcast_object_list(objects, src=1)
    assert objects == [{"epoch": 3}, "text", [1, 2]], objects
    for bad in ((1, 2), {1: "a"}, np.zeros(2), ember.zeros(2)):
        try:
            dist.all_gather_object(gathered, bad)
        except TypeError as e:
            assert "JSON" in str(e) or "keys must be str" in str(e), e
        else:
            raise AssertionError(f"{type(bad).__name__} must not be sent")


def case_groups() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    members = [0, n - 1]
    group = dist.new_group(members)
    if rank in members:
        assert dist.get_rank(group) == members.index(rank)
        assert dist.get_world_size(group) == 2
        t = ember.tensor([float(rank)])
        dist.all_reduce(t, group=group)
        close(t, np.array([float(n - 1)], np.float32), "all_reduce in a group")
        t = ember.tensor([float(rank)])
        dist.broadcast(t, src=n - 1, group=group)  # src is a global rank
        close(t, np.array([float(n - 1)], np.float32), "broadcast in a group")
    else:
        assert group is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(group) == -1 and dist.get_world_size(group) == -1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert dist.all_reduce(ember.ones(1), group=group) is None
        assert "does not belong to the given group" in str(caught[0].message)
    if rank in members:
        dist.destroy_process_group(group)
    dist.barrier()


def main() -> None:
    dist.init_process_group("mpi")
    case = sys.argv[1]
    globals()[f"case_{case}"](*sys.argv[2:])
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
