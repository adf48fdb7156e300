"""Thread pinning for every library, and the facts about the machine that belong in a report."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import platform
import sys
from collections.abc import Iterator
from types import ModuleType

import numpy as np

# Read by OpenBLAS, MKL, OpenMP runtimes, Accelerate and numexpr when they first load.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def set_thread_env(threads: int) -> dict[str, str | None]:
    """Set the thread variables; returns their previous values for restore_env."""
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    return saved


def restore_env(saved: dict[str, str | None]) -> None:
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value



@contextlib.contextmanager
def pinned_threads(threads: int, with_torch: bool) -> Iterator[ModuleType | None]:
    """Run the body with every thread pool at `threads`; yields torch (or None).

    NumPy is loaded before this runs (`import ember` loads it), so its BLAS pool is capped at
    run time through threadpoolctl; the environment variables still reach libraries that load
    later, torch's OpenMP and MKL among them.
    """
    saved = set_thread_env(threads)
    torch = _import_torch() if with_torch else None
    torch_threads = None
    if torch is not None:
        torch_threads = torch.get_num_threads()
        torch.set_num_threads(threads)
    try:
        with _threadpool_limits(threads):
            yield torch
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)
        restore_env(saved)


def _import_torch() -> ModuleType | None:
    try:
        return importlib.import_module("torch")
    except ImportError:  # not installed, or broken: the table says PyTorch is missing
        return None


def _threadpool_limits(threads: int):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional dependency (ember[bench]); the header says it is missing
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def _blas_pools() -> list[dict] | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keys = ("user_api", "internal_api", "version", "architecture", "corename", "num_threads",
            "threading_layer", "filepath")
    return [{k: info[k] for k in keys if info.get(k) is not None} for info in threadpool_info()]


def _cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def _version(name: str) -> str | None:
    try:
        return importlib.import_module(name).__version__
    except ImportError:
        return None


def describe(threads: int, dtype: str, torch: ModuleType | None) -> dict:
    """Versions, thread counts, BLAS and machine; call inside pinned_threads to see the limits."""
    import ember

    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    meta = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "ember": ember.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "threadpoolctl": _version("threadpoolctl"),
        "dtype": dtype,
        "threads": threads,
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "thread_env": {var: os.environ.get(var) for var in THREAD_VARS},
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas": _blas_pools(),
        "cpu": _cpu_model(),
        "nproc": os.cpu_count(),
        "cpus_usable": len(affinity) if affinity is not None else None,
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
    }
    if torch is not None:
        with contextlib.suppress(AttributeError):
            meta["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return meta
