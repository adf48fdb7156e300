"""ember.accelerator: PyTorch's device-agnostic accelerator API. ember runs on the CPU only, so
there is no accelerator: the queries answer so, and the calls that need one raise PyTorch's
RuntimeError."""

from __future__ import annotations

__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available",
           "synchronize"]

_NONE = ("Cannot access accelerator device when none is available (ember runs on the CPU "
         "only).")


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> None:
    return None


def device_count() -> int:
    return 0


def current_device_index() -> int:
    raise RuntimeError(_NONE)


def synchronize(device=None) -> None:
    raise RuntimeError(_NONE)
