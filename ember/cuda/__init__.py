"""ember.cuda as a PyTorch built without CUDA has it: ember runs on the CPU only.

`is_available()` is False and `device_count()` 0; the seeding and cache calls are no-ops, and the
memory counters are 0, as in such a build; the calls that need a GPU (`synchronize`,
`current_device`, `get_device_name`, ...) raise PyTorch's AssertionError, in one line.
"""

from __future__ import annotations

from ..devices import check_available
from . import amp

__all__ = [
    "amp", "current_device", "device_count", "empty_cache", "get_arch_list",
    "get_device_capability", "get_device_name", "get_device_properties", "get_rng_state",
    "init", "initial_seed", "is_available", "is_bf16_supported", "is_initialized",
    "manual_seed", "manual_seed_all", "max_memory_allocated", "max_memory_reserved",
    "mem_get_info", "memory_allocated", "memory_reserved", "seed", "seed_all", "set_device",
    "set_rng_state", "synchronize",
]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def get_arch_list() -> list[str]:
    return []


# Without a GPU there is nothing to seed, free or count: no-ops, as in PyTorch without CUDA.
def manual_seed(seed: int) -> None:
    return None


def manual_seed_all(seed: int) -> None:
    return None


def seed() -> None:
    return None


def seed_all() -> None:
    return None


def empty_cache() -> None:
    return None


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def _no_cuda(*args, **kwargs):
    check_available("cuda")  # raises: ember is not compiled with CUDA


# The calls that need a GPU raise, as in PyTorch without CUDA.
synchronize = current_device = get_device_name = get_device_properties = _no_cuda
get_device_capability = set_device = init = initial_seed = get_rng_state = _no_cuda
set_rng_state = mem_get_info = _no_cuda
