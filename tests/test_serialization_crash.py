"""ember.save is atomic: a save that fails or is SIGKILLed midway leaves the previous checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ember

REPO = Path(__file__).resolve().parents[1]


def test_failed_save_leaves_previous_file_and_no_debris(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ember.save({"v": 1}, path)
    before = path.read_bytes()

    def save_half_then_fail(arrays, filename, metadata):
        Path(filename).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(ember.serialization, "save_file", save_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"v": 2, "w": ember.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


CRASH_WRITER = """
import sys
import numpy as np
import ember

path, n = sys.argv[1], int(sys.argv[2])
weights = np.empty(n, np.float32)
version = 1
while True:
    weights.fill(version)
    print(version, flush=True)
    ember.save({"version": version, "w": ember.from_numpy(weights)}, path)
    version += 1
"""


def save_in_progress(path, full_size):
    """Whether a save to path has begun and not ended: a temp file exists or path is short."""
    return os.listdir(path.parent) != [path.name] or path.stat().st_size != full_size


def check_checkpoint(path, n):
    ckpt = ember.load(path)
    assert ckpt["w"].shape == (n,)
    assert (ckpt["w"].numpy() == ckpt["version"]).all()
    return ckpt["version"]


def test_sigkill_during_save_leaves_a_valid_checkpoint(tmp_path):
    n = 50_000_000  # 200 MB of float32
    path = tmp_path / "ckpt.safetensors"
    ember.save({"version": 0, "w": ember.zeros(n)}, path)
    full_size = path.stat().st_size
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", CRASH_WRITER, str(path), str(n)]
    kills_mid_save = 0
    for delay in (0.0, 0.02, 0.08):  # seconds from the start of a save to the SIGKILL
        writer = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        try:
            while writer.stdout.readline().strip() != "2":  # version 1 is complete on disk
                assert writer.poll() is None, "the writer died on its own"
            deadline = time.monotonic() + 30
            while not save_in_progress(path, full_size):
                assert time.monotonic() < deadline, "the writer never started saving version 2"
                time.sleep(0.001)
            time.sleep(delay)
            os.kill(writer.pid, signal.SIGKILL)
        finally:
            writer.kill()
            writer.wait()
            writer.stdout.close()
        assert check_checkpoint(path, n) >= 1
        assert path.stat().st_size == full_size
        kills_mid_save += os.listdir(tmp_path) != ["ckpt.safetensors"]  # temp files left
    assert kills_mid_save, "never managed to kill the writer in the middle of a save"
    # the next save removes the dead writers' temp files
    ember.save({"version": 3, "w": ember.full((n,), 3.0)}, path)
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
    assert check_checkpoint(path, n) == 3
