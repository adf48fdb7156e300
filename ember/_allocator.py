"""glibc malloc tuning, so that the large arrays of a training step are reused, not refaulted.

By default glibc serves an array of over ~128 KiB-32 MiB with a fresh mmap and returns it to the
OS when freed, and trims the heap top when much of it is free. A training step frees and
reallocates the same large arrays every iteration, so each step pays for page faults and the
kernel zeroing pages again: 25-45% of a convolution's time here (BENCHMARKS.md). Raising both
thresholds keeps freed blocks in the heap for reuse. It applies to the whole process, so it is
skipped when the user set glibc's own MALLOC_*_THRESHOLD_ variables, or EMBER_MALLOC_TUNING=0.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20  # arrays up to this size come from the heap
TRIM_THRESHOLD = 256 << 20  # the heap keeps up to this much free memory at its top


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds; False where that is not done or not possible."""
    if not sys.platform.startswith("linux") or os.environ.get("EMBER_MALLOC_TUNING") == "0":
        return False
    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


allocator_tuned = tune_allocator()
