"""Data-parallel costs on this machine: all-reduce times, and what DDP adds to a training step.

Run as an MPI job (one BLAS thread per process):

    .venv/bin/python benchmarks/distributed.py            # starts itself under mpiexec -n 2

Prints, on rank 0, a Markdown table of the all-reduce (float32, in place) of 1, 10 and 100 MB,
and for the MNIST CNN (batch 64 split among the ranks): the time of forward + backward alone,
of the all-reduce of its gradients alone, and of a DDP step (forward, backward, gradient
averaging), from which follows how much of the all-reduce is hidden behind backward:
(forward_backward + all_reduce - ddp_step) / all_reduce.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np


def _median_seconds(fn, repeats: int, warmup: int = 2) -> float:
    import ember.distributed as dist

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def cnn_rows(batch: int = 64) -> list[str]:
    import ember
    import ember.distributed as dist
    import ember.nn.functional as F
    from ember.models import CNN
    from ember.nn.parallel import DistributedDataParallel

    rank, size = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(0)
    model = CNN()
    ddp = DistributedDataParallel(model)
    rng = np.random.default_rng(rank)
    x = ember.tensor(rng.standard_normal((batch // size, 1, 28, 28)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, batch // size))

    def forward_backward(net) -> None:
        model.zero_grad()
        F.cross_entropy(net(x), y).backward()

    def local() -> None:
        with ddp.no_sync():
            forward_backward(ddp)

    grads = ember.zeros(sum(p.numel() for p in model.parameters()))
    t_local = _median_seconds(local, 20)
    t_reduce = _median_seconds(lambda: dist.all_reduce(grads), 20)
    t_ddp = _median_seconds(lambda: forward_backward(ddp), 20)
    hidden = (t_local + t_reduce - t_ddp) / t_reduce
    mb = grads.numel() * 4 / 1024 ** 2
    return [f"| CNN forward + backward, batch {batch // size} per rank | {t_local * 1e3:.1f} ms |"
            " |",
            f"| all_reduce of its gradients ({mb:.2f} MB) | {t_reduce * 1e3:.2f} ms | |",
            f"| DDP step (forward, backward, averaging) | {t_ddp * 1e3:.1f} ms | |",
            f"| all-reduce hidden behind backward | {hidden:.0%} (negative: the DDP step "
            "cost more than the all-reduce, waiting for the slower rank) | |"]


def main() -> None:
    if "PMI_SIZE" not in os.environ:  # start this script under mpiexec, one thread per rank
        from ember.distributed import launch

        nproc = int(sys.argv[1]) if len(sys.argv) > 1 else 2
        command = launch.local_command(nproc, [sys.executable, __file__])
        sys.exit(subprocess.run(command, env=launch.local_env(threads=1)).returncode)
    import ember.distributed as dist

    dist.init_process_group("mpi")
    rows = all_reduce_rows() + cnn_rows()
    if dist.get_rank() == 0:
        print(f"{dist.get_world_size()} processes, 1 thread each")
        print("| what | median time | bandwidth |\n| --- | --- | --- |")
        print("\n".join(rows))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
