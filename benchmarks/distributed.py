"""Data-parallel costs on this machine: all-reduce times, and what DDP adds to a training step.

Run as an MPI job (one BLAS thread per process):

    .venv/bin/python benchmarks/distributed.py            # starts itself under mpiexec -n 2

Prints, on rank 0, a Markdown table of the all-reduce (float32, in place) of 1, 10 and 100 MB,
and one for the MNIST CNN (batch 64 split among the ranks): the time of its forward + backward
alone (no_sync, then a barrier, so that it too ends with the slower rank), of the all-reduce of
its gradients alone, and of a DDP step (forward, backward, gradient averaging) with PyTorch's
default buckets and with `bucket_cap_mb=0.25`. From these follows how much of the all-reduce is
hidden behind backward: (forward_backward + all_reduce - ddp_step) / all_reduce. The two steps
run alternately and the difference is the median of the pairs' differences, so that the
machine's changing load cancels out.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np


def _timed(fn) -> float:
    """Seconds of fn(), started on all ranks together."""
    import ember.distributed as dist

    dist.barrier()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _median_seconds(fn, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    return statistics.median(_timed(fn) for _ in range(repeats))


def all_reduce_rows() -> list[str]:
    import ember
    import ember.distributed as dist

    rows = []
    for megabytes in (1, 10, 100):
        t = ember.ones(megabytes * 1024 * 1024 // 4)
        seconds = _median_seconds(lambda t=t: dist.all_reduce(t), 10 if megabytes < 100 else 5)
        rows.append(f"| all_reduce {megabytes} MB | {seconds * 1e3:.2f} ms | "
                    f"{megabytes / seconds / 1024:.2f} GB/s |")
    return rows


def _local_and_ddp_steps(cap, x, y, repeats: int):
    """Alternate timings of the CNN's forward + backward under no_sync (then a barrier) and of
    a DDP step with `bucket_cap_mb=cap`: their medians, the median of the pairs' differences,
    and the number of buckets."""
    import ember
    import ember.distributed as dist
    import ember.nn.functional as F
    from ember.models import CNN
    from ember.nn.parallel import DistributedDataParallel

    ember.manual_seed(0)
    model = CNN()
    ddp = DistributedDataParallel(model, bucket_cap_mb=cap)

    def ddp_step() -> None:
        model.zero_grad()
        F.cross_entropy(ddp(x), y).backward()

    def local_step() -> None:
        with ddp.no_sync():
            ddp_step()
        dist.barrier()

    for _ in range(2):
        local_step()
        ddp_step()
    pairs = [(_timed(local_step), _timed(ddp_step)) for _ in range(repeats)]
    return (statistics.median(local for local, _ in pairs),
            statistics.median(step for _, step in pairs),
            statistics.median(step - local for local, step in pairs), len(ddp.reducer.buckets))


def cnn_rows(batch: int = 64, repeats: int = 30) -> list[str]:
    import ember
    import ember.distributed as dist
    from ember.models import CNN

    rank, size = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(rank)
    x = ember.tensor(rng.standard_normal((batch // size, 1, 28, 28)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, batch // size))
    grads = ember.zeros(sum(p.numel() for p in CNN().parameters()))
    t_reduce = _median_seconds(lambda: dist.all_reduce(grads, dist.ReduceOp.AVG), repeats)
    rows = [f"| all_reduce of its gradients ({grads.numel() * 4 / 1024 ** 2:.2f} MB) | "
            f"{t_reduce * 1e3:.2f} ms | |"]
    for cap in (None, 0.25):
        t_local, t_ddp, exposed, buckets = _local_and_ddp_steps(cap, x, y, repeats)
        if cap is None:
            rows.insert(0, f"| forward + backward, batch {batch // size} per rank | "
                           f"{t_local * 1e3:.1f} ms | |")
        name = "default buckets" if cap is None else f"bucket_cap_mb={cap}"
        rows.append(f"| DDP step, {name} ({buckets} bucket{'s' * (buckets > 1)}), "
                    f"{exposed * 1e3:+.2f} ms over forward + backward | {t_ddp * 1e3:.1f} ms | "
                    f"{1 - exposed / t_reduce:.0%} |")
    return rows


def main() -> None:
    if "PMI_SIZE" not in os.environ:  # start this script under mpiexec, one thread per rank
        from ember.distributed import launch

        nproc = int(sys.argv[1]) if len(sys.argv) > 1 else 2
        command = launch.local_command(nproc, [sys.executable, __file__])
        sys.exit(subprocess.run(command, env=launch.local_env(threads=1)).returncode)
    import ember.distributed as dist

    dist.init_process_group("mpi")
    reduce_rows, step_rows = all_reduce_rows(), cnn_rows()
    if dist.get_rank() == 0:
        print(f"{dist.get_world_size()} processes, 1 thread each")
        print("| what | median time | bandwidth |\n| --- | --- | --- |")
        print("\n".join(reduce_rows))
        print("\n| MNIST CNN | median time | all-reduce hidden behind backward |\n"
              "| --- | --- | --- |")
        print("\n".join(step_rows))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
