"""ember keeps large freed arrays in the heap (glibc), unless told not to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc tuning")

# How many live blocks glibc served with mmap while a 16 MiB array exists (mallinfo2's hblks).
PROBE = """
import ctypes, numpy as np, ember
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]
mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
before = mallinfo2().hblks
big = np.ones(4 << 20, dtype=np.float32)
print(ember._allocator.allocator_tuned, mallinfo2().hblks - before)
"""


def _probe(**env: str) -> tuple[str, int]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "EMBER_MAL"))}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env={**environ, **env}, check=True)
    tuned, mmapped = result.stdout.split()
    return tuned, int(mmapped)


def test_large_arrays_come_from_the_heap():
    assert _probe() == ("True", 0)


def test_opt_out_keeps_glibc_defaults():
    assert _probe(EMBER_MALLOC_TUNING="0") == ("False", 1)


def test_users_own_malloc_settings_win():
    assert _probe(MALLOC_MMAP_THRESHOLD_="131072")[0] == "False"
