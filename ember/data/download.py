"""Fetch a file from a list of mirrors: retry with backoff, resume, verify, then move into place.

The bytes go to `<dest>.part` first, which survives an interrupted run so the next try resumes it
with an HTTP Range request; only a file whose MD5 matches the published one is renamed (atomically)
to its final name, so a half-written or corrupt download never looks like a finished one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .idx import DatasetError

__all__ = ["DownloadError", "download_url", "md5sum"]

_CHUNK = 1 << 20


class _ShortRead(OSError):
    """The server closed the connection before sending all the bytes it announced."""


def md5sum(path: str | os.PathLike) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download_url(
    urls: Sequence[str],
    dest: str | os.PathLike,
    md5: str | None = None,
    *,
    retries: int = 3,
    retry_delay: float = 1.0,
    timeout: float = 30.0,
) -> Path:
    """Download `dest` from the first of `urls` (mirrors of one file) that delivers it intact.

    Each mirror gets `retries` tries, waiting retry_delay, 2*retry_delay, ... between them; a
    try after a dropped connection resumes where the last one stopped. A file whose MD5 differs
    from `md5` is discarded and the next mirror is tried. Raises DatasetError listing every
    failure when no mirror delivers.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    failures: list[str] = []
    for url in urls:
        for attempt in range(retries):
            if attempt:
                time.sleep(retry_delay * 2 ** (attempt - 1))
            try:
                resumed = _fetch(url, part, timeout)
            except (OSError, http.client.HTTPException) as e:  # URLError, timeouts included
                failures.append(f"{url}: {_reason(e)}")
                if _permanent(e):
                    break
                continue
            if md5 is None or md5sum(part) == md5:
                _commit(part, dest)
                return dest
            part.unlink()
            failures.append(f"{url}: MD5 checksum mismatch (expected {md5})")
            if not resumed:
                break  # the mirror serves bad bytes; a resumed file may just have stale ones
        # Next mirror: its copy of the file is the same, so a partial file from this one resumes.
    raise DownloadError(
        f"could not download {dest.name} (no internet?); copy it into {dest.parent} yourself "
        f"(tried: {_summary(failures)})", _summary(failures))


class DownloadError(DatasetError):
    """No mirror delivered the file; `failures` says what each one answered."""

    def __init__(self, message: str, failures: str) -> None:
        super().__init__(message)
        self.failures = failures


def _summary(failures: list[str]) -> str:
    """The failures, each distinct one once, with how often it happened."""
    counts: dict[str, int] = {}
    for failure in failures:
        counts[failure] = counts.get(failure, 0) + 1
    return "; ".join(f if n == 1 else f"{f} ({n} tries)" for f, n in counts.items())


def _fetch(url: str, part: Path, timeout: float) -> bool:
    """Append the rest of `url` to `part`; True when it resumed a partial file."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "ember"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # nothing left to send: the part file is complete
            return True
        raise
    with response:
        if offset and response.status != 206:  # the server ignored Range: start over
            offset = 0
        expected = response.headers.get("Content-Length")
        received = 0
        with open(part, "ab" if offset else "wb") as f:
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                received += len(chunk)
        if expected is not None and received < int(expected):
            raise _ShortRead(f"connection closed after {received} of {expected} bytes")
    return offset > 0


def _commit(part: Path, dest: Path) -> None:
    with open(part, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(part, dest)
    dir_fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _permanent(error: Exception) -> bool:
    """A client error other than timeout / rate limit: asking this mirror again will not help."""
    return isinstance(error, urllib.error.HTTPError) and 400 <= error.code < 500 and (
        error.code not in (408, 429)
    )


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__
