"""autocast: PyTorch's mixed-precision regions. ember has no mixed precision: inside a region
ops run in their inputs' dtypes (float32 by default), and the first enabled region says so."""

from __future__ import annotations

import functools
import warnings

from ..devices import device

__all__ = ["autocast"]

_told = False  # the warning is given once per process


def _tell_once(device_type: str) -> None:
    global _told
    if not _told:
        _told = True
        warnings.warn(f"ember.autocast({device_type!r}): ember has no mixed precision, so ops "
                      "inside autocast regions run in their inputs' dtypes (float32 by default)",
                      UserWarning, stacklevel=3)


class autocast:  # noqa: N801 - PyTorch's name
    """A context manager (or decorator) for a mixed-precision region, as torch.autocast.

    `device_type` must name one of PyTorch's device types ('cpu', 'cuda', ...); `dtype`,
    `enabled` and `cache_enabled` are accepted. Nothing is cast: an enabled region warns once per
    process that ops run in their inputs' dtypes.
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        device(device_type)  # PyTorch's RuntimeError for an unknown device type
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled:
            _tell_once(device_type)

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorated

