"""Multi-process tests: each starts its own MPI job on this machine (2 or 3 processes,
shared memory, no network) running one case of rank_cases.py; a case asserts on every rank."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parents[2]

CASES = REPO / "tests" / "distributed" / "rank_cases.py"


def require_mpi() -> None:
    """A skip without mpi4py, a failure under CI=true (where `make venv` installs it)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("CI=true but mpi4py is not installed: the distributed tests must run")
        pytest.skip("mpi4py is not installed (pip install 'ember[distributed]')")


def run_ranks(nproc: int, case: str, *args: str, timeout: float = 180) -> str:
    """Run `case` of rank_cases.py as an MPI job of `nproc` processes; its output."""
    require_mpi()
    from ember.distributed import launch

    command = launch.local_command(nproc, [sys.executable, str(CASES), case, *args])
    done = subprocess.run(command, cwd=REPO, env=launch.local_env(), capture_output=True,
                          text=True, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{case} on {nproc} processes failed:\n{output}"
    return output


@pytest.fixture
def ranks():
    return run_ranks
