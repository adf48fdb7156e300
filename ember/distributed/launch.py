"""Starting N processes on this machine with MPI's launcher (`ember train --nproc N`, tests).

The launcher is the `mpiexec` that pip's mpich installs beside the Python executable (or the
first on PATH). On one machine the processes talk through shared memory only: no network.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .process_group import _MISSING_MPI

# MPICH's settings for one machine: libfabric's shared-memory provider, so that no process
# opens a network socket for its messages (set only where the user has not chosen).
LOCAL_ENV = {"MPIR_CVAR_CH4_NETMOD": "ofi", "FI_PROVIDER": "shm"}
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def mpiexec() -> str:
    """The path of MPI's launcher: beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(f"mpiexec not found; {_MISSING_MPI}")
    return found


def local_command(nproc: int, argv: list[str]) -> list[str]:
    """`mpiexec` starting `argv` as `nproc` processes on this machine."""
    if nproc < 1:
        raise ValueError(f"the number of processes must be at least 1, got {nproc}")
    return [mpiexec(), "-launcher", "fork", "-n", str(nproc), *argv]


def local_env(threads: int = 1, base: dict | None = None) -> dict:
    """The environment for the processes: `threads` BLAS threads each (they share the cores),
    and shared-memory messages."""
    env = dict(os.environ if base is None else base)
    for name in THREAD_ENV:
        env[name] = str(threads)
    for name, value in LOCAL_ENV.items():
        env.setdefault(name, value)
    return env
