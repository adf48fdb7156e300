"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one.

The new content is written into a private temp directory next to the target (same filesystem, so
the final rename is atomic), fsynced, renamed onto the target with os.replace, and the parent
directory is fsynced so the rename itself survives a power cut. The temp directory is named
``.<name>.tmp-<pid>-<random>`` and holds a file named like the target, so tools that pick a format
from the extension (matplotlib's savefig) work, and so does a writer such as safetensors that makes
temp files of its own next to the path it is given: a killed writer's debris stays inside the
recognizable directory, which the next write to the same target removes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from typing import IO, Any

_TMP_MARK = ".tmp-"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temp path to write the new content of ``path`` to; commit it on a clean exit.

    If the body raises, the temp files are removed and ``path`` is left untouched. The new file
    keeps the permissions of the file it replaces (a new file gets the umask's). A symlink at
    ``path`` is replaced by the new file, not followed.
    """
    target = os.path.abspath(path)
    directory, name = os.path.split(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: no directory {directory!r}")
    _remove_stale_temps(directory, name)
    tmp_dir = os.path.join(directory, f".{name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    os.mkdir(tmp_dir)
    tmp = os.path.join(tmp_dir, name)
    try:
        yield tmp
        # Reopen for writing: whatever wrote tmp (possibly native code) may not have fsynced it,
        # and Windows only lets a writable handle flush.
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target, tmp_dir))
        os.replace(tmp, target)
        _fsync_directory(directory)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _mode_for(path: str, fresh_dir: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:  # mkdir applied the umask to 0o777: reuse it without os.umask races
        return stat.S_IMODE(os.stat(fresh_dir).st_mode) & 0o666


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **open_kwargs: Any) -> Iterator[IO]:
    """``open(path, mode)`` for writing ("w" or "wb"), committed atomically on a clean exit::

        with atomic_open("metrics.json") as f:
            json.dump(metrics, f)
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes a new file: mode must be 'w' or 'wb', not {mode!r}")
    with atomic_path(path) as tmp, open(tmp, mode, **open_kwargs) as f:
        yield f


def atomic_write(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> None:
    """Replace the content of ``path`` with ``data`` atomically."""
    if isinstance(data, str):
        with atomic_open(path, "w", encoding=encoding) as f:
            f.write(data)
    else:
        with atomic_open(path, "wb") as f:
            f.write(data)


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":  # directories cannot be opened (nor need fsync) on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temps(directory: str, name: str) -> None:
    """Remove temp directories of ``name`` whose writer process no longer exists (was killed)."""
    if os.name != "posix":  # os.kill(pid, 0) would not probe but kill on Windows
        return
    prefix = f".{name}{_TMP_MARK}"
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            pid = entry.name[len(prefix) :].split("-", 1)[0]
            if (
                entry.name.startswith(prefix)
                and entry.is_dir(follow_symlinks=False)
                and pid.isdigit()
                and not _process_exists(int(pid))
            ):
                shutil.rmtree(entry.path, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True
