"""`ember train --nproc N` and `mpiexec -n N ember train`: the accuracy of one process, the same
run by either start, a killed rank ending the job with an intact checkpoint, and --resume with
another number of processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, require_mpi

import ember
from ember.cli.main import build_parser
from ember.distributed import launch

QUICK = ["--limit-train", "4000", "--limit-test", "1000", "--no-plots", "--no-progress"]


def ember_train(*args, mpiexec: int | None = None, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "ember", "train", *map(str, args)]
    if mpiexec:
        command = launch.local_command(mpiexec, command)
    return subprocess.Popen(command, cwd=REPO, env=launch.local_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def finish(job: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = job.communicate(timeout=timeout)
    return job.returncode, out, err


def accuracy(out: Path) -> float:
    return float(ember.load(out / "checkpoint.safetensors")["history"][-1]["test_acc"])


def test_command_line_is_rebuilt_from_the_parsed_flags():
    from ember.cli.distributed import _command_line

    argv = ["train", "--dataset", "fashion-mnist", "--epochs", "2", "--lr", "0.01", "--resume",
            "--nproc", "2", "--threads", "1", "--out", "runs/x y"]
    args = build_parser().parse_args(argv)
    rebuilt = _command_line(args)
    assert "--nproc" not in rebuilt
    again = build_parser().parse_args(["train", *rebuilt, "--nproc", "2"])
    assert {k: v for k, v in vars(again).items() if k != "command_parser"} == \
        {k: v for k, v in vars(args).items() if k != "command_parser"}


@pytest.mark.slow
def test_two_processes_reach_the_accuracy_of_one(data_root, tmp_path):
    require_mpi()
    runs = {"one": ember_train(*QUICK, "--out", tmp_path / "one"),
            "nproc": ember_train(*QUICK, "--out", tmp_path / "nproc", "--nproc", 2),
            "mpiexec": ember_train(*QUICK, "--out", tmp_path / "mpiexec", mpiexec=2)}
    for name, job in runs.items():
        code, out, err = finish(job)
        assert code == 0, f"{name}: {err}"
    one, two = accuracy(tmp_path / "one"), accuracy(tmp_path / "nproc")
    print(f"test accuracy: 1 process {one:.2%}, 2 processes {two:.2%}")
    assert two > 0.92 and abs(two - one) < 0.02
    # Started by --nproc or by mpiexec, it is the same run, to the bit.
    a = ember.load(tmp_path / "nproc" / "checkpoint.safetensors")["model"]
    b = ember.load(tmp_path / "mpiexec" / "checkpoint.safetensors")["model"]
    assert all((a[k].numpy() == b[k].numpy()).all() for k in a)
    assert sorted(os.listdir(tmp_path / "nproc")) == ["checkpoint.safetensors", "example.png",
                                                      "metrics.csv"]


def _rank_pid(out: Path, rank: int) -> int | None:
    """The process of `rank` in the job writing to `out` (found through /proc)."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(out).encode() in cmdline and f"PMI_RANK={rank}".encode() in environ \
                and b"-m" in cmdline:
            return int(proc.name)
    return None


def test_a_killed_rank_ends_the_job_and_another_nproc_resumes(data_root, tmp_path):
    require_mpi()
    out = tmp_path / "run"
    job = ember_train("--epochs", 2, "--limit-train", 8000, "--limit-test", 500, "--no-plots",
                      "--no-progress", "--out", out, "--nproc", 2)
    deadline = time.monotonic() + 240
    while not (out / "metrics.csv").exists():  # epoch 1 done, epoch 2 under way
        assert job.poll() is None and time.monotonic() < deadline, finish(job)
        time.sleep(0.1)
    os.kill(_rank_pid(out, 1), 9)
    killed = time.monotonic()
    code, _, err = finish(job, timeout=60)
    assert time.monotonic() - killed < 30
    assert code == 1 and "the training job of 2 processes failed" in err, err
    checkpoint = ember.load(out / "checkpoint.safetensors")  # intact: epoch 1's
    assert checkpoint["epoch"] == 1 and len(checkpoint["history"]) == 1

    code, stdout, err = finish(ember_train("--out", out, "--resume", "--nproc", 3,
                                           "--no-progress"))
    assert code == 0, err
    assert "resuming at epoch 2" in stdout and "epoch 2/2" in stdout
    assert accuracy(out) > 0.9
