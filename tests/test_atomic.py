"""ember._atomic: whole-file replacement that never leaves a half-written file at the target."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from ember._atomic import atomic_open, atomic_path, atomic_write


def test_atomic_write_replaces_text_and_bytes(tmp_path):
    path = tmp_path / "metrics.json"
    atomic_write(path, "first")
    atomic_write(path, '{"loss": 0.5} ✓')
    assert path.read_text(encoding="utf-8") == '{"loss": 0.5} ✓'
    atomic_write(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_atomic_open_writes_through_a_file_object(tmp_path):
    path = tmp_path / "log.json"
    with atomic_open(path) as f:
        json.dump({"epoch": 1}, f)
        assert not path.exists()  # nothing at the target until the body is done
    assert json.loads(path.read_text()) == {"epoch": 1}


def test_temp_file_sits_in_a_recognizable_directory_and_keeps_the_name(tmp_path):
    with atomic_path(tmp_path / "plot.png") as tmp:
        parent = os.path.basename(os.path.dirname(tmp))
        assert parent.startswith(f".plot.png.tmp-{os.getpid()}-")
        assert os.path.basename(tmp) == "plot.png"  # tools that infer the format still work
        assert os.path.dirname(os.path.dirname(tmp)) == str(tmp_path)  # same filesystem
        open(tmp, "wb").close()


def test_a_failing_body_leaves_the_old_file_and_no_debris(tmp_path):
    path = tmp_path / "ckpt.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(path, "wb") as f:
        f.write(b"new but incomplete")
        raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["ckpt.bin"]


def test_permissions_of_the_replaced_file_are_kept(tmp_path):
    fresh, plain = tmp_path / "fresh.txt", tmp_path / "plain.txt"
    atomic_write(fresh, "x")
    plain.write_text("x")  # what open() gives: 0o666 minus the umask
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    os.chmod(fresh, 0o640)
    atomic_write(fresh, "y")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="stale temp files are only detected on POSIX")
def test_temp_files_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".ckpt.bin.tmp-{dead.stdout.strip()}-0123abcd"
    stale.mkdir()
    (stale / ".tmpXYZ").write_bytes(b"half")
    live = tmp_path / f".ckpt.bin.tmp-{os.getpid()}-0123abcd"  # a writer that is still running
    live.mkdir()
    other = tmp_path / ".other.bin.tmp-1-0123abcd"  # another target's business
    other.mkdir()
    atomic_write(tmp_path / "ckpt.bin", b"data")
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.bin", live.name, other.name])


def test_atomic_open_rejects_modes_that_would_not_replace_the_file(tmp_path):
    for mode in ("a", "r+", "rb", "w+"):
        with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"), atomic_open(
            tmp_path / "x", mode
        ):
            pass
    assert os.listdir(tmp_path) == []


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no directory .*nowhere"):
        atomic_write(tmp_path / "nowhere" / "x.txt", "x")
