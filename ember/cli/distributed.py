"""Data-parallel `ember train`: `--nproc N`, or the command started by `mpiexec -n N`.

`ember train --nproc N` starts `mpiexec -n N ember train ...` (the launcher beside the installed
mpich, one BLAS thread per process) and waits for it. In each process, the same run then trains
a DistributedDataParallel replica: every rank draws the same shuffled global batches and takes
an equal share of each, so the run's position (epoch, global batch) means the same for any N,
and --resume works with another N. Only rank 0 prints, shows progress, and writes the
checkpoint, metrics.csv and plots. A rank that dies ends the job: mpiexec stops the others.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from .. import distributed as dist
from ..nn import functional as F
from ..nn.parallel import DistributedDataParallel
from ..random import get_rng_state, manual_seed
from ..tensor import Tensor, _make
from .argtypes import positive_int
from .errors import CLIError
from .trainer import Trainer

__all__ = ["DistributedTrainer", "World", "add_arguments", "join", "launch"]

# Variables that MPI launchers give each process: MPICH and Intel MPI (PMI), Open MPI, PMIx.
_LAUNCHER_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nproc", type=positive_int, metavar="N",
                        help="train data-parallel in N processes on this machine (through "
                             "mpiexec; needs pip install 'ember[distributed]'); the batch size "
                             "is the global one, divided among them")
    parser.set_defaults(command_parser=parser)


def _under_mpi() -> bool:
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def launch(args: argparse.Namespace) -> int | None:
    """With --nproc N > 1 outside MPI: run this command as an MPI job of N processes and return
    its exit status. None when this process should train itself."""
    if not args.nproc or args.nproc == 1 or _under_mpi():
        return None
    if not dist.is_available():
        raise CLIError("--nproc needs mpi4py and an MPI: pip install 'ember[distributed]'")
    from ..distributed import launch as mpi_launch

    command = mpi_launch.local_command(
        args.nproc, [sys.executable, "-m", "ember", "train", *_command_line(args)])
    job = subprocess.Popen(command, env=mpi_launch.local_env(args.threads))
    try:
        status = job.wait()
    except KeyboardInterrupt:  # mpiexec passes Ctrl-C on: the ranks save and stop
        status = job.wait()
    if status not in (0, 1, 130):  # 1: the ranks have reported their error already
        raise CLIError(f"the training job of {args.nproc} processes failed (mpiexec exit "
                       f"status {status}); the last checkpoint in its --out is intact: "
                       "continue with --resume")
    return status


def _command_line(args: argparse.Namespace) -> list[str]:
    """The train flags that `args` was given (other than their defaults)."""
    argv = []
    for action in args.command_parser._actions:
        value = getattr(args, action.dest, None)
        if not action.option_strings or action.dest in ("help", "nproc") or \
                value == action.default:
            continue
        flag = max(action.option_strings, key=len)
        argv += [flag] if action.nargs == 0 else [flag, str(value)]
    return argv


@dataclass
class World:
    """This process's place in a data-parallel run."""

    rank: int
    size: int


def join(args: argparse.Namespace) -> World | None:
    """Under an MPI launcher with more than one process: join the process group, and quiet
    ranks other than 0 (no progress bars, nothing on stdout). None for a lone process."""
    if not _under_mpi():
        return None
    if not dist.is_available():
        raise CLIError("started by an MPI launcher, but mpi4py is missing: pip install "
                       "'ember[distributed]'")
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    world = World(dist.get_rank(), dist.get_world_size())
    if args.nproc and args.nproc != world.size:
        raise CLIError(f"--nproc {args.nproc}, but mpiexec started {world.size} processes")
    if world.size == 1:
        return None
    if world.rank != 0:
        args.no_progress = True
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    return world


class _AgreedStop:
    """A StopRequest that every rank answers alike: stop when any rank was asked to, so that
    all of them stop after the same batch (and none waits for the others forever)."""

    def __init__(self, stop) -> None:
        self._stop = stop

    def requested(self) -> bool:
        flag = Tensor([int(self._stop.requested())])
        dist.all_reduce(flag, dist.ReduceOp.MAX)
        return bool(flag._data[0])

    def __getattr__(self, name: str):
        return getattr(self._stop, name)


class DistributedTrainer(Trainer):
    """The Trainer of one rank: the model trains as a DistributedDataParallel replica on this
    rank's share of each global batch, and only rank 0 writes files."""

    def __init__(self, world: World, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.world = world
        self.writes_files = world.rank == 0
        self.ddp = DistributedDataParallel(self.model)

    def fit(self, stop) -> bool:
        if self.world.rank:
            # Dropout must draw differently on every rank: rank r > 0 seeds its own stream from
            # rank 0's state (the one a checkpoint holds), its rank and the position.
            p = self.position
            state = get_rng_state() if self.pending_rng_state is None \
                else self.pending_rng_state
            self.pending_rng_state = None
            key = bytes(state._data) + f"{self.world.rank}:{p.epoch}:{p.batch}".encode()
            manual_seed(int.from_bytes(hashlib.sha256(key).digest()[:8], "little") >> 1)
        return super().fit(_AgreedStop(stop))

    # --8<-- [start:ddp-step]
    def _train_step(self, x: Tensor, y: Tensor) -> tuple[float, int]:
        """One step on this rank's share of the global batch (x, y); the global batch's mean
        loss and number of correct predictions."""
        n, size, rank = len(y), self.world.size, self.world.rank
        lo, hi = rank * n // size, (rank + 1) * n // size
        # The sum of the share's losses, scaled so that DDP's average over the ranks is the
        # global batch's mean; a rank without samples steps with one of weight zero.
        scale = size / n if hi > lo else 0.0
        if hi == lo:
            lo, hi = 0, 1
        self.optimizer.zero_grad()
        logits = self.ddp(x[lo:hi])
        loss = F.cross_entropy(logits, y[lo:hi], reduction="sum")
        (loss * scale).backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        correct = (logits.argmax(dim=1) == y[lo:hi]).sum().item()
        totals = _make(np.array([loss.item(), correct], np.float64) * (scale > 0), None)
        dist.all_reduce(totals)
        return float(totals._data[0]) / n, int(totals._data[1])
    # --8<-- [end:ddp-step]
